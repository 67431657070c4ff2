// Ways the pool could lose track of a volume, each with its interleaving injected at the Cinder
// client (a hook that runs the competing step exactly when the pool's call reaches Cinder), on
// real PostgreSQL and the simulator: a purge undone by a create's late answer, a claimed volume
// deleted by reconcile, a lost create answer leaving an orphan, a create stuck in `creating`
// counted for ever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudClients } from '../../openstack/cloud';
import type { CinderClient } from '../../openstack/cinder';
import { claimSpareVolume } from '../../pool/claim';
import { purgeStaleSpares, syncCatalog } from '../../pool/catalog';
import { createSpareVolume, type SpareVolumeRequest } from '../../pool/create-spare';
import { loadReplenishPlan } from '../../pool/plan';
import { ORPHAN_INTENT_GRACE_MS, STUCK_CREATE_MS, reconcileSpareVolumes } from '../../pool/reconcile';
import type { Platform } from './harness';
import { waitFor } from './harness';
import { startPool, testPoolConfig } from './pool-fixture';

let p: Platform;
beforeAll(async () => {
  p = await startPool(testPoolConfig());
});
afterAll(async () => {
  await p?.close();
});

/** The admin Cinder client with `hook` run around one of its methods (the competing step). */
function hooked(
  method: 'createVolume' | 'deleteVolume',
  when: 'before' | 'after',
  hook: () => Promise<unknown>,
): CloudClients {
  const real = p.cloud.admin.cinder;
  const cinder = Object.create(real) as CinderClient;
  const call = (real[method] as (...a: unknown[]) => Promise<unknown>).bind(real);
  (cinder as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
    if (when === 'before') await hook();
    const out = await call(...args);
    if (when === 'after') await hook();
    return out;
  };
  return { ...p.cloud, admin: { ...p.cloud.admin, cinder } };
}

async function request(volumeType: string, osName: string, name: string): Promise<SpareVolumeRequest> {
  const kind = (await loadReplenishPlan(p.prisma)).kinds.find(
    (k) => k.volumeType === volumeType && k.osName === osName,
  )!;
  return { name, volumeType, osName, snapshotId: kind.snapshotId!, sizeGb: kind.sizeGb!, target: 10 };
}

const cinderStatus = (id: string) =>
  p.cloud.admin.cinder.getVolume(id).then(
    (v) => v.status,
    () => 'gone',
  );
const untilGone = (id: string) =>
  waitFor(`${id} to be deleted in Cinder`, async () => (await cinderStatus(id)) === 'gone');
const rowOf = (name: string) => p.prisma.spareVolume.findUnique({ where: { name } });

