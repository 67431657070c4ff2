// reapServerBuilds: one pass of the server builds' reaper (servers/trust-reaper), run by its own
// schedule (pool/schedules: every REAPER_INTERVAL_SECONDS, overlap SKIP).
import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { OPENSTACK_NON_RETRYABLE } from '../openstack/errors';
import type { ReapSummary } from '../servers/trust-reaper';

const { reapServerBuildsPass } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 5, nonRetryableErrorTypes: OPENSTACK_NON_RETRYABLE },
});

export async function reapServerBuilds(): Promise<ReapSummary> {
  const summary = await reapServerBuildsPass();
  if (summary.buildsFailed.length || summary.trustsDeleted.length || summary.rowsExpired)
    log.info('server builds reaped', { ...summary });
  return summary;
}
