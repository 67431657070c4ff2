// A round that needs thousands of creates: it continues as new every CREATES_PER_RUN creates, so no
// run's history grows past a few thousand events (Temporal ends a run at 50,000), and the round
// still makes exactly one volume per missing spare, with one name each, and one round record; and
// reconcile, listing more volumes than fit in one Cinder page, keeps them all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from './harness';
import { cinderSpares, startPool, testPoolConfig } from './pool-fixture';
import { replenishPool } from '../../workflows';
import { CREATES_PER_RUN } from '../../workflows/pool/replenish-pool';
import { reconcileSpareVolumes } from '../../pool/reconcile';

/** 4 kinds: 1,200 creates (about 2 minutes here); POOL_LARGE_ROUND_PER_KIND for more. */
const PER_KIND = Number(process.env.POOL_LARGE_ROUND_PER_KIND ?? 300);
let p: Platform;
beforeAll(async () => {
  p = await startPool(testPoolConfig({ targetHighDemand: PER_KIND, targetLowDemand: PER_KIND }), {
    createDelayMs: 0,
    plainCreateDelayMs: 0,
  });
});
afterAll(async () => {
  await p?.close();
});

/** Every run of the workflow, oldest first, with its history length and how it closed. */
async function runsOf(workflowId: string) {
  const runs: { runId: string; events: number; closedBy: string }[] = [];
  let handle = p.client.workflow.getHandle(workflowId, undefined, { followRuns: false });
  const first = (await p.client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo;
  let runId: string | undefined = first?.firstRunId ?? undefined;
  while (runId) {
    handle = p.client.workflow.getHandle(workflowId, runId, { followRuns: false });
    const events = (await handle.fetchHistory()).events ?? [];
    const last = events.at(-1)!;
    const next = last.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    runs.push({ runId, events: events.length, closedBy: next ? 'continued-as-new' : 'completed' });
    runId = next;
  }
  return runs;
}

describe('a round of thousands of creates', () => {
  it('continues as new with its progress, and creates exactly what was missing', { timeout: 600_000 }, async () => {
    const workflowId = `replenishPool-large-${Date.now()}`;
    const result = await p.client.workflow.execute(replenishPool, { taskQueue: p.taskQueue, workflowId, args: [] });
    expect(result).toEqual({ created: 4 * PER_KIND, failed: 0, skipped: [] });

    const runs = await runsOf(workflowId);
    expect(runs.length).toBe(Math.ceil((4 * PER_KIND) / CREATES_PER_RUN));
    expect(runs.slice(0, -1).every((r) => r.closedBy === 'continued-as-new')).toBe(true);
    expect(runs.at(-1)!.closedBy).toBe('completed');
    // Each run stays far below Temporal's 50,000-event limit.
    expect(Math.max(...runs.map((r) => r.events))).toBeLessThan(15 * CREATES_PER_RUN);

    const rows = await p.prisma.spareVolume.findMany();
    expect(rows).toHaveLength(4 * PER_KIND);
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
    const spares = await cinderSpares(p);
    expect(spares.map((v) => v.id).sort()).toEqual(rows.map((r) => r.volumeId).sort());
    // One record for the round, however many runs it took.
    const records = await p.prisma.poolRound.findMany({ where: { kind: 'replenish' } });
    expect(records).toMatchObject([{ id: workflowId, created: 4 * PER_KIND, failed: 0 }]);
    expect(records[0]!.finishedAt).not.toBeNull();
    // More volumes than one page of Cinder's list: reconcile sees them all (it used to see the first 1,000
    // and drop the rest as deleted in Cinder).
    const summary = await reconcileSpareVolumes(p.prisma, p.cloud);
    expect(summary.dropped).toEqual([]);
    expect(summary.promoted).toBe(4 * PER_KIND);
  });
});
