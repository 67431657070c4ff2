// Volume metadata and the volume actions operators run (`openstack volume set/unset --property`,
// `cinder metadata`, `cinder list --metadata`, `volume set --bootable`, `cinder retype`), run against
// both clouds: bodies, cinder's 400/404 texts, the maintenance-status refusals, the list filter.
import { expect, it } from 'vitest';
import { waitFor } from '../openstack-sim/helpers';
import type { ContractContext } from './context';
import type { RawVolumeApi } from './raw';

const bad = (message: string) => ({ badRequest: { code: 400, message } });
const KEY_PATTERN = "'^[a-zA-Z0-9-_:. /]{1,255}$'";
const BOOLEANS =
  "[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', 'y', 't', " +
  "False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no', 'n', 'f']";
const RETYPE_REFUSED =
  'Invalid volume: Retype needs volume to be in available or in-use state, not be part of an active migration or ' +
  'a consistency group, requested type has to be different that the one from the volume, and for in-use volumes ' +
  'front-end qos specs cannot change.';

export function metadataChecks(ctx: ContractContext): void {
  const name = `meta-${ctx.target}-${Date.now().toString(36)}`;
  let volumeId: string | undefined;
  const need = () => {
    if (!volumeId) throw new Error('no volume: the first check failed');
    return volumeId;
  };
  const status = async (api: RawVolumeApi, id: string) => (await api.call('GET', `/volumes/${id}`)).body.volume;
  const settled = (api: RawVolumeApi, id: string) =>
    waitFor(`volume ${id} available`, async () => (await status(api, id)).status === 'available', 30_000);

  it('metadata: create merges, update replaces, one key shown, set, deleted; 404s in cinder words', async () => {
    const demo = ctx.demo();
    const made = await demo.call('POST', '/volumes', { volume: { name, size: 1, metadata: { a: 'b' } } });
    volumeId = made.body.volume.id as string;
    await settled(demo, volumeId);
    const path = `/volumes/${volumeId}/metadata`;
    expect((await demo.call('GET', path)).body).toEqual({ metadata: { a: 'b' } });
    const merged = await demo.call('POST', path, { metadata: { k: 'v', a: 'c' } });
    expect([merged.status, merged.body]).toEqual([200, { metadata: { a: 'c', k: 'v' } }]);
    ctx.record('volume metadata', merged.body);
    expect((await demo.call('PUT', path, { metadata: { y: '2', 'p q:r': 's' } })).body).toEqual({
      metadata: { y: '2', 'p q:r': 's' },
    });
    const one = await demo.call('GET', `${path}/y`);
    expect(one.body).toEqual({ meta: { y: '2' } });
    ctx.record('volume metadata item', one.body);
    expect((await demo.call('PUT', `${path}/z`, { meta: { z: '3' } })).body).toEqual({ meta: { z: '3' } });
    expect((await demo.call('DELETE', `${path}/y`)).status).toBe(200);
    expect((await demo.call('GET', path)).body).toEqual({ metadata: { z: '3', 'p q:r': 's' } });
    expect((await status(demo, volumeId)).metadata).toEqual({ z: '3', 'p q:r': 's' });
    const noKey = { itemNotFound: { code: 404, message: `Volume ${volumeId} has no metadata with key y.` } };
    expect((await demo.call('GET', `${path}/y`)).body).toEqual(noKey);
    expect((await demo.call('DELETE', `${path}/y`)).body).toEqual(noKey);
    expect((await demo.call('GET', '/volumes/nope/metadata')).body).toEqual({
      itemNotFound: { code: 404, message: 'Volume nope could not be found.' },
    });
    const foreign = await ctx.admin().call('POST', '/volumes', { volume: { name, size: 1 } });
    await settled(ctx.admin(), foreign.body.volume.id);
    expect((await demo.call('GET', `/volumes/${foreign.body.volume.id}/metadata`)).status).toBe(404);
    expect((await ctx.admin().call('DELETE', `/volumes/${foreign.body.volume.id}`)).status).toBe(202);
  });

  it("metadata: cinder's 400s for bad bodies, keys and values", async () => {
    const path = `/volumes/${need()}/metadata`;
    const cases: [string, string, unknown, string][] = [
      ['POST', path, { meta: { x: '1' } }, "'metadata' is a required property"],
      [
        'POST',
        path,
        { metadata: { x: 1 } },
        "Invalid input for field/attribute x. Value: 1. 1 is not of type 'string'",
      ],
      [
        'PUT',
        path,
        { metadata: { x: null } },
        "Invalid input for field/attribute x. Value: None. None is not of type 'string'",
      ],
      [
        'POST',
        path,
        { metadata: { '': '1' } },
        "Invalid input for field/attribute metadata. Value: {'': '1'}. " +
          `'' does not match any of the regexes: ${KEY_PATTERN}`,
      ],
      ['PUT', `${path}/y`, { meta: { z: '3' } }, 'Request body and URI mismatch'],
      [
        'PUT',
        `${path}/y`,
        { meta: { y: '3', z: '4' } },
        "Invalid input for field/attribute meta. Value: {'y': '3', 'z': '4'}. " +
          "{'y': '3', 'z': '4'} has too many properties",
      ],
      [
        'PUT',
        `${path}/y`,
        { meta: {} },
        'Invalid input for field/attribute meta. Value: {}. {} does not have enough properties',
      ],
    ];
    for (const [method, at, body, message] of cases)
      expect((await ctx.demo().call(method, at, body)).body, JSON.stringify(body)).toEqual(bad(message));
  });

  it('metadata list filter: every pair must match; an unreadable filter matches nothing', async () => {
    const demo = ctx.demo();
    const ids = async (filter: string) =>
      (await demo.call('GET', `/volumes?metadata=${encodeURIComponent(filter)}`)).body.volumes.map(
        (v: { id: string }) => v.id,
      );
    // cinderclient sends a python dict literal.
    await demo.call('POST', `/volumes/${need()}/metadata`, { metadata: { run: name } });
    expect(await ids(`{'run': '${name}'}`)).toEqual([need()]);
    expect(await ids(`{"run": "${name}", "p q:r": "s"}`)).toEqual([need()]);
    expect(await ids(`{"run": "${name}", "z": "4"}`)).toEqual([]);
    expect(await ids('notjson')).toEqual([]);
  });

  it('maintenance: metadata updates, deletes and set_bootable are refused in cinder words', async () => {
    const id = need();
    const reset = (s: string) =>
      ctx.admin().call('POST', `/volumes/${id}/action`, { 'os-reset_status': { status: s } });
    expect((await reset('maintenance')).status).toBe(202);
    try {
      const demo = ctx.demo();
      expect((await demo.call('POST', `/volumes/${id}/metadata`, { metadata: { x: '1' } })).body).toEqual(
        bad('Invalid volume: Updating volume metadata is not allowed for volumes in maintenance status.'),
      );
      expect((await demo.call('DELETE', `/volumes/${id}/metadata/z`)).body).toEqual(
        bad('Invalid volume: Deleting volume metadata is not allowed for volumes in maintenance status.'),
      );
      expect(
        (await demo.call('POST', `/volumes/${id}/action`, { 'os-set_bootable': { bootable: true } })).body,
      ).toEqual(bad('Invalid volume: The volume cannot be updated during maintenance.'));
      const retype = await demo.call('POST', `/volumes/${id}/action`, { 'os-retype': { new_type: 'ssd' } });
      expect(retype.body).toEqual(bad(RETYPE_REFUSED));
    } finally {
      await reset('available');
    }
  });

  it("set_bootable: 200, python's booleans as cinder spells them; refusals in its words", async () => {
    const demo = ctx.demo();
    const id = need();
    const act = (body: unknown) => demo.call('POST', `/volumes/${id}/action`, body);
    const set = await act({ 'os-set_bootable': { bootable: 'True' } });
    expect([set.status, set.body]).toEqual([200, undefined]);
    expect((await status(demo, id)).bootable).toBe('true');
    expect((await act({ 'os-set_bootable': { bootable: false } })).status).toBe(200);
    expect((await status(demo, id)).bootable).toBe('false');
    expect((await act({ 'os-set_bootable': { bootable: 'maybe' } })).body).toEqual(
      bad(`Invalid input for field/attribute bootable. Value: maybe. 'maybe' is not one of ${BOOLEANS}`),
    );
    expect((await act({ 'os-set_bootable': {} })).body).toEqual(
      bad("Invalid input for field/attribute os-set_bootable. Value: {}. 'bootable' is a required property"),
    );
  });

  it('retype: 202, the new type once available; same type, unknown type, bad policy, per-type quota', async () => {
    const demo = ctx.demo();
    const id = need();
    const retype = (body: Record<string, unknown>) => demo.call('POST', `/volumes/${id}/action`, { 'os-retype': body });
    expect((await retype({ new_type: 'sas' })).body).toEqual(bad(RETYPE_REFUSED));
    expect((await retype({ new_type: 'nope' })).body).toEqual({
      itemNotFound: { code: 404, message: 'Volume type with name nope could not be found.' },
    });
    expect((await retype({ new_type: 'ssd', migration_policy: 'bad' })).body).toEqual(
      bad("Invalid input for field/attribute migration_policy. Value: bad. 'bad' is not one of ['on-demand', 'never']"),
    );
    expect((await retype({})).body).toEqual(
      bad("Invalid input for field/attribute os-retype. Value: {}. 'new_type' is a required property"),
    );
    const quota = `/os-quota-sets/${ctx.ids().demoProjectId}`;
    await ctx.admin().call('PUT', quota, { quota_set: { volumes_ssd: 0 } });
    try {
      expect((await retype({ new_type: 'ssd' })).body).toEqual({
        overLimit: {
          code: 413,
          message: "VolumeLimitExceeded: Maximum number of volumes allowed (0) exceeded for quota 'volumes_ssd'.",
          retryAfter: '0',
        },
      });
    } finally {
      await ctx.admin().call('DELETE', quota);
    }
    expect((await retype({ new_type: 'ssd', migration_policy: 'never' })).status).toBe(202);
    await waitFor(
      'retyped',
      async () => {
        const volume = await status(demo, id);
        expect(['retyping', 'available']).toContain(volume.status);
        return volume.status === 'available' && volume.volume_type === 'ssd';
      },
      30_000,
    );
    expect((await demo.call('DELETE', `/volumes/${id}`)).status).toBe(202);
    // Gone before later checks count and summarise the project's volumes.
    await waitFor('deleted', async () => (await demo.call('GET', `/volumes/${id}`)).status === 404, 30_000);
  });

  it('snapshot metadata: the same calls; no key schema, the older key check in its words', async () => {
    const demo = ctx.demo();
    const volume = await demo.call('POST', '/volumes', { volume: { name: `${name}-snap`, size: 1 } });
    const volumeId: string = volume.body.volume.id;
    await settled(demo, volumeId);
    const made = await demo.call('POST', '/snapshots', { snapshot: { volume_id: volumeId, metadata: { a: 'b' } } });
    const id: string = made.body.snapshot.id;
    const path = `/snapshots/${id}/metadata`;
    const snapshotStatus = async () => (await demo.call('GET', `/snapshots/${id}`)).body.snapshot?.status;
    await waitFor('snapshot available', async () => (await snapshotStatus()) === 'available', 30_000);
    expect((await demo.call('GET', path)).body).toEqual({ metadata: { a: 'b' } });
    expect((await demo.call('POST', path, { metadata: { k: 'v' } })).body).toEqual({ metadata: { a: 'b', k: 'v' } });
    expect((await demo.call('PUT', path, { metadata: { x: '1' } })).body).toEqual({ metadata: { x: '1' } });
    expect((await demo.call('PUT', `${path}/y`, { meta: { y: '2' } })).body).toEqual({ meta: { y: '2' } });
    expect((await demo.call('DELETE', `${path}/x`)).status).toBe(200);
    expect((await demo.call('GET', `/snapshots/${id}`)).body.snapshot.metadata).toEqual({ y: '2' });
    const noKey = { itemNotFound: { code: 404, message: `Snapshot ${id} has no metadata with key x.` } };
    expect((await demo.call('GET', `${path}/x`)).body).toEqual(noKey);
    expect((await demo.call('DELETE', `${path}/x`)).body).toEqual(noKey);
    expect((await demo.call('PUT', `${path}/x`, { meta: { y: '1' } })).body).toEqual(
      bad('Request body and URI mismatch'),
    );
    expect((await demo.call('POST', path, { metadata: { '': '1' } })).body).toEqual(
      bad('Invalid metadata: Invalid input received: Metadata key:  has 0 characters, less than 1.'),
    );
    expect((await demo.call('GET', '/snapshots/nope/metadata')).body).toEqual({
      itemNotFound: { code: 404, message: 'Snapshot nope could not be found.' },
    });
    expect((await demo.call('DELETE', `/snapshots/${id}`)).status).toBe(202);
    await waitFor('snapshot gone', async () => (await snapshotStatus()) === undefined, 30_000);
    expect((await demo.call('DELETE', `/volumes/${volumeId}`)).status).toBe(202);
    await waitFor('volume gone', async () => (await demo.call('GET', `/volumes/${volumeId}`)).status === 404, 30_000);
  });
}
