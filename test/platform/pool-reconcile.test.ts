// Seed 000's test table, rows 4–5: reconcile when Cinder is unchanged (only statuses sync) and
// when Cinder changed behind the pool's back (a volume deleted, gone to error, failed at
// creation, taken by someone else).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOREIGN_PROJECT_ID } from '../../openstack-sim';
import type { Platform } from './harness';
import { waitFor } from './harness';
import { cinderSpares, run, startPool, testPoolConfig } from './pool-fixture';
import { reconcilePool, replenishPool } from '../../workflows';
import { reapStaleTransfers } from '../../pool/transfers';

let p: Platform;
beforeAll(async () => {
  p = await startPool(testPoolConfig({ targetHighDemand: 3, targetLowDemand: 3 }));
});
afterAll(async () => {
  await p?.close();
});

const rowsByVolume = async () => new Map((await p.prisma.spareVolume.findMany()).map((r) => [r.volumeId!, r]));

describe('reconcilePool', () => {
  it('Cinder unchanged → only statuses are synced (creating → available), nothing dropped', async () => {
    await run(p, replenishPool);
    const before = await rowsByVolume();
    expect([...before.values()].every((r) => r.status === 'creating')).toBe(true);
    await waitFor('Cinder to finish the creates', async () =>
      (await cinderSpares(p)).every((v) => v.status === 'available'),
    );
    const summary = await run(p, reconcilePool);
    expect(summary).toMatchObject({ checked: 12, promoted: 12, dropped: [], deletedInCinder: 0 });
    const after = await rowsByVolume();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    expect([...after.values()].every((r) => r.status === 'available')).toBe(true);
    // A second pass finds nothing to do.
    expect(await run(p, reconcilePool)).toMatchObject({ promoted: 0, dropped: [] });
  });

  it(
    'Cinder changed → rows of deleted, errored, failed and taken volumes are dropped; ' +
      'error volumes are deleted in Cinder',
    async () => {
      const [deleted, errored, attached, moved, untouched] = [...(await rowsByVolume()).keys()];
      p.sim.faults.vanishVolume(deleted!);
      p.sim.faults.setVolumeStatus(errored!, 'error');
      p.sim.faults.takeVolume(attached!, { kind: 'attach' });
      p.sim.faults.takeVolume(moved!, { kind: 'move', projectId: FOREIGN_PROJECT_ID });
      // A create that fails in Cinder: the next round's volume ends in error.
      await p.prisma.spareVolume.delete({ where: { volumeId: untouched! } });
      p.sim.faults.failNextCreates(1);
      await run(p, replenishPool);
      const failedRow = (await p.prisma.spareVolume.findMany({ orderBy: { id: 'desc' }, take: 1 }))[0]!;
      await waitFor(
        'the failed create to reach error',
        async () => (await p.cloud.admin.cinder.getVolume(failedRow.volumeId!)).status === 'error',
      );

      const summary = await run(p, reconcilePool);
      const reasons = Object.fromEntries(summary.dropped.map((d) => [d.volumeId, d.reason]));
      expect(reasons).toEqual({
        [deleted!]: 'deleted in Cinder',
        [errored!]: 'error in Cinder',
        [attached!]: 'taken by someone else',
        [moved!]: 'taken by someone else',
        [failedRow.volumeId!]: 'error in Cinder',
      });
      expect(summary.deletedInCinder).toBe(2);
      const rows = await rowsByVolume();
      for (const id of Object.keys(reasons)) expect(rows.has(id)).toBe(false);
      // Error volumes are gone from Cinder; taken ones are left alone for their new owner.
      const all = new Map((await p.cloud.admin.cinder.listVolumes({ allTenants: true })).map((v) => [v.id, v]));
      await waitFor('Cinder to delete the error volumes', async () => {
        const now = new Map((await p.cloud.admin.cinder.listVolumes({ allTenants: true })).map((v) => [v.id, v]));
        return !now.has(errored!) && !now.has(failedRow.volumeId!);
      });
      expect(all.get(attached!)?.status).toBe('in-use');
      expect(all.get(moved!)).toBeDefined();
      // The pool refills what was dropped at the next round (seed 000: "补充备盘池").
      const refill = await run(p, replenishPool);
      expect(refill.created).toBe(5);
    },
  );
});

describe('stale transfers', () => {
  it("reconcile deletes blockflow's transfers pending past the bound, and leaves others alone", async () => {
    await waitFor('an available spare', async () => (await cinderSpares(p)).some((v) => v.status === 'available'));
    const [mine, theirs] = (await cinderSpares(p)).filter((v) => v.status === 'available');
    const cinder = p.cloud.admin.cinder;
    const stale = await cinder.createTransfer(mine!.id, 'blockflow-server-lost-build');
    const foreign = await cinder.createTransfer(theirs!.id, 'an operator transfer');
    // Just created: nothing is stale yet.
    expect(await reapStaleTransfers(p.cloud)).toEqual([]);
    // Eleven minutes on, blockflow's is stale; the operator's is not blockflow's to touch.
    expect(await reapStaleTransfers(p.cloud, Date.now() + 11 * 60_000)).toEqual([mine!.id]);
    const left = (await cinder.listTransfers()).map((t) => t.id);
    expect(left).toEqual([foreign.id]);
    expect(left).not.toContain(stale.id);
    expect((await cinder.getVolume(mine!.id)).status).toBe('available');
    await cinder.deleteTransfer(foreign.id);
  });
});
