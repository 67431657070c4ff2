import { describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../openstack-sim/index';
import {
  call,
  createVolume,
  FAST,
  login,
  type Session,
  snapshotByName,
  useCloud,
  volumeStatus,
  waitForVolume,
} from './helpers';

describe('cinder v3 volumes', () => {
  let sim: RunningSimulator;
  let admin: Session;
  let demo: Session;
  useCloud((cloud) => ({ sim, admin, demo } = cloud));

  it('serves version documents at /volume/ (300) and /volume/v3/', async () => {
    for (const [path, status] of [
      ['/volume/', 300],
      ['/volume/v3/', 200],
    ] as const) {
      const reply = await call('GET', sim.url + path);
      expect(reply.status).toBe(status);
      expect(reply.body.versions[0]).toMatchObject({
        id: 'v3.0',
        status: 'CURRENT',
        version: '3.70',
        min_version: '3.0',
      });
    }
  });

  it('negotiates and echoes microversions', async () => {
    const header = (v?: string) => (v ? { 'OpenStack-API-Version': v } : undefined);
    const echoed = async (v?: string) =>
      (await demo.volume.get('/volumes', header(v))).headers.get('openstack-api-version');
    expect(await echoed()).toBe('volume 3.0');
    expect(await echoed('volume 3.55')).toBe('volume 3.55');
    expect(await echoed('volume latest')).toBe('volume 3.70');
    expect((await demo.volume.get('/volumes', header('volume 3.99'))).status).toBe(406);
    expect((await demo.volume.get('/volumes', header('volume x'))).status).toBe(400);
  });

  it('creates from a snapshot: 202 creating, then available after createDelayMs', async () => {
    const snapshot = await snapshotByName(admin, 'ubuntu-24.04');
    const reply = await admin.volume.post('/volumes', {
      volume: {
        snapshot_id: snapshot.id,
        volume_type: 'ssd',
        name: 'boot-1',
        description: 'd',
        metadata: { pool: 'a' },
      },
    });
    expect(reply.status).toBe(202);
    const volume = reply.body.volume;
    expect(volume).toMatchObject({
      status: 'creating',
      size: 10,
      bootable: 'true',
      volume_type: 'ssd',
      name: 'boot-1',
      snapshot_id: snapshot.id,
    });
    // As in cinder, the os-vol-*-attr extensions extend reads only, not the answer to create.
    expect(volume).not.toHaveProperty('os-vol-tenant-attr:tenant_id');
    expect((await admin.volume.get(`/volumes/${volume.id}`)).body.volume['os-vol-tenant-attr:tenant_id']).toBe(
      admin.projectId,
    );
    expect(volume.links[0].href).toBe(`${sim.url}/volume/v3/${admin.projectId}/volumes/${volume.id}`);
    expect(await volumeStatus(admin, volume.id)).toBe('creating');
    await waitForVolume(admin, volume.id, 'available');
  });

  it('creates plain volumes with a size, in the default type', async () => {
    const reply = await demo.volume.post('/volumes', { volume: { size: '2', name: 'data' } });
    expect(reply.status).toBe(202);
    expect(reply.body.volume).toMatchObject({ size: 2, bootable: 'false', volume_type: 'sas', user_id: demo.userId });
    await waitForVolume(demo, reply.body.volume.id, 'available');
  });

  it('rejects bad input with cinder’s errors, naming the field', async () => {
    const cases: [unknown, number, string][] = [
      [
        { volume: { size: 'big' } },
        400,
        "Invalid input for field/attribute size. Value: big. 'big' does not match '^[0-9]+$'",
      ],
      [
        { volume: { size: 0 } },
        400,
        'Invalid input for field/attribute size. Value: 0. 0 is less than the minimum of 1',
      ],
      [{ size: 1 }, 400, "'volume' is a required property"],
      [
        { volume: {} },
        400,
        'The server could not comply with the request since it is either malformed or otherwise incorrect.',
      ],
      [{ volume: { size: 1, volume_type: 'nope' } }, 404, 'Volume type with name nope could not be found.'],
      [{ volume: { size: 1, availability_zone: 'mars' } }, 400, "Availability zone 'mars' is invalid."],
      [{ volume: { snapshot_id: 'f00' } }, 404, 'Snapshot f00 could not be found.'],
    ];
    for (const [body, status, message] of cases) {
      const reply = await demo.volume.post('/volumes', body);
      expect(reply.status, JSON.stringify(body)).toBe(status);
      expect(reply.body).toEqual({ [status === 404 ? 'itemNotFound' : 'badRequest']: { code: status, message } });
    }
    const malformed = await demo.volume.post('/volumes', '{"volume":');
    expect(malformed.body).toEqual({ badRequest: { code: 400, message: 'Malformed request body' } });
    const snapshot = await snapshotByName(admin, 'ubuntu-24.04');
    const tooSmall = await admin.volume.post('/volumes', { volume: { snapshot_id: snapshot.id, size: 5 } });
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.body.badRequest.message).toMatch(/cannot be smaller than the snapshot size 10GB/);
  });

  it('lists summaries and details, filtered by name, status and metadata', async () => {
    const id = await createVolume(admin, { name: 'listed', metadata: { role: 'pool' } });
    const summary = await admin.volume.get('/volumes?name=listed');
    expect(summary.body.volumes).toEqual([{ id, name: 'listed', links: expect.any(Array) }]);
    const detail = await admin.volume.get('/volumes/detail?status=available&name=listed');
    expect(detail.body.volumes[0]).toMatchObject({ id, status: 'available', metadata: { role: 'pool' } });
    expect((await admin.volume.get('/volumes/detail?status=error&name=listed')).body.volumes).toEqual([]);
    const byMeta = await admin.volume.get(`/volumes/detail?metadata=${encodeURIComponent("{'role': 'pool'}")}`);
    expect(byMeta.body.volumes.map((v: { id: string }) => v.id)).toContain(id);
  });

  it('pages with limit/marker and volumes_links, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await demo.volume.post('/volumes', { volume: { size: 1, name: `page-${i}` } })).body.volume.id);
    const first = await demo.volume.get('/volumes?limit=2');
    expect(first.body.volumes.map((v: { id: string }) => v.id)).toEqual([ids[2], ids[1]]);
    const next = new URL(first.body.volumes_links[0].href);
    expect(next.searchParams.get('marker')).toBe(ids[1]);
    const second = await demo.volume.get(`/volumes?limit=2&marker=${ids[1]}`);
    expect(second.body.volumes[0].id).toBe(ids[0]);
    const badMarker = await demo.volume.get('/volumes?marker=nope');
    expect(badMarker.body).toEqual({ itemNotFound: { code: 404, message: 'Volume nope could not be found.' } });
    expect((await demo.volume.get('/volumes?limit=x')).status).toBe(400);
    const counted = await demo.volume.get('/volumes?with_count=true', { 'OpenStack-API-Version': 'volume 3.45' });
    expect(counted.body.count).toBe(counted.body.volumes.length);
  });

  it('shows all projects to admins with all_tenants=1 only', async () => {
    const demoVolume = (await demo.volume.post('/volumes', { volume: { size: 1, name: 'demo-only' } })).body.volume.id;
    const all = await admin.volume.get('/volumes/detail?all_tenants=1&name=demo-only');
    expect(all.body.volumes.map((v: { id: string }) => v.id)).toEqual([demoVolume]);
    expect((await admin.volume.get('/volumes?name=demo-only')).body.volumes).toEqual([]);
    const byProject = await admin.volume.get(`/volumes?all_tenants=1&project_id=${demo.projectId}&name=demo-only`);
    expect(byProject.body.volumes).toHaveLength(1);
    // non-admins have the flag ignored
    const adminVolume = await createVolume(admin, { name: 'admin-only' });
    const demoAll = await demo.volume.get('/volumes?all_tenants=1&name=admin-only');
    expect(demoAll.body.volumes).toEqual([]);
    expect((await demo.volume.get(`/volumes/${adminVolume}`)).body).toEqual({
      itemNotFound: { code: 404, message: `Volume ${adminVolume} could not be found.` },
    });
    expect((await admin.volume.get(`/volumes/${demoVolume}`)).status).toBe(200);
  });

  it('refuses a project id in the URL other than the token’s', async () => {
    const reply = await call('GET', `${sim.url}/volume/v3/${admin.projectId}/volumes`, undefined, {
      'X-Auth-Token': demo.token,
    });
    expect(reply.body).toEqual({ badRequest: { code: 400, message: 'Malformed request url' } });
  });

  it('updates name, description and metadata with PUT', async () => {
    const id = (await demo.volume.post('/volumes', { volume: { size: 1, name: 'old' } })).body.volume.id;
    const reply = await demo.volume.put(`/volumes/${id}`, {
      volume: { name: 'new', description: 'desc', metadata: { a: 'b' } },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.volume).toMatchObject({ name: 'new', description: 'desc', metadata: { a: 'b' } });
    expect((await demo.volume.get(`/volumes/${id}`)).body.volume.name).toBe('new');
    expect((await demo.volume.put(`/volumes/${id}`, { volume: { name: 7 } })).status).toBe(400);
  });

  it('deletes: 202, deleting, then gone; refuses while creating, in-use or awaiting-transfer', async () => {
    const id = (await demo.volume.post('/volumes', { volume: { size: 1 } })).body.volume.id;
    // Held in `creating` (the create itself takes 60 ms: under load a DELETE sent at once came after it).
    await waitForVolume(demo, id, 'available');
    sim.faults.setVolumeStatus(id, 'creating');
    const whileCreating = await demo.volume.del(`/volumes/${id}`);
    expect(whileCreating.status).toBe(400);
    expect(whileCreating.body.badRequest.message).toBe(
      'Invalid volume: Volume status must be available or error or error_restoring or error_extending or ' +
        'error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a ' +
        'transfer, or be disassociated from snapshots after volume transfer.',
    );
    sim.faults.setVolumeStatus(id, 'available');
    expect((await demo.volume.post('/os-volume-transfer', { transfer: { volume_id: id } })).status).toBe(202);
    expect((await demo.volume.del(`/volumes/${id}`)).status).toBe(400);

    const inUse = (await demo.volume.post('/volumes', { volume: { size: 1 } })).body.volume.id;
    await waitForVolume(demo, inUse, 'available');
    sim.faults.takeVolume(inUse, { kind: 'attach' });
    expect((await demo.volume.del(`/volumes/${inUse}`)).status).toBe(400);

    const doomed = (await demo.volume.post('/volumes', { volume: { size: 1 } })).body.volume.id;
    await waitForVolume(demo, doomed, 'available');
    expect((await demo.volume.del(`/volumes/${doomed}`)).status).toBe(202);
    expect(await volumeStatus(demo, doomed)).toBe('deleting');
    await waitForVolume(demo, doomed, 'gone');
    expect((await demo.volume.del(`/volumes/${doomed}`)).status).toBe(404);
  });

  it('runs volume actions: os-extend, os-reset_status and os-force_delete (admin)', async () => {
    const id = await createVolume(admin, { name: 'actions' });
    expect((await admin.volume.post(`/volumes/${id}/action`, { 'os-extend': { new_size: 12 } })).status).toBe(202);
    expect((await admin.volume.get(`/volumes/${id}`)).body.volume).toMatchObject({ status: 'extending', size: 12 });
    await waitForVolume(admin, id, 'available');
    const shrink = await admin.volume.post(`/volumes/${id}/action`, { 'os-extend': { new_size: 5 } });
    expect(shrink.body.badRequest.message).toMatch(/New size for extend must be greater than current size/);
    expect((await admin.volume.post(`/volumes/${id}/action`, { 'os-extend': {} })).body.badRequest.message).toBe(
      "Invalid input for field/attribute os-extend. Value: {}. 'new_size' is a required property",
    );

    const demoVolume = (await demo.volume.post('/volumes', { volume: { size: 1 } })).body.volume.id;
    await waitForVolume(demo, demoVolume, 'available');
    expect(
      (await demo.volume.post(`/volumes/${demoVolume}/action`, { 'os-reset_status': { status: 'error' } })).body,
    ).toEqual({
      forbidden: {
        code: 403,
        message: "Policy doesn't allow volume_extension:volume_admin_actions:reset_status to be performed.",
      },
    });
    expect((await admin.volume.post(`/volumes/${id}/action`, { 'os-reset_status': { status: 'error' } })).status).toBe(
      202,
    );
    expect(await volumeStatus(admin, id)).toBe('error');
    expect((await admin.volume.post(`/volumes/${id}/action`, { 'os-frobnicate': null })).body).toEqual({
      badRequest: {
        code: 400,
        message:
          'There is no such action: os-frobnicate. Verify the request body and Content-Type header and try again.',
      },
    });

    sim.faults.takeVolume(id, { kind: 'attach' });
    expect((await admin.volume.post(`/volumes/${id}/action`, { 'os-force_delete': {} })).status).toBe(202);
    await waitForVolume(admin, id, 'gone');
  });

  it('enforces quotas with 413 overLimit', async () => {
    const limited = await startSimulator({ ...FAST, quota: { volumes: 1, gigabytes: 5 } });
    try {
      const s = await login(limited, 'demo');
      const big = await s.volume.post('/volumes', { volume: { size: 6 } });
      expect(big.status).toBe(413);
      expect(big.body.overLimit).toMatchObject({ code: 413, retryAfter: '0' });
      expect(big.body.overLimit.message).toMatch(
        /^VolumeSizeExceedsAvailableQuota: .*Requested 6G, quota is 5G and 0G has been consumed/,
      );
      expect((await s.volume.post('/volumes', { volume: { size: 1 } })).status).toBe(202);
      const second = await s.volume.post('/volumes', { volume: { size: 1 } });
      expect(second.body.overLimit.message).toBe(
        "VolumeLimitExceeded: Maximum number of volumes allowed (1) exceeded for quota 'volumes'.",
      );
    } finally {
      await limited.stop();
    }
  });
});
