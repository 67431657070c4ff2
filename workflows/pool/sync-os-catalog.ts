import {
  CancellationScope,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  proxyActivities,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { CatalogSyncResult, PurgeResult } from '../../pool/catalog';
import type { PoolKind } from '../../pool/kinds';
import { OPENSTACK_NON_RETRYABLE } from '../../openstack/errors';
import { isAlreadyStarted } from './already-started';
import { catalogChangedSignal, refreshPoolImage, refreshWorkflowId } from './refresh-pool-image';

const {
  pauseReplenishment,
  purgeStaleSpares,
  recordRound,
  resumeReplenishment,
  stopRunningReplenishRounds,
  syncCatalog,
} = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  // The long passes heartbeat (activities/pool/pool.ts): a pass whose worker died is retried after this.
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 5, nonRetryableErrorTypes: OPENSTACK_NON_RETRYABLE },
});

/** One image-catalog sync at a time: every sync (the API's, the catalog watch's) runs under this workflow id. */
export const SYNC_OS_WORKFLOW_ID = 'pool-sync-os';

export interface SyncOsResult {
  catalog: CatalogSyncResult;
  purge: PurgeResult;
  stoppedRounds: string[];
}

/**
 * Seed 001's sync_os, run after an operator updates images: rebuild the OS → snapshot catalog,
 * and with replenishment paused (the seed stops the pool container so no spare is built from an
 * old image) purge spares built from snapshots that are no longer current, then resume — only the
 * pause this sync made: an operator's pause, from before or during the sync, stands. Kinds whose
 * policy refreshes `rolling` (issue 23) are not purged: a refreshPoolImage workflow per kind, started
 * here and left running after the sync (ABANDON), rolls their new generation in.
 */
export async function syncOsCatalog(): Promise<SyncOsResult> {
  const { workflowId, runId } = workflowInfo();
  const note = `paused by ${workflowId} (run ${runId})`;
  const pausedHere = await pauseReplenishment(note);
  try {
    const stoppedRounds = await stopRunningReplenishRounds();
    const catalog = await syncCatalog();
    const purge = await purgeStaleSpares();
    // Kinds refreshed `rolling` were not purged: a refresh each builds their new generation first.
    if (patched(ROLLING_REFRESH)) for (const kind of purge.rolling ?? []) await startRefresh(kind);
    const result = { catalog, purge, stoppedRounds };
    const startedAt = workflowInfo().startTime.toISOString();
    await recordRound({
      id: `${workflowId}@${startedAt}`, // one workflow id for every sync: the start tells them apart
      startedAt,
      kind: 'sync-os',
      dropped: purge.deleted,
      summary: result,
      finished: true,
    });
    return result;
  } finally {
    // Compensation: replenishment must not stay paused because this sync failed or was cancelled.
    if (pausedHere) await CancellationScope.nonCancellable(() => resumeReplenishment(note));
  }
}

/** Marks the histories of syncs that may start refreshes (issue 23), for replay of the older ones. */
export const ROLLING_REFRESH = 'rolling-refresh';

/** Marks the histories of syncs that tell a running refresh of the catalog change (see startRefresh). */
export const TELL_RUNNING_REFRESH = 'tell-running-refresh';

/** Starts and tells: a refresh that closes between the two is started again, a few times at most. */
const REFRESH_START_TRIES = 3;

/**
 * Starts the kind's refresh. One already running follows the catalog at its next look, and is told of
 * the change, in case it has made its last look and is ending (it then looks again).
 */
async function startRefresh(kind: PoolKind): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      await startChild(refreshPoolImage, {
        workflowId: refreshWorkflowId(kind),
        args: [kind],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      return;
    } catch (err) {
      if (!isAlreadyStarted(err)) throw err;
      if (!patched(TELL_RUNNING_REFRESH)) return;
    }
    try {
      await getExternalWorkflowHandle(refreshWorkflowId(kind)).signal(catalogChangedSignal);
      return;
    } catch (err) {
      if (tries >= REFRESH_START_TRIES) throw err; // it closed before the signal: start it again
    }
  }
}
