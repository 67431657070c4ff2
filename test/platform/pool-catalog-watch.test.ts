// Issue 23, the catalog watch on real Temporal + PostgreSQL + the simulator: with
// catalogSyncIntervalSeconds set, a pool-catalog-sync schedule looks at Cinder's snapshots and syncs
// only when one changed, so a newly published image is rolled in without an operator; unset, the
// schedule goes and the catalog follows Cinder only when asked (the control).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolKind } from '../../pool/kinds';
import { CATALOG_SYNC_SCHEDULE } from '../../pool/schedules';
import { reconcilePool, replenishPool } from '../../workflows';
import { waitFor, type Platform } from './harness';
import { publishSnapshot, run, startPool, testPoolConfig } from './pool-fixture';

const KIND: PoolKind = { volumeType: 'sas', osName: 'Debian9 64bit' };
const TARGET = 2;

let p: Platform;
beforeAll(async () => {
  p = await startPool(testPoolConfig({ targetHighDemand: TARGET, targetLowDemand: 0 }));
  await run(p, replenishPool);
  await waitFor('the spares available', async () => {
    await run(p, reconcilePool);
    return (await p.prisma.spareVolume.count({ where: { ...KIND, status: 'available' } })) === TARGET;
  });
});
afterAll(async () => {
  await p?.close();
});

const setWatch = (seconds: number | null) =>
  p.api('/v1/pool/settings', { method: 'PATCH', body: { catalogSyncIntervalSeconds: seconds } });
const catalogSnapshot = async () =>
  (
    await p.prisma.osImage.findUnique({
      where: { osName_volumeType: { osName: KIND.osName, volumeType: KIND.volumeType } },
    })
  )?.snapshotId;
const syncs = () => p.prisma.poolRound.count({ where: { kind: 'sync-os' } });
const watchSchedule = async () =>
  ((await p.api('/v1/pool')).body.schedules as { id: string; actionsTaken: number }[]).find(
    (s) => s.id === CATALOG_SYNC_SCHEDULE,
  );

describe('catalog watch', () => {
  it('unset: no schedule, and a new snapshot stays out of the catalog until a sync is asked for', async () => {
    expect((await setWatch(null)).status).toBe(200);
    expect(await watchSchedule()).toBeUndefined();
    const before = await catalogSnapshot();
    await publishSnapshot(p, KIND);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await catalogSnapshot()).toBe(before);
    // The catalog now matches Cinder again, for the next case.
    expect((await p.api('/v1/pool/catalog/sync', { method: 'POST' })).status).toBe(200);
  });

  it('set: runs no sync while nothing changed, then rolls a new snapshot in without an operator', async () => {
    const res = await setWatch(1);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.catalogSyncIntervalSeconds).toBe(1);
    const syncsBefore = await syncs();
    await waitFor('the watch to look three times', async () => ((await watchSchedule())?.actionsTaken ?? 0) >= 3);
    expect(await syncs()).toBe(syncsBefore);

    const published = await publishSnapshot(p, KIND);
    await waitFor('the catalog on the new snapshot', async () => (await catalogSnapshot()) === published);
    await waitFor('every spare of the kind rolled to it', async () => {
      const spares = await p.prisma.spareVolume.findMany({ where: { ...KIND, allocated: false } });
      return spares.length >= TARGET && spares.every((s) => s.snapshotId === published && s.status === 'available');
    });
    expect(await syncs()).toBe(syncsBefore + 1);
    expect((await setWatch(null)).status).toBe(200);
    expect(await watchSchedule()).toBeUndefined();
  });

  it('refuses an interval out of bounds with a 400 naming the field, changing nothing', async () => {
    for (const bad of [0, 1.5, 604_801, 'soon']) {
      const res = await setWatch(bad as number);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.field).toBe('catalogSyncIntervalSeconds');
    }
    expect((await p.api('/v1/pool/settings')).body.catalogSyncIntervalSeconds).toBeNull();
  });
});
