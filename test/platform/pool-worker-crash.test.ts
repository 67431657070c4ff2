// A worker killed (SIGKILL) in the middle of a throttled replenish round, or of a rolling image
// refresh, then a new worker: the work finishes from its durable history, with no duplicate and no
// orphan volume (and the refresh's floor held throughout).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from './harness';
import { waitFor } from './harness';
import { cinderSpares, publishSnapshot, run, startPool, testPoolConfig } from './pool-fixture';
import { sampleLowest } from './pool-observe';
import { reconcilePool, replenishPool, type refreshPoolImage } from '../../workflows';
import { refreshWorkflowId } from '../../workflows/pool/refresh-pool-image';
import { standaloneWorkers } from './standalone-worker';

let p: Platform;
const workers = standaloneWorkers(() => p);

beforeAll(async () => {
  // No in-process worker: the round runs only on the spawned ones.
  p = await startPool(testPoolConfig({ targetHighDemand: 4, targetLowDemand: 4, createIntervalSeconds: 1 }));
  await p.stopWorker();
});
afterAll(async () => {
  workers.killAll();
  await p?.close();
});

describe('worker crash in a throttled round', () => {
  it('finishes on a new worker with exactly one volume per slot', async () => {
    const { child: first } = workers.spawn();
    const handle = await p.client.workflow.start(replenishPool, {
      taskQueue: p.taskQueue,
      workflowId: `crash-round-${Date.now()}`,
      args: [],
    });
    await waitFor('a few creates before the crash', async () => (await p.prisma.spareVolume.count()) >= 5, 60_000);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const atCrash = await p.prisma.spareVolume.count();
    expect(atCrash).toBeLessThan(16);

    workers.spawn();
    const result = await handle.result();
    expect(result).toMatchObject({ created: 16 });

    const rows = await p.prisma.spareVolume.findMany();
    const volumes = await cinderSpares(p);
    expect(rows).toHaveLength(16);
    expect(volumes).toHaveLength(16);
    // Same set on both sides: no duplicate create, no volume without a row, no row without a volume.
    expect(new Set(volumes.map((v) => v.name)).size).toBe(16);
    expect(rows.map((r) => r.volumeId).sort()).toEqual(volumes.map((v) => v.id).sort());
    expect(rows.map((r) => r.name).sort()).toEqual(volumes.map((v) => v.name!).sort());
  });

  it('a rolling refresh killed mid-way finishes on a new worker: floor held, no duplicate, no orphan', async () => {
    const kind = { volumeType: 'sas', osName: 'Debian9 64bit' };
    // the first case's second worker would still poll: the refresh would never be without a worker
    workers.killAll();
    const { child } = workers.spawn();
    const counted = () => p.prisma.spareVolume.findMany({ where: { ...kind, allocated: false } });
    await waitFor('the kind at its target, all available', async () => {
      await run(p, reconcilePool);
      return (await counted()).filter((s) => s.status === 'available').length === 4;
    });
    const published = await publishSnapshot(p, kind);
    const sampler = sampleLowest(async () => (await counted()).filter((s) => s.status === 'available').length);
    expect((await p.api('/v1/pool/catalog/sync', { method: 'POST' })).status).toBe(200);
    await waitFor('a new-generation spare', async () => (await counted()).some((s) => s.snapshotId === published));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    workers.spawn();
    const handle = p.client.workflow.getHandle<typeof refreshPoolImage>(refreshWorkflowId(kind));
    expect(await handle.result()).toMatchObject({ state: 'done', snapshotId: published });
    const { lowest } = await sampler.stop();
    expect(lowest, 'available spares of the kind during the refresh').toBeGreaterThanOrEqual(4);
    // Retired spares a kill left half-dropped are reconcile's to finish: then both sides agree.
    await waitFor('rows and volumes the same', async () => {
      await run(p, reconcilePool);
      const [rows, volumes] = await Promise.all([p.prisma.spareVolume.findMany(), cinderSpares(p)]);
      return (
        rows
          .map((r) => r.volumeId)
          .sort()
          .join() ===
        volumes
          .map((v) => v.id)
          .sort()
          .join()
      );
    });
    const volumes = await cinderSpares(p);
    expect(new Set(volumes.map((v) => v.name)).size).toBe(volumes.length);
    const now = await counted();
    expect(now.map((s) => s.snapshotId)).toEqual(now.map(() => published));
    expect(now.length).toBeGreaterThanOrEqual(4);
  });
});
