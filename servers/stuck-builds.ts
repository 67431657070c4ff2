// The reaper's pass over stuck builds (issue 20, finding 12: nothing stays stuck):
//   - a `building` row whose run has closed, or a `deleting` row whose delete has, without recording
//     its end (terminated, timed out, its worker's history lost), BUILD_START_GRACE_MS after the row was
//     last written, is marked stuck (`run_lost`, `delete_lost`);
//   - every stuck row is retried, unless its retry still runs: a delete's by starting the delete again
//     (`<id>-delete`, with the trust the row records for it), any other by starting the build's undo
//     (`<id>-undo`, workflows/servers/undo-server-build: the build's own undos, with the build's trust);
//     the first at once, each next one backing off (servers/builds: stuckRetryDelayMs, stuck_retry_at).
// A retry that gets through clears the mark (and deletes its trust); one that gives up keeps it, and
// the next pass tries again. Temporal is asked through callbacks (activities/trusts); a question it
// cannot answer leaves the row to the next pass.
import type { PrismaClient } from '../prisma/client';
import { BUILD_START_GRACE_MS, stuckRetryDelayMs, type StuckReason } from './builds';

export interface StuckRuns {
  /** Whether workflow `id` runs now; undefined when Temporal does not know it. Throws when it cannot say. */
  running(workflowId: string): Promise<boolean | undefined>;
  /** Starts the build's undo; false when one runs already. */
  startUndo(buildId: string): Promise<boolean>;
  /** Starts the build's delete again with the trust recorded for it; false when one runs already. */
  startDelete(buildId: string, deleteTrustId: string): Promise<boolean>;
}

export interface StuckSummary {
  /** Builds found stuck in this pass (their run closed without recording its end). */
  stuckMarked: string[];
  /** Workflows started to retry stuck builds (`<id>-undo`, `<id>-delete`). */
  retried: string[];
  /** Stuck deletes that cannot be retried: no trust recorded for them (the operator's to look at). */
  unretryable: string[];
}

const DELETE_REASONS: string[] = ['delete_failed', 'delete_lost'] satisfies StuckReason[];

export async function retryStuckBuilds(prisma: PrismaClient, runs: StuckRuns, now: number): Promise<StuckSummary> {
  const stuckMarked = await markLostRuns(prisma, runs, now);
  const summary: StuckSummary = { stuckMarked, retried: [], unretryable: [] };
  const stuck = await prisma.serverBuild.findMany({
    where: { stuckSince: { not: null }, OR: [{ stuckRetryAt: null }, { stuckRetryAt: { lte: new Date(now) } }] },
    select: { id: true, status: true, stuckReason: true, deleteTrustId: true, stuckRetries: true },
    orderBy: { stuckSince: 'asc' },
    take: 200,
  });
  for (const row of stuck) {
    const isDelete = DELETE_REASONS.includes(row.stuckReason ?? '');
    const workflowId = `${row.id}-${isDelete ? 'delete' : 'undo'}`;
    if (isDelete && !row.deleteTrustId) {
      summary.unretryable.push(row.id); // warned about as backing off too, not every pass
    } else {
      const started = await attempt(async () => {
        if (await runs.running(workflowId)) return false;
        return isDelete ? runs.startDelete(row.id, row.deleteTrustId!) : runs.startUndo(row.id);
      });
      // Counted once started: a retry still running, or Temporal not answering, leaves it to the next pass.
      if (!started) continue;
      summary.retried.push(workflowId);
    }
    const retries = row.stuckRetries + 1;
    await prisma.serverBuild.updateMany({
      where: { id: row.id, stuckSince: { not: null } },
      data: { stuckRetries: retries, stuckRetryAt: new Date(now + stuckRetryDelayMs(retries)) },
    });
  }
  return summary;
}

/** `building` and `deleting` rows whose run has closed without recording its end. */
async function markLostRuns(prisma: PrismaClient, runs: StuckRuns, now: number): Promise<string[]> {
  const quiet = await prisma.serverBuild.findMany({
    where: {
      status: { in: ['building', 'deleting'] },
      stuckSince: null,
      updatedAt: { lt: new Date(now - BUILD_START_GRACE_MS) },
    },
    select: { id: true, status: true, updatedAt: true },
    orderBy: { updatedAt: 'asc' },
    take: 500,
  });
  const marked: string[] = [];
  for (const { id, status, updatedAt } of quiet) {
    const building = status === 'building';
    // A build never started is failed by failUnstartedBuilds (undefined); one running ends itself.
    const running = await attempt(() => runs.running(building ? id : `${id}-delete`));
    if (running !== false) continue;
    // Only as read: a run that recorded something since is not lost.
    const reason: StuckReason = building ? 'run_lost' : 'delete_lost';
    const { count } = await prisma.serverBuild.updateMany({
      where: { id, status, updatedAt, stuckSince: null },
      data: { stuckSince: new Date(), stuckReason: reason },
    });
    if (count) marked.push(id);
  }
  return marked;
}

/** Temporal's answer, or undefined when it could not be had (the row waits for the next pass). */
async function attempt<T>(ask: () => Promise<T>): Promise<T | undefined> {
  try {
    return await ask();
  } catch {
    return undefined;
  }
}
