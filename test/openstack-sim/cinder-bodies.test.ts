// Cinder request bodies as the real Cinder 21 takes them (test/contract checks the same against it):
// the v1 spellings display_name / display_description, which keys each schema refuses, snapshot
// update, and os-quota-sets with the 413s of create, extend and transfer accept.
import { describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../openstack-sim/index';
import { createVolume, type Session, useCloud, waitFor, waitForVolume } from './helpers';

/** jsonschema's additionalProperties message, as cinder words it. */
const unexpected = (field: string, value: string, keys: string) =>
  `Invalid input for field/attribute ${field}. Value: ${value}. Additional properties are not allowed (${keys})`;

describe('cinder bodies', () => {
  let admin: Session;
  let demo: Session;
  useCloud((cloud) => ({ admin, demo } = cloud));
  const plain = (s: Session, extra: Record<string, unknown> = {}) =>
    createVolume(s, { snapshot_id: undefined, size: 1, ...extra });
  const names = async (id: string) => {
    const { name, description, updated_at } = (await demo.volume.get(`/volumes/${id}`)).body.volume;
    return { name, description, updated_at };
  };

  it('volume update takes display_name / display_description; name, description win; {} changes nothing', async () => {
    const id = await plain(demo);
    expect((await demo.volume.put(`/volumes/${id}`, { volume: { display_name: 'dn1' } })).status).toBe(200);
    expect(await names(id)).toMatchObject({ name: 'dn1', description: null });
    await demo.volume.put(`/volumes/${id}`, {
      volume: { display_name: 'dn2', name: 'n2', display_description: 'dd', description: 'd' },
    });
    expect(await names(id)).toMatchObject({ name: 'n2', description: 'd' });
    await demo.volume.put(`/volumes/${id}`, { volume: { name: 'n3', display_name: null } });
    expect((await names(id)).name).toBe('n3');
    const before = await names(id);
    await new Promise((r) => setTimeout(r, 5));
    expect((await demo.volume.put(`/volumes/${id}`, { volume: {} })).status).toBe(200);
    expect(await names(id)).toEqual(before);
  });

  it('volume update refuses unknown keys, over-long names and a missing "volume" in cinder\'s words', async () => {
    const id = await plain(demo);
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
      [
        { volume: { description: 'x'.repeat(256) } },
        'Invalid input received: description has 256 characters, more than 255.',
      ],
    ];
    for (const [body, message] of cases) {
      const reply = await demo.volume.put(`/volumes/${id}`, body);
      expect(reply.body, JSON.stringify(body)).toEqual({ badRequest: { code: 400, message } });
    }
  });

  it('volume create takes the v1 spellings, lets unknown keys inside through, no unknown top-level key', async () => {
    const created = await demo.volume.post('/volumes', {
      volume: { size: 1, display_name: 'cdn', display_description: 'cdd', bogus: 1 },
    });
    expect(created.body.volume).toMatchObject({ name: 'cdn', description: 'cdd' });
    const both = await demo.volume.post('/volumes', { volume: { size: 1, display_name: 'x', name: 'cn' } });
    expect(both.body.volume.name).toBe('cn');
    const hints = await demo.volume.post('/volumes', { volume: { size: 1 }, 'OS-SCH-HNT:scheduler_hints': {} });
    expect(hints.status).toBe(202);
    const junk = await demo.volume.post('/volumes', { volume: { size: 1 }, junk: {} });
    expect(junk.body).toEqual({
      badRequest: { code: 400, message: "Additional properties are not allowed ('junk' was unexpected)" },
    });
  });

  it('snapshots: create takes display_name (not display_description); update all four, one at least', async () => {
    const volume = await plain(demo);
    const refused = await demo.volume.post('/snapshots', { snapshot: { volume_id: volume, display_description: 'x' } });
    expect(refused.body.badRequest.message).toBe(
      `Invalid input for field/attribute snapshot. Value: {'volume_id': '${volume}', 'display_description': 'x'}. ` +
        "Additional properties are not allowed ('display_description' was unexpected)",
    );
    const created = await demo.volume.post('/snapshots', { snapshot: { volume_id: volume, display_name: 'sdn' } });
    expect(created.body.snapshot.name).toBe('sdn');
    const id = created.body.snapshot.id;
    await waitFor(
      'snapshot available',
      async () => (await demo.volume.get(`/snapshots/${id}`)).body.snapshot.status === 'available',
    );
    const renamed = await demo.volume.put(`/snapshots/${id}`, {
      snapshot: { display_name: 'u2', name: 'n2', display_description: 'dd' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.snapshot).toMatchObject({ name: 'n2', description: 'dd' });
    expect((await demo.volume.get(`/snapshots/${id}`)).body.snapshot).toMatchObject({ name: 'n2', description: 'dd' });
    expect((await demo.volume.put(`/snapshots/${id}`, { snapshot: {} })).body.badRequest.message).toBe(
      'Invalid input for field/attribute snapshot. Value: {}. {} is not valid under any of the given schemas',
    );
    expect((await demo.volume.put(`/snapshots/${id}`, { snapshot: { metadata: {} } })).status).toBe(400);
  });

  it('transfers: no unknown key (display_name neither); no_snapshots only from 3.55', async () => {
    const volume = await plain(demo);
    const aliased = await demo.volume.post('/os-volume-transfer', {
      transfer: { volume_id: volume, display_name: 'x' },
    });
    expect(aliased.body.badRequest.message).toMatch(
      /Additional properties are not allowed \('display_name' was unexpected\)$/,
    );
    const early = await demo.volume.post('/os-volume-transfer', {
      transfer: { volume_id: volume, no_snapshots: true },
    });
    expect(early.body.badRequest.message).toBe(
      `Invalid input for field/attribute transfer. Value: {'volume_id': '${volume}', 'no_snapshots': True}. ` +
        "Additional properties are not allowed ('no_snapshots' was unexpected)",
    );
    const late = await demo.volume.post(
      '/volume-transfers',
      { transfer: { volume_id: volume, no_snapshots: true } },
      {
        'OpenStack-API-Version': 'volume 3.55',
      },
    );
    expect(late.status).toBe(202);
  });
});

describe('cinder quota sets', () => {
  let sim: RunningSimulator;
  let admin: Session;
  let demo: Session;
  useCloud((cloud) => ({ sim, admin, demo } = cloud));
  const quotas = (project: string) => `/os-quota-sets/${project}`;

  it('shows limits (unlimited by default here), with usage on request; tenants only their own', async () => {
    const own = await demo.volume.get(quotas(demo.projectId));
    expect(own.body.quota_set).toMatchObject({
      id: demo.projectId,
      volumes: -1,
      gigabytes: -1,
      volumes_sas: -1,
      groups: -1,
    });
    await createVolume(demo, { snapshot_id: undefined, size: 2 });
    const usage = await admin.volume.get(`${quotas(demo.projectId)}?usage=True`);
    expect(usage.body.quota_set.volumes).toEqual({ limit: -1, in_use: 1, reserved: 0 });
    expect(usage.body.quota_set.gigabytes).toEqual({ limit: -1, in_use: 2, reserved: 0 });
    const foreign = await demo.volume.get(quotas(admin.projectId));
    expect(foreign.body).toEqual({
      forbidden: { code: 403, message: "Policy doesn't allow volume_extension:quotas:show to be performed." },
    });
    expect(sim.url).toBeTruthy();
  });

  it("admins update (cinder's checks and words) and delete (back to defaults); tenants may not", async () => {
    const denied = await demo.volume.put(quotas(demo.projectId), { quota_set: { volumes: 5 } });
    expect(denied.body.forbidden.message).toBe("Policy doesn't allow volume_extension:quotas:update to be performed.");
    const cases: [unknown, string][] = [
      [{ quota_set: { bogus: 1 } }, 'Invalid input received: Bad key(s) in quota set: bogus'],
      [{ quota_set: { volumes: -2 } }, 'volumes must be >= -1'],
      [
        { quota_set: { volumes: '3' } },
        'The server could not comply with the request since it is either malformed or otherwise incorrect.',
      ],
      [{}, "'quota_set' is a required property"],
    ];
    for (const [body, message] of cases) {
      expect((await admin.volume.put(quotas(demo.projectId), body)).body, JSON.stringify(body)).toEqual({
        badRequest: { code: 400, message },
      });
    }
    const set = await admin.volume.put(quotas(demo.projectId), { quota_set: { volumes: 7 } });
    expect(set.status).toBe(200);
    expect(set.body.quota_set).toMatchObject({ volumes: 7, gigabytes: -1 });
    expect(set.body.quota_set.id).toBeUndefined();
    expect((await admin.volume.del(quotas(demo.projectId))).status).toBe(200);
    expect((await demo.volume.get(quotas(demo.projectId))).body.quota_set.volumes).toBe(-1);
  });

  it('over quota is 413 with Retry-After: create, extend, transfer accept (gigabytes message unprefixed)', async () => {
    const id = await createVolume(demo, { snapshot_id: undefined, size: 1 });
    await admin.volume.put(quotas(demo.projectId), { quota_set: { volumes: 1 } });
    const create = await demo.volume.post('/volumes', { volume: { size: 1 } });
    expect(create.status).toBe(413);
    expect(create.headers.get('retry-after')).toBe('0');
    expect(create.body).toEqual({
      overLimit: {
        code: 413,
        message: "VolumeLimitExceeded: Maximum number of volumes allowed (1) exceeded for quota 'volumes'.",
        retryAfter: '0',
      },
    });
    const used: number = (await admin.volume.get(`${quotas(demo.projectId)}?usage=true`)).body.quota_set.gigabytes
      .in_use;
    await admin.volume.put(quotas(demo.projectId), { quota_set: { volumes: -1, gigabytes: used } });
    const full =
      'Requested volume or snapshot exceeds allowed gigabytes quota. ' +
      `Requested 1G, quota is ${used}G and ${used}G has been consumed.`;
    const extend = await demo.volume.post(`/volumes/${id}/action`, { 'os-extend': { new_size: 2 } });
    expect(extend.body.overLimit.message).toBe(`VolumeSizeExceedsAvailableQuota: ${full}`);

    const offered = await createVolume(admin, { snapshot_id: undefined, size: 1 });
    const transfer = (await admin.volume.post('/os-volume-transfer', { transfer: { volume_id: offered } })).body
      .transfer;
    const accept = () =>
      demo.volume.post(`/os-volume-transfer/${transfer.id}/accept`, { accept: { auth_key: transfer.auth_key } });
    expect((await accept()).body.overLimit.message).toBe(full);
    const ssd: number = (await admin.volume.get(`${quotas(demo.projectId)}?usage=true`)).body.quota_set.volumes_ssd
      .in_use;
    await admin.volume.put(quotas(demo.projectId), { quota_set: { gigabytes: -1, volumes_ssd: ssd } });
    expect((await accept()).body.overLimit.message).toBe(
      `VolumeLimitExceeded: Maximum number of volumes allowed (${ssd}) exceeded for quota 'volumes_ssd'.`,
    );
    expect((await admin.volume.get(`/volumes/${offered}`)).body.volume.status).toBe('awaiting-transfer');
    await admin.volume.del(quotas(demo.projectId));
    expect((await accept()).status).toBe(202);
    await waitForVolume(demo, offered, 'available');
  });
});
