// The listings operators run (`cinder list --sort name:asc`, `summary`, `service-list`,
// `availability-zone-list`, `get-pools`, `message-list`, `backup-list`, `qos-list`, `list-filters`), run
// against both clouds: codes, policy refusals, the microversions that bring each, and the JSON shapes.
// What only the backend knows (hosts, pool names, timestamps) is compared by form, not by value.
import { expect, it } from 'vitest';
import { waitFor } from '../openstack-sim/helpers';
import { RESOURCE_FILTERS } from '../../openstack-sim/cinder/filters';
import type { ContractContext } from './context';

const at = (version: string) => ({ 'OpenStack-API-Version': `volume ${version}` });
const NOT_FOUND = { itemNotFound: { code: 404, message: 'The resource could not be found.' } };
const denied = (rule: string) => ({
  forbidden: { code: 403, message: `Policy doesn't allow ${rule} to be performed.` },
});
/**
 * cinder 21's resource_filters.json as the simulator holds it: on the real target this checks the
 * simulator's table against the file the contract peer ships unchanged.
 */
const RESOURCE_FILTERS_ANSWER = Object.entries(RESOURCE_FILTERS).map(([resource, filters]) => ({ resource, filters }));

export function listingChecks(ctx: ContractContext): void {
  const name = `list-${ctx.target}-${Date.now().toString(36)}`;
  const made: string[] = [];

  it("volume types: newest first, cinder's own __DEFAULT__ last; the default type is the configured one", async () => {
    const demo = ctx.demo();
    const types = (await demo.call('GET', '/types')).body.volume_types;
    const names = types.map((t: { name: string }) => t.name);
    // __DEFAULT__ (made by cinder's database sync) is the oldest; sas and ssd, made within the same
    // second on a fresh peer, tie on cinder's created_at, so their order between them is not asserted.
    expect(names.at(-1)).toBe('__DEFAULT__');
    expect([...names].sort()).toEqual(['__DEFAULT__', 'sas', 'ssd']);
    expect(types.at(-1)).toMatchObject({ description: 'Default Volume Type', extra_specs: {}, is_public: true });
    ctx.record('volume type __DEFAULT__ (tenant)', types.at(-1));
    const fallback = await ctx.admin().call('GET', '/types/default');
    expect(fallback.body.volume_type).toMatchObject({ name: 'sas' });
    ctx.record('volume type default (admin)', fallback.body);
  });

  it('sort by name: cinderclient sends display_name; name, sort_key, both directions; unknown keys 400', async () => {
    const demo = ctx.demo();
    for (const suffix of ['b', 'a']) {
      const reply = await demo.call('POST', '/volumes', {
        volume: { name: `${name}-${suffix}`, size: 1, metadata: { run: name, n: suffix } },
      });
      made.push(reply.body.volume.id);
    }
    for (const id of made) {
      await waitFor(
        `${id} available`,
        async () => (await demo.call('GET', `/volumes/${id}`)).body.volume.status === 'available',
        30_000,
      );
    }
    const names = async (query: string) =>
      (await demo.call('GET', `/volumes?${query}`)).body.volumes
        .map((v: { name: string }) => v.name)
        .filter((n: string) => n.startsWith(name));
    const ascending = [`${name}-a`, `${name}-b`];
    for (const query of ['sort=display_name:asc', 'sort=name:asc', 'sort_key=display_name&sort_dir=asc'])
      expect(await names(query), query).toEqual(ascending);
    expect(await names('sort=display_name:desc')).toEqual([...ascending].reverse());
    expect(await names('sort=size:asc,display_name')).toEqual([...ascending].reverse());
    expect((await demo.call('GET', '/snapshots?sort=display_name:asc')).status).toBe(200);
    expect((await demo.call('GET', '/volumes?sort=bogus')).body).toEqual({
      badRequest: { code: 400, message: 'Invalid input received: Invalid sort key' },
    });
  });

  it('filters from 3.33: a member is refused those resource_filters does not name; admins are not', async () => {
    const demo = ctx.demo();
    const v333 = at('3.33');
    const refused = (keys: string) => ({
      badRequest: { code: 400, message: `Invalid filters ${keys} are found in query options.` },
    });
    expect((await demo.call('GET', '/volumes?bogus=1&zz=2', undefined, v333)).body).toEqual(refused('bogus,zz'));
    expect((await demo.call('GET', '/snapshots/detail?bogus=1', undefined, v333)).body).toEqual(refused('bogus'));
    expect((await demo.call('GET', '/volumes?bogus=1')).status).toBe(200);
    expect((await ctx.admin().call('GET', '/volumes?bogus=1', undefined, v333)).status).toBe(200);
    const run = encodeURIComponent(`{'run': '${name}'}`);
    const allowed = `/volumes/detail?all_tenants=1&limit=5&sort=name:asc&size=1&metadata=${run}`;
    const listed = await demo.call('GET', allowed, undefined, v333);
    expect(listed.body.volumes.map((v: { name: string }) => v.name).sort()).toEqual([`${name}-a`, `${name}-b`]);
    const snapshots = `/snapshots?metadata=${encodeURIComponent("{'run': 'none'}")}`;
    expect((await demo.call('GET', snapshots, undefined, v333)).body).toEqual({ snapshots: [] });
  });

  it("volume summary: from 3.12, metadata's distinct values from 3.36; filters ignored, all_tenants not", async () => {
    const demo = ctx.demo();
    expect((await demo.call('GET', '/volumes/summary')).body).toEqual(NOT_FOUND);
    const volumes = (await demo.call('GET', '/volumes/detail')).body.volumes as { size: number }[];
    const totals = { total_count: volumes.length, total_size: volumes.reduce((sum, v) => sum + v.size, 0) };
    expect((await demo.call('GET', '/volumes/summary', undefined, at('3.12'))).body).toEqual({
      'volume-summary': totals,
    });
    const summary = await demo.call('GET', '/volumes/summary?name=nope', undefined, at('3.36'));
    expect(summary.body['volume-summary']).toMatchObject(totals);
    expect(summary.body['volume-summary'].metadata.run).toContain(name);
    expect([...summary.body['volume-summary'].metadata.n].sort()).toEqual(expect.arrayContaining(['a', 'b']));
    ctx.record('volume summary 3.36', summary.body);
    const everyone = await ctx.admin().call('GET', '/volumes/summary?all_tenants=1', undefined, at('3.12'));
    expect(everyone.body['volume-summary'].total_count).toBeGreaterThanOrEqual(totals.total_count);
    for (const id of made) expect((await demo.call('DELETE', `/volumes/${id}`)).status).toBe(202);
  });

  it('services: admins see the scheduler and the volume backends, up; binary filter; members 403', async () => {
    const admin = ctx.admin();
    const services = (await admin.call('GET', '/os-services', undefined, at('3.49'))).body.services as {
      binary: string;
      host: string;
    }[];
    expect(services.map((s) => s.binary).sort()).toEqual(expect.arrayContaining(['cinder-scheduler', 'cinder-volume']));
    for (const s of services) expect(s).toMatchObject({ zone: 'nova', status: 'enabled', state: 'up' });
    for (const binary of ['cinder-scheduler', 'cinder-volume'])
      ctx.record(
        `service ${binary} 3.49`,
        services.find((s) => s.binary === binary),
      );
    expect(services.find((s) => s.binary === 'cinder-volume')?.host).toMatch(/^[^@]+@[^@#]+$/);
    const v30 = (await admin.call('GET', '/os-services?binary=cinder-volume')).body.services;
    expect(v30.map((s: { binary: string }) => s.binary)).toEqual(v30.map(() => 'cinder-volume'));
    ctx.record('service cinder-volume 3.0', v30[0]);
    expect((await ctx.demo().call('GET', '/os-services')).body).toEqual(denied('volume_extension:services:index'));
  });

  it('availability zones: nova, available, for everyone', async () => {
    for (const api of [ctx.admin(), ctx.demo()]) {
      expect((await api.call('GET', '/os-availability-zone')).body).toEqual({
        availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true } }],
      });
    }
  });

  it("pools: admins see host@backend#pool, with the backend's capabilities on detail; members 403", async () => {
    const admin = ctx.admin();
    const pools = (await admin.call('GET', '/scheduler-stats/get_pools')).body.pools as { name: string }[];
    expect(pools.length).toBeGreaterThan(0);
    for (const pool of pools) expect(Object.keys(pool)).toEqual(['name']);
    for (const pool of pools) expect(pool.name).toMatch(/^[^@]+@[^#]+#.+$/);
    const detail = await admin.call('GET', '/scheduler-stats/get_pools?detail=True');
    ctx.record('pools detail', detail.body);
    expect(detail.body.pools[0].capabilities).toMatchObject({ storage_protocol: expect.any(String) });
    expect((await admin.call('GET', '/scheduler-stats/get_pools?name=nope', undefined, at('3.70'))).body).toEqual({
      pools: [],
    });
    expect((await ctx.demo().call('GET', '/scheduler-stats/get_pools')).body).toEqual(
      denied('scheduler_extension:scheduler_stats:get_pools'),
    );
  });

  it('messages (3.3), backups, QoS specs (admins), resource filters (3.33): what the real pair answers', async () => {
    const [admin, demo] = [ctx.admin(), ctx.demo()];
    expect((await demo.call('GET', '/messages')).body).toEqual(NOT_FOUND);
    expect((await demo.call('GET', '/messages', undefined, at('3.3'))).body).toEqual({ messages: [] });
    for (const path of ['/backups', '/backups/detail'])
      expect((await demo.call('GET', path)).body, path).toEqual({ backups: [] });
    expect((await demo.call('GET', '/backups/nope')).body).toEqual({
      itemNotFound: { code: 404, message: 'Backup nope could not be found.' },
    });
    expect((await admin.call('GET', '/qos-specs')).body).toEqual({ qos_specs: [] });
    expect((await demo.call('GET', '/qos-specs')).body).toEqual(denied('volume_extension:qos_specs_manage:get_all'));
    expect((await demo.call('GET', '/resource_filters')).body).toEqual(NOT_FOUND);
    expect((await demo.call('GET', '/resource_filters', undefined, at('3.33'))).body).toEqual({
      resource_filters: RESOURCE_FILTERS_ANSWER,
    });
  });
}
