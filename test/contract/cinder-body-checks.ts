// Cinder checks of the server-create flow, run against both clouds: a transfer accepted through the
// tenant's trust over the tenant's quota (413, Retry-After, cinder's words; the quota restored after),
// os-quota-sets, and the request bodies the CLIs send (display_name / display_description aliases,
// unknown keys, snapshot update, transfer create).
import { expect, it } from 'vitest';
import { OverLimitError } from '../../openstack/errors';
import { createTrust, deleteTrustIfPresent } from '../../openstack/trusts';
import { waitFor } from '../openstack-sim/helpers';
import type { ContractContext } from './context';

/** Only the quota keys every cloud has: real Cinder adds per-type keys for its own __DEFAULT__ type too. */
const GLOBAL_KEYS = [
  'volumes',
  'per_volume_gigabytes',
  'snapshots',
  'gigabytes',
  'backups',
  'backup_gigabytes',
  'groups',
  'id',
];
const globalKeys = (set: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(set).filter(([k]) => GLOBAL_KEYS.includes(k)));
const bad = (message: string) => ({ badRequest: { code: 400, message } });

/** jsonschema's additionalProperties message, as cinder words it. */
const unexpected = (field: string, value: string, keys: string) =>
  `Invalid input for field/attribute ${field}. Value: ${value}. Additional properties are not allowed (${keys})`;

