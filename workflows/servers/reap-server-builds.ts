// reapServerBuilds: one pass of the server builds' reaper (servers/trust-reaper), run by its own
// schedule (pool/schedules: every REAPER_INTERVAL_SECONDS, overlap SKIP); it also starts the retries
// of stuck builds (servers/stuck-builds), which run on their own.
import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { OPENSTACK_NON_RETRYABLE } from '../../openstack/errors';
import type { ReapSummary } from '../../servers/trust-reaper';

const { reapServerBuildsPass } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 5, nonRetryableErrorTypes: OPENSTACK_NON_RETRYABLE },
});

export async function reapServerBuilds(): Promise<ReapSummary> {
  const summary = await reapServerBuildsPass();
  const { buildsFailed, trustsDeleted, rowsExpired, stuckMarked, retried, unretryable } = summary;
  if (buildsFailed.length || trustsDeleted.length || rowsExpired || stuckMarked.length || retried.length)
    log.info('server builds reaped', { ...summary });
  if (unretryable.length)
    log.warn('stuck server deletes with no trust to retry them: the tenant may DELETE again', { unretryable });
  return summary;
}
