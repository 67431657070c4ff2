import { describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../openstack-sim/index';
import { createVolume, type Session, useCloud, waitFor, waitForVolume } from './helpers';

describe('cinder v3 snapshots and volume types', () => {
  let sim: RunningSimulator;
  let admin: Session;
  let demo: Session;
  useCloud((cloud) => ({ sim, admin, demo } = cloud));

  const snapshotStatus = async (s: Session, id: string) => {
    const reply = await s.volume.get(`/snapshots/${id}`);
    return reply.status === 404 ? 'gone' : (reply.body.snapshot.status as string);
  };

  it('lists the seeded OS snapshots to their owner (admin) only', async () => {
    const list = await admin.volume.get('/snapshots');
    expect(list.body.snapshots.map((s: { name: string }) => s.name).sort()).toEqual([
      'debian-12',
      'rocky-9',
      'ubuntu-24.04',
    ]);
    const detail = await admin.volume.get('/snapshots/detail?name=debian-12');
    expect(detail.body.snapshots[0]).toMatchObject({
      name: 'debian-12',
      size: 8,
      status: 'available',
      'os-extended-snapshot-attributes:project_id': admin.projectId,
      'os-extended-snapshot-attributes:progress': '100%',
    });
    const id = detail.body.snapshots[0].id;
    expect((await admin.volume.get(`/snapshots/${id}`)).body.snapshot.id).toBe(id);
    expect((await demo.volume.get('/snapshots')).body.snapshots).toEqual([]);
    expect((await demo.volume.get(`/snapshots/${id}`)).body).toEqual({
      itemNotFound: { code: 404, message: `Snapshot ${id} could not be found.` },
    });
  });

  it('snapshots a volume, clones from the new snapshot, and protects the source volume', async () => {
    const source = await createVolume(admin, { name: 'golden' });
    const created = await admin.volume.post('/snapshots', { snapshot: { volume_id: source, name: 'golden-snap' } });
    expect(created.status).toBe(202);
    const snapshot = created.body.snapshot;
    expect(snapshot).toMatchObject({ status: 'creating', volume_id: source, size: 10 });
    await waitFor('snapshot available', async () => (await snapshotStatus(admin, snapshot.id)) === 'available');

    const clone = await admin.volume.post('/volumes', { volume: { snapshot_id: snapshot.id } });
    expect(clone.body.volume).toMatchObject({ volume_type: 'ssd', bootable: 'true', size: 10 });
    await waitForVolume(admin, clone.body.volume.id, 'available');

    expect((await admin.volume.del(`/volumes/${source}`)).status).toBe(400);
    expect((await admin.volume.del(`/snapshots/${snapshot.id}`)).status).toBe(202);
    await waitFor('snapshot gone', async () => (await snapshotStatus(admin, snapshot.id)) === 'gone');
    expect((await admin.volume.del(`/volumes/${source}`)).status).toBe(202);
  });

  it('refuses snapshots of volumes that are not available, unless forced while in-use', async () => {
    const id = await createVolume(admin);
    sim.faults.takeVolume(id, { kind: 'attach' });
    const refused = await admin.volume.post('/snapshots', { snapshot: { volume_id: id } });
    expect(refused.status).toBe(400);
    expect(refused.body.badRequest.message).toBe(
      `Invalid volume: Volume ${id} status must be available, but current status is: in-use.`,
    );
    expect((await admin.volume.post('/snapshots', { snapshot: { volume_id: id, force: 'True' } })).status).toBe(202);
    expect((await admin.volume.post('/snapshots', { snapshot: {} })).body.badRequest.message).toBe(
      "Invalid input for field/attribute snapshot. Value: {}. 'volume_id' is a required property",
    );
  });

  it('lists (newest first) and shows volume types; backend extra specs for admins only', async () => {
    const list = await demo.volume.get('/types');
    expect(list.body.volume_types.map((t: { name: string }) => t.name)).toEqual(['ssd', 'sas']);
    expect(list.body.volume_types[0].extra_specs).toEqual({});
    expect(list.body.volume_types[0]).not.toHaveProperty('qos_specs_id');
    const id = list.body.volume_types[0].id;
    expect((await demo.volume.get(`/types/${id}`)).body.volume_type).toMatchObject({
      id,
      name: 'ssd',
      is_public: true,
    });
    expect((await admin.volume.get(`/types/${id}`)).body.volume_type.extra_specs).toEqual({
      volume_backend_name: 'ssd',
    });
    expect((await demo.volume.get('/types/0b7cd43c-4b1c-4a1e-9d43-5a3c6e0b1f00')).status).toBe(404);
  });

  it('lets admins create types (403 for others, 409 for duplicates)', async () => {
    const body = { volume_type: { name: 'nvme', description: 'fast', extra_specs: { tier: '0' } } };
    expect((await demo.volume.post('/types', body)).body).toEqual({
      forbidden: { code: 403, message: "Policy doesn't allow volume_extension:types_manage to be performed." },
    });
    const created = await admin.volume.post('/types', body);
    expect(created.status).toBe(200);
    expect(created.body.volume_type).toMatchObject({ name: 'nvme', description: 'fast', extra_specs: { tier: '0' } });
    expect((await admin.volume.post('/types', body)).body).toEqual({
      conflictingRequest: { code: 409, message: 'Volume Type nvme already exists.' },
    });
    const volume = await demo.volume.post('/volumes', { volume: { size: 1, volume_type: 'nvme' } });
    expect(volume.body.volume.volume_type).toBe('nvme');
  });
});
