/**
 * The simulator driven by the real Debian OpenStack clients (python3-openstackclient,
 * python3-cinderclient): version discovery, keystone auth, the catalog and cinder's
 * wire format must satisfy them exactly as a real cloud does.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../openstack-sim/index';
import { login, useSimulator, waitFor } from './helpers';
import { clientEnv, cliRunner, listing, properties, requireClients, run } from './cli-harness';

const CINDER_VERSION = ['--os-volume-api-version', '3.55'];

describe('real OpenStack CLI clients against the simulator', () => {
  const started = useSimulator({ createDelayMs: 300, plainCreateDelayMs: 100, deleteDelayMs: 100 });
  let sim: RunningSimulator;

  const { cli, ok } = cliRunner(() => sim);
  const cinder = (user: string, ...args: string[]) => ok(user, 'cinder', [...CINDER_VERSION, ...args]);

  beforeAll(() => {
    requireClients(['openstack', 'cinder']);
    sim = started();
  });

  it('openstack token issue authenticates through keystone discovery', async () => {
    const token = JSON.parse(await ok('admin', 'openstack', ['token', 'issue', '-f', 'json']));
    const admin = await login(sim);
    expect(token.project_id).toBe(admin.projectId);
    expect(token.user_id).toBe(admin.userId);
    expect(Date.parse(token.expires)).toBeGreaterThan(Date.now());
    const catalog = JSON.parse(await ok('admin', 'openstack', ['catalog', 'list', '-f', 'json']));
    expect(catalog.map((s: { Type: string }) => s.Type)).toEqual(
      expect.arrayContaining(['identity', 'volumev3', 'compute']),
    );
  });

  it('rejects a wrong password with keystone’s 401', async () => {
    const env = { ...clientEnv(sim, 'admin'), OS_PASSWORD: 'wrong' };
    const result = await run('openstack', ['token', 'issue'], { env, timeout: 60_000 }).then(
      () => ({ stderr: '' }),
      (e: { stderr: string }) => e,
    );
    expect(result.stderr).toMatch(/The request you have made requires authentication\. \(HTTP 401\)/);
  });

  it('cinder create/show/list/transfer/accept/delete round trip', async () => {
    const snapshots = listing(await cinder('admin', 'snapshot-list'));
    const ubuntu = snapshots.find((s) => s.Name === 'ubuntu-24.04');
    expect(ubuntu?.Status).toBe('available');

    const created = properties(
      await cinder('admin', 'create', '--snapshot-id', ubuntu!.ID, '--volume-type', 'ssd', '--name', 'cli-vol'),
    );
    expect(created).toMatchObject({
      status: 'creating',
      volume_type: 'ssd',
      size: '10',
      bootable: 'true',
      name: 'cli-vol',
    });
    const id = created.id;
    await waitFor(
      'cli-vol available',
      async () => properties(await cinder('admin', 'show', id)).status === 'available',
      20_000,
    );
    expect(listing(await cinder('admin', 'list')).find((v) => v.ID === id)).toMatchObject({
      Name: 'cli-vol',
      Status: 'available',
    });

    const transfer = properties(await cinder('admin', 'transfer-create', '--name', 'cli-transfer', id));
    expect(transfer.auth_key).toMatch(/^[0-9a-f]{16}$/);
    expect(listing(await cinder('admin', 'transfer-list')).map((t) => t.ID)).toContain(transfer.id);
    expect(properties(await cinder('admin', 'show', id)).status).toBe('awaiting-transfer');

    const wrongKey = await cli('demo', 'cinder', [
      ...CINDER_VERSION,
      'transfer-accept',
      transfer.id,
      '0123456789abcdef',
    ]);
    expect(wrongKey.ok).toBe(false);
    expect(wrongKey.stderr).toMatch(/Invalid auth key.*\(HTTP 400\)/);

    const accepted = properties(await cinder('demo', 'transfer-accept', transfer.id, transfer.auth_key));
    expect(accepted.volume_id).toBe(id);
    expect(listing(await cinder('demo', 'list')).find((v) => v.ID === id)).toMatchObject({ Status: 'available' });
    expect(listing(await cinder('admin', 'list')).find((v) => v.ID === id)).toBeUndefined();

    const again = await cli('demo', 'cinder', [...CINDER_VERSION, 'transfer-accept', transfer.id, transfer.auth_key]);
    expect(again.ok).toBe(false);
    expect(again.stderr).toMatch(/\(HTTP 404\)/);

    await cinder('demo', 'delete', id);
    await waitFor('cli-vol gone', async () => !listing(await cinder('demo', 'list')).some((v) => v.ID === id), 20_000);
    const gone = await cli('demo', 'cinder', [...CINDER_VERSION, 'show', id]);
    expect(gone.ok).toBe(false);
  });

  it('cinder refuses to delete an in-use volume with cinder’s message', async () => {
    const created = properties(await cinder('demo', 'create', '--name', 'busy', '1'));
    await waitFor(
      'busy available',
      async () => properties(await cinder('demo', 'show', created.id)).status === 'available',
      20_000,
    );
    sim.faults.takeVolume(created.id, { kind: 'attach' });
    const refused = await cli('demo', 'cinder', [...CINDER_VERSION, 'delete', created.id]);
    expect(refused.ok).toBe(false);
    // cinderclient reports each failed delete on stdout, then fails with a summary on stderr
    expect(refused.stdout).toMatch(/Invalid volume: Volume status must be available or error.*\(HTTP 400\)/);
    expect(refused.stderr).toMatch(/Unable to delete any of the specified volumes/);
  });

  it('openstack volume commands work too (with the stub image endpoint)', async () => {
    const created = JSON.parse(
      await ok('admin', 'openstack', [
        'volume',
        'create',
        '--snapshot',
        'debian-12',
        '--type',
        'sas',
        'osc-vol',
        '-f',
        'json',
      ]),
    );
    expect(created).toMatchObject({ name: 'osc-vol', size: 8, status: 'creating', type: 'sas' });
    const volumes = JSON.parse(await ok('admin', 'openstack', ['volume', 'list', '-f', 'json']));
    expect(volumes.map((v: { ID: string }) => v.ID)).toContain(created.id);
  });
});