describe('races between the pool and Cinder', () => {
  it("a purge marked while a create was in flight survives the create's answer; the stale spare goes", async () => {
    const req = await request('sas', 'Debian9 64bit', 'spare-race-purge-0');
    // The purge is the `immediate` policy's (a rolling kind's spares are left to its refresh).
    await p.prisma.poolPolicy.update({
      where: { volumeType_osName: { volumeType: 'sas', osName: 'Debian9 64bit' } },
      data: { refresh: 'immediate' },
    });
    await new Promise((r) => setTimeout(r, 1100)); // the new snapshot must be strictly newer (Cinder timestamps)
    const fresh = p.sim.faults.addSnapshot({ name: 'sysdisk-sas-Debian9 64bit', volumeType: 'sas', sizeGb: 20 });
    await waitFor('the new snapshot', async () =>
      (await p.cloud.admin.cinder.listSnapshots()).some((s) => s.id === fresh && s.status === 'available'),
    );
    // Cinder has made the volume, and before its answer reaches the pool, sync_os runs.
    const syncOs = async () => {
      expect((await syncCatalog(p.prisma, p.cloud)).changed).toEqual(['sas/Debian9 64bit']);
      expect(await purgeStaleSpares(p.prisma, p.cloud)).toEqual({ deleted: 0, markedForPurge: 1 });
    };
    const created = await createSpareVolume(p.prisma, hooked('createVolume', 'after', syncOs), req);
    expect(created.status).not.toBe('skipped');
    const volumeId = (created as { volumeId: string }).volumeId;
    expect((await rowOf(req.name))?.status).toBe('purging');

    await waitFor('the create to finish', async () => (await cinderStatus(volumeId)) !== 'creating');
    await reconcileSpareVolumes(p.prisma, p.cloud);
    expect(await rowOf(req.name)).toBeNull();
    await untilGone(volumeId);
  });

  it('a claim landing while reconcile deletes an error volume never gets that volume', async () => {
    const req = await request('ssd', 'Centos7.3 64bit', 'spare-race-claim-0');
    const created = (await createSpareVolume(p.prisma, p.cloud, req)) as { volumeId: string };
    await waitFor('the spare', async () => (await cinderStatus(created.volumeId)) === 'available');
    await reconcileSpareVolumes(p.prisma, p.cloud);
    expect((await rowOf(req.name))?.status).toBe('available');

    p.sim.faults.setVolumeStatus(created.volumeId, 'error');
    // A server build claims the spare exactly when reconcile's delete reaches Cinder.
    let claimed: Awaited<ReturnType<typeof claimSpareVolume>> = null;
    const claim = async () => {
      claimed = await claimSpareVolume(p.prisma, req, 'build-in-the-gap');
    };
    const summary = await reconcileSpareVolumes(p.prisma, hooked('deleteVolume', 'before', claim));
    expect(claimed).toBeNull();
    expect(summary.dropped.map((d) => d.reason)).toContain('error in Cinder');
    expect(await rowOf(req.name)).toBeNull();
    await untilGone(created.volumeId);
  });

  it('a create whose answer was lost is found by its name after the grace period and adopted', async () => {
    const req = await request('ssd', 'Debian9 64bit', 'spare-race-lost-0');
    // The create reached Cinder, but its answer never reached the pool (round cancelled, worker killed).
    const lost = async () => {
      throw new Error('socket hang up');
    };
    await expect(createSpareVolume(p.prisma, hooked('createVolume', 'after', lost), req)).rejects.toThrow(
      'socket hang up',
    );
    expect((await rowOf(req.name))?.volumeId).toBeNull();
    const [volume] = await p.cloud.admin.cinder.listVolumes({ name: req.name });
    await waitFor('the volume', async () => (await cinderStatus(volume!.id)) === 'available');

    // Within the grace period the intent is left alone (its round may still be creating).
    await reconcileSpareVolumes(p.prisma, p.cloud);
    expect(await rowOf(req.name)).toMatchObject({ volumeId: null, status: 'creating' });
    // Past it, Cinder is asked for the name: the volume is tracked by its row, once.
    const summary = await reconcileSpareVolumes(p.prisma, p.cloud, Date.now() + ORPHAN_INTENT_GRACE_MS + 60_000);
    expect(summary.adopted).toEqual([volume!.id]);
    expect(await rowOf(req.name)).toMatchObject({ volumeId: volume!.id, status: 'available' });
    // An intent that never reached Cinder is still dropped.
    await p.prisma.spareVolume.create({
      data: {
        name: 'spare-race-never-0',
        volumeType: req.volumeType,
        osName: req.osName,
        snapshotId: req.snapshotId,
        status: 'creating',
      },
    });
    const later = await reconcileSpareVolumes(p.prisma, p.cloud, Date.now() + ORPHAN_INTENT_GRACE_MS + 60_000);
    expect(later.dropped.map((d) => [d.name, d.reason])).toEqual([['spare-race-never-0', 'create never answered']]);
  });

  it('a create stuck in `creating` stops counting toward the target, and is deleted once Cinder lets go', async () => {
    const req = await request('sas', 'Centos7.3 64bit', 'spare-race-stuck-0');
    const created = (await createSpareVolume(p.prisma, p.cloud, req)) as { volumeId: string };
    p.sim.faults.setVolumeStatus(created.volumeId, 'creating'); // a dead cinder-volume: no transition pending
    const have = async () =>
      (await loadReplenishPlan(p.prisma)).kinds.find((k) => k.volumeType === 'sas' && k.osName === 'Centos7.3 64bit')!
        .have;
    expect(await have()).toBe(1);
    await reconcileSpareVolumes(p.prisma, p.cloud);
    expect(await have()).toBe(1);
    await reconcileSpareVolumes(p.prisma, p.cloud, Date.now() + STUCK_CREATE_MS + 60_000);
    expect(await have()).toBe(0);
    expect((await rowOf(req.name))?.status).toBe('stuck');
    const status = (await p.api('/v1/pool')).body.kinds.find(
      (k: { volumeType: string; osName: string }) => k.volumeType === 'sas' && k.osName === 'Centos7.3 64bit',
    );
    expect(status).toMatchObject({ stuck: 1, creating: 0 });
    // Still tracked: when Cinder finally answers, the late volume is deleted rather than left behind.
    p.sim.faults.setVolumeStatus(created.volumeId, 'available');
    const summary = await reconcileSpareVolumes(p.prisma, p.cloud);
    expect(summary.dropped.map((d) => d.reason)).toContain('stuck in creating');
    expect(await rowOf(req.name)).toBeNull();
    await untilGone(created.volumeId);
  });

  it('a volume Cinder refuses to delete does not stop the pass; the next pass finishes the delete', async () => {
    const [doomed, healthy] = await Promise.all(
      ['spare-race-refused-0', 'spare-race-refused-1'].map(async (name) => {
        const req = await request('ssd', 'Debian9 64bit', name);
        return (await createSpareVolume(p.prisma, p.cloud, req)) as { volumeId: string; name: string };
      }),
    );
    await waitFor('the spares', async () => (await cinderStatus(healthy!.volumeId)) === 'available');
    p.sim.faults.setVolumeStatus(doomed!.volumeId, 'error');
    p.sim.faults.failNextRequests({
      method: 'DELETE',
      path: `/volumes/${doomed!.volumeId}$`,
      status: 400,
      message: 'Invalid volume: Volume status must be available or error.',
    });
    const first = await reconcileSpareVolumes(p.prisma, p.cloud);
    expect(first.deleteErrors.map((e) => e.name)).toEqual([doomed!.name]);
    expect((await rowOf(healthy!.name))?.status).toBe('available');
    expect((await rowOf(doomed!.name))?.status).toBe('deleting');
    const second = await reconcileSpareVolumes(p.prisma, p.cloud);
    expect(second.deleteErrors).toEqual([]);
    expect(second.dropped.map((d) => [d.name, d.reason])).toEqual([[doomed!.name, 'delete finished']]);
    await untilGone(doomed!.volumeId);
  });
});
