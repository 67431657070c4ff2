// Issue 23, rolling image refresh: a new snapshot for a kind is rolled in while its spares keep
// serving (available spares never below the floor), and a broken one rolls back, on real Temporal
// + PostgreSQL + the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolKind } from '../../pool/kinds';
import { API_TOKEN, waitFor, type Platform } from './harness';
import { run, startPool, testPoolConfig } from './pool-fixture';
import { reconcilePool, replenishPool } from '../../workflows';

const KIND: PoolKind = { volumeType: 'sas', osName: 'Debian9 64bit' };
const TARGET = 3;

let p: Platform;
beforeAll(async () => {
  // Creates take 300 ms (the simulator's default is 3 s): each case stays well under 30 s.
  p = await startPool(testPoolConfig({ targetHighDemand: TARGET }), { createDelayMs: 300 });
});
afterAll(async () => {
  await p?.close();
});

const spares = () => p.prisma.spareVolume.findMany({ where: { ...KIND, allocated: false } });
const availableSpares = async () => (await spares()).filter((s) => s.status === 'available');

/** Every kind at its target, every spare available. */
async function fill() {
  await run(p, replenishPool);
  await waitFor('the spares available', async () => {
    await run(p, reconcilePool);
    return (await availableSpares()).length === TARGET;
  });
}

/** A re-published image for KIND: strictly newer than the current one (Cinder's timestamps are to the second). */
async function publishSnapshot(): Promise<string> {
  await new Promise((r) => setTimeout(r, 1_100));
  const id = p.sim.faults.addSnapshot({ name: `sysdisk-${KIND.volumeType}-${KIND.osName}`, ...KIND, sizeGb: 20 });
  await waitFor('the new snapshot available', async () =>
    (await p.cloud.admin.cinder.listSnapshots()).some((s) => s.id === id && s.status === 'available'),
  );
  return id;
}

/** Samples the kind's available, unclaimed spares every 100 ms until stopped; returns the lowest seen. */
function sampleAvailable() {
  let lowest = Number.POSITIVE_INFINITY;
  let samples = 0;
  let on = true;
  const loop = (async () => {
    while (on) {
      lowest = Math.min(lowest, (await availableSpares()).length);
      samples++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return { lowest, samples };
    },
  };
}

const sync = () =>
  fetch(`${p.apiUrl}/v1/pool/catalog/sync`, { method: 'POST', headers: { Authorization: `Bearer ${API_TOKEN}` } });

describe('rolling image refresh', () => {
  it('a new snapshot rolls in: available spares never below the floor, none of the old one left after', async () => {
    await fill();
    const oldSnapshot = (await spares())[0]!.snapshotId;
    const newSnapshot = await publishSnapshot();
    const sampler = sampleAvailable();
    const startedAt = Date.now();
    expect((await sync()).status).toBe(200);
    // The refresh ends once every spare of the kind is of the new snapshot and available.
    const ended = await waitFor(
      'the refresh to end',
      async () => {
        const now = await spares();
        return now.length === TARGET && now.every((s) => s.snapshotId === newSnapshot && s.status === 'available');
      },
      20_000,
    ).then(
      () => true,
      () => false,
    );
    const { lowest, samples } = await sampler.stop();
    console.log(
      `rolling refresh: lowest available ${lowest} of target ${TARGET} over ${samples} samples, ` +
        `${Date.now() - startedAt} ms, ended ${ended}`,
    );
    expect(lowest, 'available spares during the refresh').toBeGreaterThanOrEqual(TARGET); // minHealthyPercent 100
    expect(ended).toBe(true);
    expect((await spares()).filter((s) => s.snapshotId === oldSnapshot)).toEqual([]);
  });
});
