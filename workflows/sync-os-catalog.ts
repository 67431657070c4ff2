import { CancellationScope, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CatalogSyncResult, PurgeResult } from '../pool/catalog';
import { OPENSTACK_NON_RETRYABLE } from '../openstack/errors';

const {
  pauseReplenishment,
  purgeStaleSpares,
  recordRound,
  resumeReplenishment,
  stopRunningReplenishRounds,
  syncCatalog,
} = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 5, nonRetryableErrorTypes: OPENSTACK_NON_RETRYABLE },
});

export interface SyncOsResult {
  catalog: CatalogSyncResult;
  purge: PurgeResult;
  stoppedRounds: string[];
}

/**
 * Seed 001's sync_os, run after an operator updates images: rebuild the OS → snapshot catalog,
 * and with replenishment paused (the seed stops the pool container so no spare is built from an
 * old image) purge spares built from snapshots that are no longer current, then resume.
 */
export async function syncOsCatalog(): Promise<SyncOsResult> {
  const note = `paused by ${workflowInfo().workflowId}`;
  await pauseReplenishment(note);
  try {
    const stoppedRounds = await stopRunningReplenishRounds();
    const catalog = await syncCatalog();
    const purge = await purgeStaleSpares();
    const result = { catalog, purge, stoppedRounds };
    await recordRound({
      id: workflowInfo().workflowId,
      startedAt: workflowInfo().startTime.toISOString(),
      kind: 'sync-os',
      dropped: purge.deleted,
      summary: result,
      finished: true,
    });
    return result;
  } finally {
    // Compensation: replenishment must not stay paused because this sync failed or was cancelled.
    await CancellationScope.nonCancellable(() => resumeReplenishment(`resumed by ${workflowInfo().workflowId}`));
  }
}