export function cinderBodyChecks(ctx: ContractContext): void {
  const name = `bodies-${ctx.target}-${Date.now().toString(36)}`;
  const available = async (api: ReturnType<ContractContext['demo']>, kind: 'volumes' | 'snapshots', id: string) => {
    const key = kind === 'volumes' ? 'volume' : 'snapshot';
    await waitFor(
      `${key} ${id} available`,
      async () => (await api.call('GET', `/${kind}/${id}`)).body[key].status === 'available',
      30_000,
    );
  };
  const plainVolume = async (api: ReturnType<ContractContext['demo']>, suffix: string): Promise<string> => {
    const reply = await api.call('POST', '/volumes', { volume: { size: 1, name: `${name}-${suffix}` } });
    expect(reply.status).toBe(202);
    await available(api, 'volumes', reply.body.volume.id);
    return reply.body.volume.id;
  };

  /** Deletes what a check made (the tenant's quota is 10 volumes on the real cloud). */
  const removeVolume = async (api: ReturnType<ContractContext['demo']>, id: string) => {
    await available(api, 'volumes', id);
    expect((await api.call('DELETE', `/volumes/${id}`)).status).toBe(202);
  };

  it("an accept through the tenant's trust over its quota is 413 in cinder's words; restored, it passes", async () => {
    const admin = ctx.admin();
    const quota = `/os-quota-sets/${ctx.ids().demoProjectId}`;
    const { demo } = await ctx.tokens();
    const trust = await createTrust(ctx.clients(), demo, {
      trustorUserId: ctx.ids().demoUserId,
      projectId: ctx.ids().demoProjectId,
      roles: ['member'],
      impersonation: true,
    });
    const tenant = ctx.clients().trustee(trust.id);
    const volumeId = await plainVolume(admin, 'offered');
    const offer = (
      await admin.call('POST', '/os-volume-transfer', { transfer: { volume_id: volumeId, name: `${name}-t` } })
    ).body.transfer;
    const raw = () =>
      ctx.demo().call('POST', `/os-volume-transfer/${offer.id}/accept`, { accept: { auth_key: offer.auth_key } });
    try {
      const usage = (await admin.call('GET', `${quota}?usage=True`)).body.quota_set;
      ctx.record('quota set usage', globalKeys(usage));
      const volumes: number = usage.volumes.in_use;
      const set = await admin.call('PUT', quota, { quota_set: { volumes } });
      expect(set.body.quota_set).toMatchObject({ volumes });
      ctx.record('quota set update', globalKeys(set.body.quota_set));
      const refused = await tenant.cinder.acceptTransfer(offer.id, offer.auth_key).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(OverLimitError);
      const limit = `Maximum number of volumes allowed (${volumes})`;
      const message = `VolumeLimitExceeded: ${limit} exceeded for quota 'volumes'.`;
      expect((refused as OverLimitError).apiMessage).toBe(message);
      const reply = await raw();
      expect(reply.status).toBe(413);
      expect(reply.headers.get('retry-after')).toBe('0');
      expect(reply.body).toEqual({ overLimit: { code: 413, message, retryAfter: '0' } });
      expect((await admin.call('GET', `/volumes/${volumeId}`)).body.volume.status).toBe('awaiting-transfer');

      const gigabytes: number = usage.gigabytes.in_use;
      await admin.call('PUT', quota, { quota_set: { volumes: -1, gigabytes } });
      expect((await raw()).body.overLimit.message).toBe(
        'Requested volume or snapshot exceeds allowed gigabytes quota. ' +
          `Requested 1G, quota is ${gigabytes}G and ${gigabytes}G has been consumed.`,
      );
    } finally {
      expect((await admin.call('DELETE', quota)).status).toBe(200);
    }
    const shown = await admin.call('GET', quota);
    expect(shown.body.quota_set.id).toBe(ctx.ids().demoProjectId);
    ctx.record('quota set', globalKeys(shown.body.quota_set));
    expect(await tenant.cinder.acceptTransfer(offer.id, offer.auth_key)).toMatchObject({
      id: offer.id,
      volume_id: volumeId,
    });
    expect((await tenant.cinder.getVolume(volumeId)).status).toBe('available');
    await tenant.cinder.deleteVolume(volumeId);
    await deleteTrustIfPresent(ctx.clients(), trust.id);
  });

  it("os-quota-sets: admins only update; cinder's 400s for bad keys and values", async () => {
    const quota = `/os-quota-sets/${ctx.ids().demoProjectId}`;
    const denied = await ctx.demo().call('PUT', quota, { quota_set: { volumes: 5 } });
    expect(denied.body).toEqual({
      forbidden: { code: 403, message: "Policy doesn't allow volume_extension:quotas:update to be performed." },
    });
    const foreign = await ctx.demo().call('GET', `/os-quota-sets/${ctx.ids().adminProjectId}`);
    expect(foreign.body).toEqual({
      forbidden: { code: 403, message: "Policy doesn't allow volume_extension:quotas:show to be performed." },
    });
    expect((await ctx.demo().call('GET', quota)).status).toBe(200);
    const cases: [unknown, string][] = [
      [{ quota_set: { bogus: 1 } }, 'Invalid input received: Bad key(s) in quota set: bogus'],
      [{ quota_set: { volumes: -2 } }, 'volumes must be >= -1'],
      [
        { quota_set: { volumes: '3' } },
        'The server could not comply with the request since it is either malformed or otherwise incorrect.',
      ],
      [{}, "'quota_set' is a required property"],
    ];
    for (const [body, message] of cases)
      expect((await ctx.admin().call('PUT', quota, body)).body, JSON.stringify(body)).toEqual(bad(message));
  });

  it('volume update: display_name / display_description rename; name wins; {} no change; unknown keys', async () => {
    const demo = ctx.demo();
    const id = await plainVolume(demo, 'aliases');
    const read = async () => {
      const { name: n, description, updated_at } = (await demo.call('GET', `/volumes/${id}`)).body.volume;
      return { name: n, description, updated_at };
    };
    expect(
      (await demo.call('PUT', `/volumes/${id}`, { volume: { display_name: `${name}-dn`, display_description: 'dd' } }))
        .status,
    ).toBe(200);
    expect(await read()).toMatchObject({ name: `${name}-dn`, description: 'dd' });
    await demo.call('PUT', `/volumes/${id}`, {
      volume: { display_name: 'loses', name: `${name}-n`, display_description: 'loses', description: 'd' },
    });
    expect(await read()).toMatchObject({ name: `${name}-n`, description: 'd' });
    await demo.call('PUT', `/volumes/${id}`, { volume: { name: `${name}-n2`, display_name: null } });
    expect((await read()).name).toBe(`${name}-n2`);
    const before = await read();
    await new Promise((r) => setTimeout(r, 20));
    const empty = await demo.call('PUT', `/volumes/${id}`, { volume: {} });
    expect(empty.status).toBe(200);
    ctx.record('volume update {}', empty.body);
    expect(await read()).toEqual(before);
    const cases: [unknown, string][] = [
      [{ volume: { bogus: 1 } }, unexpected('volume', "{'bogus': 1}", "'bogus' was unexpected")],
      [
        { volume: { bogus: true, zz: null } },
        unexpected('volume', "{'bogus': True, 'zz': None}", "'bogus', 'zz' were unexpected"),
      ],
      [{}, "'volume' is a required property"],
      [
        { volume: { display_name: 'x'.repeat(256) } },
        'Invalid input received: name has 256 characters, more than 255.',
      ],
    ];
    for (const [body, message] of cases)
      expect((await demo.call('PUT', `/volumes/${id}`, body)).body, JSON.stringify(body)).toEqual(bad(message));
    await removeVolume(demo, id);
  });

  it('volume create: the v1 spellings, unknown keys inside let through, no unknown key at the top', async () => {
    const demo = ctx.demo();
    const created = await demo.call('POST', '/volumes', {
      volume: { size: 1, display_name: `${name}-cdn`, display_description: 'cdd', bogus: 1 },
    });
    expect(created.status).toBe(202);
    expect(created.body.volume).toMatchObject({ name: `${name}-cdn`, description: 'cdd' });
    const both = await demo.call('POST', '/volumes', {
      volume: { size: 1, display_name: 'loses', name: `${name}-cn` },
    });
    expect(both.body.volume.name).toBe(`${name}-cn`);
    const junk = await demo.call('POST', '/volumes', { volume: { size: 1 }, junk: {} });
    expect(junk.body).toEqual(bad("Additional properties are not allowed ('junk' was unexpected)"));
    for (const id of [created.body.volume.id, both.body.volume.id]) await removeVolume(demo, id);
  });

  it('snapshots: create takes display_name, not display_description; update takes all four, one at least', async () => {
    const demo = ctx.demo();
    const volume = await plainVolume(demo, 'snapped');
    const refused = await demo.call('POST', '/snapshots', {
      snapshot: { volume_id: volume, display_description: 'x' },
    });
    expect(refused.body).toEqual(
      bad(
        `Invalid input for field/attribute snapshot. Value: {'volume_id': '${volume}', 'display_description': 'x'}. ` +
          "Additional properties are not allowed ('display_description' was unexpected)",
      ),
    );
    const created = await demo.call('POST', '/snapshots', {
      snapshot: { volume_id: volume, display_name: `${name}-sdn` },
    });
    expect(created.body.snapshot.name).toBe(`${name}-sdn`);
    const id = created.body.snapshot.id;
    await available(demo, 'snapshots', id);
    const renamed = await demo.call('PUT', `/snapshots/${id}`, {
      snapshot: { display_name: 'loses', name: `${name}-sn`, display_description: 'dd' },
    });
    expect(renamed.body.snapshot).toMatchObject({ name: `${name}-sn`, description: 'dd' });
    ctx.record('snapshot update', renamed.body);
    expect((await demo.call('GET', `/snapshots/${id}`)).body.snapshot).toMatchObject({
      name: `${name}-sn`,
      description: 'dd',
    });
    expect((await demo.call('PUT', `/snapshots/${id}`, { snapshot: {} })).body).toEqual(
      bad('Invalid input for field/attribute snapshot. Value: {}. {} is not valid under any of the given schemas'),
    );
    expect((await demo.call('PUT', `/snapshots/${id}`, { snapshot: { metadata: { a: 'b' } } })).body).toEqual(
      bad(unexpected('snapshot', "{'metadata': {'a': 'b'}}", "'metadata' was unexpected")),
    );
    expect((await demo.call('DELETE', `/snapshots/${id}`)).status).toBe(202);
    await waitFor(
      `snapshot ${id} gone`,
      async () => (await demo.call('GET', `/snapshots/${id}`)).status === 404,
      30_000,
    );
    await removeVolume(demo, volume);
  });

  it('transfers: no alias and no unknown key; no_snapshots only from 3.55; accept takes auth_key only', async () => {
    const demo = ctx.demo();
    const volume = await plainVolume(demo, 'offered-2');
    const value = (extra: string) => `{'volume_id': '${volume}', ${extra}}`;
    const cases: [unknown, string][] = [
      [
        { transfer: { volume_id: volume, display_name: 'x' } },
        unexpected('transfer', value("'display_name': 'x'"), "'display_name' was unexpected"),
      ],
      [
        { transfer: { volume_id: volume, no_snapshots: true } },
        unexpected('transfer', value("'no_snapshots': True"), "'no_snapshots' was unexpected"),
      ],
    ];
    for (const [body, message] of cases)
      expect((await demo.call('POST', '/os-volume-transfer', body)).body).toEqual(bad(message));
    const late = await demo.call(
      'POST',
      '/volume-transfers',
      { transfer: { volume_id: volume, no_snapshots: true } },
      {
        'OpenStack-API-Version': 'volume 3.55',
      },
    );
    expect(late.status).toBe(202);
    const extraKey = await demo.call('POST', `/os-volume-transfer/${late.body.transfer.id}/accept`, {
      accept: { auth_key: 'x', bogus: 1 },
    });
    expect(extraKey.body).toEqual(bad(unexpected('accept', "{'auth_key': 'x', 'bogus': 1}", "'bogus' was unexpected")));
    expect((await demo.call('DELETE', `/os-volume-transfer/${late.body.transfer.id}`)).status).toBe(202);
    await removeVolume(demo, volume);
  });
}
