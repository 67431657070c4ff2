/**
 * Routine operator commands of the real Debian clients (openstack, cinder) against the simulator, one
 * test per area of issue 13; the contract suite (test/contract/operator.contract.ts) checks the
 * same calls against the real Keystone + Cinder. Where the real pair's own quirks differ (it has no
 * Glance, so `openstack volume create` fails there), the command used here is noted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../openstack-sim/index';
import { cliRunner, listing, requireClients, tableRows } from './cli-harness';
import { FAST, useSimulator, waitFor } from './helpers';

const CINDER_VERSION = ['--os-volume-api-version', '3.70'];

describe('operator commands of the real CLIs against the simulator', () => {
  const started = useSimulator(FAST);
  let sim: RunningSimulator;
  const { cli, ok } = cliRunner(() => sim);
  const osc = async (user: string, ...args: string[]) =>
    JSON.parse(await ok(user, 'openstack', [...args, '-f', 'json']));
  const cinder = (user: string, ...args: string[]) => ok(user, 'cinder', [...CINDER_VERSION, ...args]);

  beforeAll(() => {
    requireClients(['openstack', 'cinder']);
    sim = started();
  });

  /** A volume of `user` (cinder create: the real pair's openstack client needs Glance), once available. */
  const volume = async (user: string, name: string, ...args: string[]): Promise<string> => {
    const id = listing(await cinder(user, 'create', '--name', name, ...args, '1')).find(
      (r) => r.Property === 'id',
    )?.Value;
    if (!id) throw new Error(`cinder create ${name} printed no id`);
    await waitFor(`${name} available`, async () => (await osc(user, 'volume', 'show', id)).status === 'available');
    return id;
  };

  it('identity: project list/show for admin and member, user list, volume list --project', async () => {
    expect((await osc('admin', 'project', 'list')).map((p: { Name: string }) => p.Name).sort()).toEqual([
      'admin',
      'demo',
    ]);
    // A member's `project list` is refused the full list and falls back on its user's projects.
    expect((await osc('demo', 'project', 'list')).map((p: { Name: string }) => p.Name)).toEqual(['demo']);
    expect(await osc('demo', 'project', 'show', 'demo')).toMatchObject({ name: 'demo', enabled: true });
    expect((await osc('admin', 'user', 'list')).map((u: { Name: string }) => u.Name).sort()).toEqual(['admin', 'demo']);
    const refused = await cli('demo', 'openstack', ['user', 'list']);
    expect(refused.stderr).toMatch(
      /not authorized to perform the requested action: identity:list_users\. \(HTTP 403\)/,
    );
    const id = await volume('demo', 'op-identity');
    const listed = await osc('admin', 'volume', 'list', '--project', 'demo');
    expect(listed.map((v: { ID: string }) => v.ID)).toEqual([id]);
  });

  it('identity registry: domain, role, region, service, endpoint and role assignment lists', async () => {
    expect((await osc('admin', 'domain', 'list')).map((d: { Name: string }) => d.Name)).toEqual(['Default']);
    expect((await osc('admin', 'role', 'list')).map((r: { Name: string }) => r.Name).sort()).toEqual([
      'admin',
      'member',
      'reader',
    ]);
    expect((await osc('demo', 'region', 'list')).map((r: { Region: string }) => r.Region)).toEqual(['RegionOne']);
    const services = (await osc('admin', 'service', 'list')).map((s: { Type: string }) => s.Type);
    expect(services).toEqual(expect.arrayContaining(['identity', 'volumev3', 'block-storage', 'compute']));
    const endpoints = await osc('admin', 'endpoint', 'list', '--service', 'volumev3', '--interface', 'public');
    expect(endpoints).toEqual([expect.objectContaining({ 'Service Type': 'volumev3', Region: 'RegionOne' })]);
    const assignments = await osc('admin', 'role', 'assignment', 'list', '--names', '--project', 'demo');
    expect(assignments).toEqual([expect.objectContaining({ Role: 'member', User: 'demo@Default' })]);
    const refused = await cli('demo', 'openstack', ['endpoint', 'list']);
    expect(refused.stderr).toMatch(/identity:list_endpoints\. \(HTTP 403\)/);
  });

  it('quotas: absolute-limits, quota-show/usage/defaults, quota-update, create over quota, quota-delete', async () => {
    const limits = Object.fromEntries(listing(await cinder('demo', 'absolute-limits')).map((r) => [r.Name, r.Value]));
    // The simulator's default quota is unlimited (cinder's stock one is 10 volumes, 1000 GB).
    expect(limits).toMatchObject({ maxTotalVolumes: '-1', maxTotalVolumeGigabytes: '-1', totalVolumesUsed: '1' });
    const projectId = (await osc('admin', 'project', 'show', 'demo')).id;
    const limitOf = (rows: Record<string, string>[], key: string) => rows.find((r) => r.Property === key)?.Value;
    expect(limitOf(listing(await cinder('admin', 'quota-defaults', projectId)), 'volumes_sas')).toBe('-1');
    await cinder('admin', 'quota-update', '--volumes', '1', '--gigabytes', '50', projectId);
    expect(limitOf(listing(await cinder('demo', 'quota-show', projectId)), 'volumes')).toBe('1');
    const usage = listing(await cinder('admin', 'quota-usage', projectId)).find((r) => r.Type === 'volumes');
    expect(usage).toMatchObject({ In_use: '1', Limit: '1' });
    const refused = await cli('demo', 'cinder', [...CINDER_VERSION, 'create', '1']);
    expect(refused.stderr).toMatch(
      /VolumeLimitExceeded: Maximum number of volumes allowed \(1\) exceeded for quota 'volumes'\. \(HTTP 413\)/,
    );
    expect(
      (await osc('admin', 'quota', 'list', '--volume')).map((q: { 'Project ID': string }) => q['Project ID']),
    ).toEqual([projectId]);
    await cinder('admin', 'quota-delete', projectId);
    expect(limitOf(listing(await cinder('demo', 'quota-show', projectId)), 'volumes')).toBe('-1');
  });

  it('metadata, actions: volume set/unset --property/--bootable/--type, cinder metadata, list --metadata', async () => {
    const id = await volume('demo', 'op-meta', '--metadata', 'a=b');
    await ok('demo', 'openstack', [
      'volume',
      'set',
      '--property',
      'k=v',
      '--name',
      'op-meta2',
      '--description',
      'dd',
      id,
    ]);
    await ok('demo', 'openstack', ['volume', 'set', '--bootable', id]);
    await ok('demo', 'openstack', ['volume', 'unset', '--property', 'a', id]);
    expect(await osc('demo', 'volume', 'show', id)).toMatchObject({
      name: 'op-meta2',
      description: 'dd',
      bootable: 'true',
      properties: { k: 'v' },
    });
    await cinder('demo', 'metadata', id, 'set', 'x=1', 'y=2');
    await cinder('demo', 'metadata', id, 'unset', 'y');
    const shown = listing(await cinder('demo', 'metadata-show', id));
    expect(Object.fromEntries(shown.map((r) => [r['Metadata-property'], r.Value]))).toEqual({ k: 'v', x: '1' });
    expect(listing(await cinder('demo', 'list', '--metadata', 'x=1')).map((v) => v.ID)).toEqual([id]);
    expect(listing(await cinder('demo', 'list', '--metadata', 'x=2'))).toEqual([]);
    await ok('demo', 'openstack', ['volume', 'set', '--type', 'ssd', '--retype-policy', 'never', id]);
    await waitFor('retyped to ssd', async () => (await osc('demo', 'volume', 'show', id)).type === 'ssd');
    await waitFor('available', async () => (await osc('demo', 'volume', 'show', id)).status === 'available');
    await cinder('demo', 'retype', id, 'sas');
    await waitFor('retyped to sas', async () => (await osc('demo', 'volume', 'show', id)).type === 'sas');
    const same = await cli('demo', 'cinder', [...CINDER_VERSION, 'retype', id, 'sas']);
    expect(same.stderr).toMatch(/Retype needs volume to be in available or in-use state.*\(HTTP 400\)/);
  });

  it('snapshots: openstack snapshot set --name/--description/--property, unset --property', async () => {
    const id = await volume('demo', 'op-snap-src');
    const snap = await osc('demo', 'volume', 'snapshot', 'create', '--volume', id, 'op-snap');
    await waitFor(
      'snapshot available',
      async () => (await osc('demo', 'volume', 'snapshot', 'show', snap.id)).status === 'available',
    );
    const set = ['volume', 'snapshot', 'set', '--name', 'op-snap2', '--description', 'sd', '--property', 'a=b'];
    await ok('demo', 'openstack', [...set, '--property', 'c=d', snap.id]);
    await ok('demo', 'openstack', ['volume', 'snapshot', 'unset', '--property', 'c', snap.id]);
    expect(await osc('demo', 'volume', 'snapshot', 'show', snap.id)).toMatchObject({
      name: 'op-snap2',
      description: 'sd',
      properties: { a: 'b' },
    });
  });

  it('listings: sort by name, summary, services, zones, pools, messages, backups, QoS, filters, types', async () => {
    for (const name of ['op-list-b', 'op-list-a']) await volume('demo', name);
    const sorted = listing(await cinder('demo', 'list', '--sort', 'name:asc')).map((v) => v.Name);
    expect(sorted.filter((n) => n.startsWith('op-list-'))).toEqual(['op-list-a', 'op-list-b']);
    const summary = Object.fromEntries(listing(await cinder('demo', 'summary')).map((r) => [r.Property, r.Value]));
    expect(Number(summary.total_count)).toBeGreaterThanOrEqual(2);
    const services = await osc('admin', 'volume', 'service', 'list');
    expect(services.map((s: { Binary: string }) => s.Binary)).toEqual([
      'cinder-volume',
      'cinder-volume',
      'cinder-scheduler',
    ]);
    expect(services.every((s: { State: string }) => s.State === 'up')).toBe(true);
    const refused = await cli('demo', 'cinder', [...CINDER_VERSION, 'service-list']);
    expect(refused.stderr).toMatch(/volume_extension:services:index .*\(HTTP 403\)/);
    expect(await osc('demo', 'availability', 'zone', 'list', '--volume')).toEqual([
      { 'Zone Name': 'nova', 'Zone Status': 'available' },
    ]);
    // One Property/Value table per pool: the rows named "name".
    const pools = tableRows(await cinder('admin', 'get-pools'))
      .filter(([key]) => key === 'name')
      .map(([, value]) => value);
    expect(pools.sort()).toEqual(['sim@sas#pool', 'sim@ssd#pool']);
    expect(listing(await cinder('demo', 'message-list'))).toEqual([]);
    expect(await osc('demo', 'volume', 'backup', 'list')).toEqual([]);
    expect(await osc('admin', 'volume', 'qos', 'list')).toEqual([]);
    const filters = listing(await cinder('demo', 'list-filters')).find((r) => r.Resource === 'volume');
    expect(filters?.Filters).toMatch(/^name, status, metadata, bootable/);
    expect((await osc('demo', 'volume', 'type', 'list')).map((t: { Name: string }) => t.Name)).toEqual(['ssd', 'sas']);
  });
});
