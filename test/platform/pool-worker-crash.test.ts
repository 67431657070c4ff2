// A worker killed (SIGKILL) in the middle of a throttled replenish round, then a new worker:
// the round finishes from its durable history, with no duplicate and no orphan volume.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { SIMULATOR_ADMIN } from '../../infra/stack';
import type { Platform } from './harness';
import { waitFor } from './harness';
import { cinderSpares, startPool, testPoolConfig } from './pool-fixture';
import { replenishPool } from '../../workflows';

let p: Platform;
const children: ChildProcess[] = [];

function spawnWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../bin/worker.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: inject('databaseUrl'),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: p.taskQueue,
      OS_AUTH_URL: p.sim.authUrl,
      OS_ADMIN_USERNAME: SIMULATOR_ADMIN.username,
      OS_ADMIN_PASSWORD: SIMULATOR_ADMIN.password,
      OS_ADMIN_PROJECT: SIMULATOR_ADMIN.project,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  child.on('exit', (code, signal) => {
    if (code && code !== 0) console.error(`worker exited ${code} ${signal}: ${output}`);
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  // No in-process worker: the round runs only on the spawned ones.
  p = await startPool(testPoolConfig({ targetHighDemand: 4, targetLowDemand: 4, createIntervalSeconds: 1 }));
  await p.stopWorker();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await p?.close();
});

describe('worker crash in a throttled round', () => {
  it('finishes on a new worker with exactly one volume per slot', async () => {
    const first = spawnWorker();
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

    spawnWorker();
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
