import { describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../openstack-sim/index';
import { createVolume, type Session, useCloud, volumeStatus } from './helpers';

describe('cinder v3 volume transfers', () => {
  let sim: RunningSimulator;
  let admin: Session;
  let demo: Session;
  useCloud((cloud) => ({ sim, admin, demo } = cloud));

  it('moves a volume to the accepting project; wrong key 400, second accept 404', async () => {
    const volumeId = await createVolume(admin, { name: 'gift' });
    const created = await admin.volume.post('/os-volume-transfer', {
      transfer: { volume_id: volumeId, name: 'to-demo' },
    });
    expect(created.status).toBe(202);
    const transfer = created.body.transfer;
    expect(transfer).toMatchObject({
      volume_id: volumeId,
      name: 'to-demo',
      auth_key: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(await volumeStatus(admin, volumeId)).toBe('awaiting-transfer');

    // list/detail/show never repeat the auth key
    const list = await admin.volume.get('/os-volume-transfer');
    expect(list.body.transfers).toEqual([
      { id: transfer.id, name: 'to-demo', volume_id: volumeId, links: expect.any(Array) },
    ]);
    const detail = await admin.volume.get('/os-volume-transfer/detail');
    expect(detail.body.transfers[0]).toMatchObject({ id: transfer.id, created_at: expect.any(String) });
    const shown = await admin.volume.get(`/os-volume-transfer/${transfer.id}`);
    expect(shown.body.transfer.auth_key).toBeUndefined();

    // the acceptor sees neither the transfer nor the volume before accepting
    expect((await demo.volume.get('/os-volume-transfer')).body.transfers).toEqual([]);
    expect((await demo.volume.get(`/os-volume-transfer/${transfer.id}`)).body).toEqual({
      itemNotFound: { code: 404, message: `Transfer ${transfer.id} could not be found.` },
    });
    expect((await demo.volume.get(`/volumes/${volumeId}`)).status).toBe(404);

    const wrong = await demo.volume.post(`/os-volume-transfer/${transfer.id}/accept`, {
      accept: { auth_key: '0000000000000000' },
    });
    expect(wrong.body).toEqual({
      badRequest: { code: 400, message: `Invalid auth key: Attempt to transfer ${transfer.id} with invalid auth key.` },
    });
    const accepted = await demo.volume.post(`/os-volume-transfer/${transfer.id}/accept`, {
      accept: { auth_key: transfer.auth_key },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body.transfer).toMatchObject({ id: transfer.id, volume_id: volumeId });

    const moved = (await demo.volume.get(`/volumes/${volumeId}`)).body.volume;
    expect(moved).toMatchObject({
      status: 'available',
      user_id: demo.userId,
      'os-vol-tenant-attr:tenant_id': demo.projectId,
    });
    expect((await admin.volume.get('/volumes?name=gift')).body.volumes).toEqual([]);

    const again = await demo.volume.post(`/os-volume-transfer/${transfer.id}/accept`, {
      accept: { auth_key: transfer.auth_key },
    });
    expect(again.body).toEqual({ itemNotFound: { code: 404, message: `Transfer ${transfer.id} could not be found.` } });
  });

  it('deleting a transfer returns the volume to available', async () => {
    const volumeId = await createVolume(admin);
    const transfer = (await admin.volume.post('/os-volume-transfer', { transfer: { volume_id: volumeId } })).body
      .transfer;
    expect((await admin.volume.del(`/os-volume-transfer/${transfer.id}`)).status).toBe(202);
    expect(await volumeStatus(admin, volumeId)).toBe('available');
    const accept = await demo.volume.post(`/os-volume-transfer/${transfer.id}/accept`, {
      accept: { auth_key: transfer.auth_key },
    });
    expect(accept.status).toBe(404);
  });

  it('only transfers available volumes that the caller can see', async () => {
    const volumeId = await createVolume(admin);
    expect((await demo.volume.post('/os-volume-transfer', { transfer: { volume_id: volumeId } })).body).toEqual({
      itemNotFound: { code: 404, message: `Volume ${volumeId} could not be found.` },
    });
    sim.faults.setVolumeStatus(volumeId, 'error');
    expect((await admin.volume.post('/os-volume-transfer', { transfer: { volume_id: volumeId } })).body).toEqual({
      badRequest: { code: 400, message: 'Invalid volume: status must be available' },
    });
    expect((await admin.volume.post('/os-volume-transfer', { transfer: {} })).status).toBe(400);
    // cinder validates the body before it looks the transfer up.
    expect((await admin.volume.post('/os-volume-transfer/x/accept', { accept: {} })).status).toBe(400);
    expect((await admin.volume.post('/os-volume-transfer/x/accept', { accept: { auth_key: 'k' } })).status).toBe(404);
  });

  it('serves the 3.55+ volume-transfers path, and only from 3.55', async () => {
    const v355 = { 'OpenStack-API-Version': 'volume 3.57' };
    expect((await admin.volume.get('/volume-transfers')).status).toBe(404);
    const volumeId = await createVolume(admin);
    const created = await admin.volume.post(
      '/volume-transfers',
      { transfer: { volume_id: volumeId, no_snapshots: true } },
      v355,
    );
    expect(created.status).toBe(202);
    expect(created.body.transfer).toMatchObject({
      no_snapshots: true,
      source_project_id: admin.projectId,
      accepted: false,
    });
    expect(created.body.transfer.links[0].href).toContain('/volume-transfers/');
    const accepted = await demo.volume.post(
      `/volume-transfers/${created.body.transfer.id}/accept`,
      { accept: { auth_key: created.body.transfer.auth_key } },
      v355,
    );
    expect(accepted.status).toBe(202);
    expect(await volumeStatus(demo, volumeId)).toBe('available');
  });
});
