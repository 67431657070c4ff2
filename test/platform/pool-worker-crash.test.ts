// A worker killed (SIGKILL) in the middle of a throttled replenish round, then a new worker:
// the round finishes from its durable history, with no duplicate and no orphan volume.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from './harness';
import { waitFor } from './harness';
import { cinderSpares, startPool, testPoolConfig } from './pool-fixture';
import { replenishPool } from '../../workflows';
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
});
