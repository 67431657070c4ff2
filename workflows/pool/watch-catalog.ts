import { executeChild, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { OPENSTACK_NON_RETRYABLE } from '../../openstack/errors';
import { isAlreadyStarted } from './already-started';
import { SYNC_OS_WORKFLOW_ID, syncOsCatalog, type SyncOsResult } from './sync-os-catalog';

const { catalogChanges } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: OPENSTACK_NON_RETRYABLE },
});

export interface CatalogWatchResult {
  /** Kinds whose snapshot Cinder's list no longer matches the catalog (replaced, gone, new). */
  changed: string[];
  /** `none`: nothing changed; `synced`: this watch ran the sync; `running`: a sync was already under way. */
  sync: 'none' | 'synced' | 'running';
  result?: SyncOsResult;
}

/**
 * Issue 23's catalog watch, run by the `pool-catalog-sync` schedule (catalogSyncIntervalSeconds): a
 * cheap look at Cinder's snapshots against the catalog; only when a kind's snapshot changed does it
 * run the sync (seed 001's sync_os, which starts the rolling refreshes), under the one workflow id
 * every sync has, so it never runs beside an operator's.
 */
export async function watchCatalog(): Promise<CatalogWatchResult> {
  const changed = await catalogChanges();
  if (changed.length === 0) return { changed, sync: 'none' };
  try {
    const result = await executeChild(syncOsCatalog, { workflowId: SYNC_OS_WORKFLOW_ID });
    return { changed, sync: 'synced', result };
  } catch (err) {
    if (!isAlreadyStarted(err)) throw err;
    return { changed, sync: 'running' };
  }
}
