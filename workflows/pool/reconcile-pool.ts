import { proxyActivities, workflowInfo, log } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { ReconcileSummary } from '../../pool/reconcile';
import { OPENSTACK_NON_RETRYABLE } from '../../openstack/errors';

const { reconcileSpareVolumes, recordRound } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  // The long passes heartbeat (activities/pool/pool.ts): a pass whose worker died is retried after this.
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 5, nonRetryableErrorTypes: OPENSTACK_NON_RETRYABLE },
});

/** Seed 001's check_volume_state + seed 000's sync: align the pool table with Cinder. */
export async function reconcilePool(): Promise<ReconcileSummary> {
  const roundId = workflowInfo().workflowId;
  const summary = await reconcileSpareVolumes();
  if (summary.promoted || summary.dropped.length)
    log.info('pool reconciled', { promoted: summary.promoted, dropped: summary.dropped });
  await recordRound({
    id: roundId,
    startedAt: workflowInfo().startTime.toISOString(),
    kind: 'reconcile',
    dropped: summary.dropped.length,
    summary,
    finished: true,
  });
  return summary;
}
