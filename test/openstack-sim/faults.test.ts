import { describe, expect, it } from 'vitest';
import { FOREIGN_PROJECT_ID, type RunningSimulator } from '../../openstack-sim/index';
import { call, createVolume, type Session, snapshotByName, useCloud, volumeStatus, waitForVolume } from './helpers';

describe('fault injection', () => {
  let sim: RunningSimulator;
  let admin: Session;
  let demo: Session;
  useCloud((cloud) => ({ sim, admin, demo } = cloud));

  it('sets a volume status, overriding a pending transition', async () => {
    const id = (await demo.volume.post('/volumes', { volume: { size: 1 } })).body.volume.id;
    sim.faults.setVolumeStatus(id, 'error');
    expect(await volumeStatus(demo, id)).toBe('error');
    await new Promise((r) => setTimeout(r, 150));
    expect(await volumeStatus(demo, id)).toBe('error');
    // cinder deletes volumes in error
    expect((await demo.volume.del(`/volumes/${id}`)).status).toBe(202);
  });

  it('makes a volume disappear', async () => {
    const id = await createVolume(admin);
    sim.faults.vanishVolume(id);
    expect((await admin.volume.get(`/volumes/${id}`)).status).toBe(404);
    expect(() => sim.faults.vanishVolume(id)).toThrow(`Volume ${id} could not be found.`);
  });

  it('takes a volume: attached to someone’s server, or moved to another project', async () => {
    const attached = await createVolume(admin);
    sim.faults.takeVolume(attached, { kind: 'attach', serverId: 'someone-elses-server' });
    const volume = (await admin.volume.get(`/volumes/${attached}`)).body.volume;
    expect(volume).toMatchObject({
      status: 'in-use',
      attachments: [expect.objectContaining({ server_id: 'someone-elses-server' })],
    });

    const moved = await createVolume(admin);
    const transfer = (await admin.volume.post('/os-volume-transfer', { transfer: { volume_id: moved } })).body.transfer;
    sim.faults.takeVolume(moved, { kind: 'move' });
    expect((await admin.volume.get('/volumes')).body.volumes.map((v: { id: string }) => v.id)).not.toContain(moved);
    const elsewhere = await admin.volume.get(`/volumes/detail?all_tenants=1&project_id=${FOREIGN_PROJECT_ID}`);
    expect(elsewhere.body.volumes[0]).toMatchObject({ id: moved, status: 'available' });
    const accept = await demo.volume.post(`/os-volume-transfer/${transfer.id}/accept`, {
      accept: { auth_key: transfer.auth_key },
    });
    expect(accept.status).toBe(404);
  });

  it('fails the next N creates', async () => {
    sim.faults.failNextCreates(2);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await demo.volume.post('/volumes', { volume: { size: 1 } })).body.volume.id);
    await waitForVolume(demo, ids[0], 'error');
    await waitForVolume(demo, ids[1], 'error');
    await waitForVolume(demo, ids[2], 'available');
    expect(sim.faults.pendingCreateFailures()).toBe(0);
  });

  it('fails the next N matching requests in the service envelope, changing nothing', async () => {
    const id = await createVolume(admin);
    sim.faults.failNextRequests({ method: 'PUT', path: '/volumes/[^/]+$', status: 400, message: 'injected', count: 2 });
    expect(sim.faults.pendingRequestFailures()).toBe(2);
    // A request that does not match is untouched.
    expect((await admin.volume.get(`/volumes/${id}`)).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const refused = await admin.volume.put(`/volumes/${id}`, { volume: { name: 'renamed' } });
      expect(refused).toMatchObject({ status: 400, body: { badRequest: { code: 400, message: 'injected' } } });
    }
    expect((await admin.volume.get(`/volumes/${id}`)).body.volume.name).not.toBe('renamed');
    expect((await admin.volume.put(`/volumes/${id}`, { volume: { name: 'renamed' } })).status).toBe(200);
    expect(sim.faults.pendingRequestFailures()).toBe(0);
    expect(() => sim.faults.failNextRequests({ method: 'GET', path: '.', status: 200 })).toThrow(/HTTP error status/);
  });

  it('adds and removes image snapshots', async () => {
    const id = sim.faults.addSnapshot({ name: 'alpine-3.20', volumeType: 'sas', sizeGb: 1 });
    expect(await snapshotByName(admin, 'alpine-3.20')).toMatchObject({ id, size: 1, status: 'available' });
    const forDemo = sim.faults.addSnapshot({
      name: 'demo-image',
      volumeType: 'ssd',
      sizeGb: 2,
      projectId: demo.projectId,
    });
    expect((await snapshotByName(demo, 'demo-image')).id).toBe(forDemo);
    const volume = await demo.volume.post('/volumes', { volume: { snapshot_id: forDemo } });
    expect(volume.body.volume).toMatchObject({ size: 2, volume_type: 'ssd', bootable: 'true' });
    sim.faults.removeSnapshot(id);
    expect(await snapshotByName(admin, 'alpine-3.20')).toBeUndefined();
    expect(() => sim.faults.addSnapshot({ name: 'x', volumeType: 'nope', sizeGb: 1 })).toThrow(/nope/);
  });

  it('exposes the same faults over HTTP under /_sim to admins', async () => {
    const sim_ = (method: string, path: string, token: string, body?: unknown) =>
      call(method, `${sim.url}/_sim${path}`, body, { 'X-Auth-Token': token });
    expect((await sim_('GET', '/faults', demo.token)).status).toBe(403);
    expect((await sim_('GET', '/faults', 'bogus')).status).toBe(401);

    const id = await createVolume(admin);
    expect((await sim_('POST', `/volumes/${id}/status`, admin.token, { status: 'error' })).status).toBe(204);
    expect(await volumeStatus(admin, id)).toBe('error');
    expect((await sim_('POST', `/volumes/${id}/take`, admin.token, { kind: 'attach' })).status).toBe(204);
    expect(await volumeStatus(admin, id)).toBe('in-use');
    expect((await sim_('DELETE', `/volumes/${id}`, admin.token)).status).toBe(204);
    expect((await sim_('DELETE', `/volumes/${id}`, admin.token)).status).toBe(404);

    expect((await sim_('POST', '/fail-creates', admin.token, { count: 1 })).status).toBe(204);
    const pending = { pending_create_failures: 1, pending_boot_failures: 0, pending_request_failures: 0 };
    expect((await sim_('GET', '/faults', admin.token)).body).toEqual(pending);
    const failOne = { method: 'GET', path: '/types$', status: 503 };
    expect((await sim_('POST', '/fail-requests', admin.token, failOne)).status).toBe(204);
    expect((await admin.volume.get('/types')).status).toBe(503);
    expect((await sim_('POST', '/fail-requests', admin.token, { ...failOne, status: 200 })).status).toBe(400);
    expect((await sim_('POST', '/fail-creates', admin.token, { count: -1 })).body.badRequest.message).toMatch(/count/);

    const added = await sim_('POST', '/snapshots', admin.token, { name: 'fedora-40', volume_type: 'ssd', size_gb: 5 });
    expect(added.status).toBe(201);
    expect((await snapshotByName(admin, 'fedora-40')).id).toBe(added.body.snapshot.id);
    expect((await sim_('DELETE', `/snapshots/${added.body.snapshot.id}`, admin.token)).status).toBe(204);
    expect(await snapshotByName(admin, 'fedora-40')).toBeUndefined();
  });
});
