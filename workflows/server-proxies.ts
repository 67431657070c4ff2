// How a server build's workflows call their activities: the retry policy of a step, and three
// proxies (ordinary activities, local activities, undos) that createServer and deleteServer share.
import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { OPENSTACK_NON_RETRYABLE } from '../openstack/errors';

const NON_RETRYABLE = [...OPENSTACK_NON_RETRYABLE, 'TenantQuotaExceeded', 'FixedIpUnavailable', 'BuildUndone'];
const STEP_RETRY = {
  initialInterval: '1 second',
  maximumInterval: '20 seconds',
  maximumAttempts: 8,
  nonRetryableErrorTypes: NON_RETRYABLE,
};
// A cancelled build waits for the step in flight to end, so its undo (which looks for what the
// build made) never runs while that step can still make something.
export const act = proxyActivities<Activities>({
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '20 seconds',
  retry: STEP_RETRY,
});
// The steps of a build that run in a moment (a database write, a few API calls, a wait for what
// usually takes seconds) run as local activities: in the worker's workflow task, with no round
// trip through the Temporal server for each (a pool hit is one workflow task). Their waits are
// bounded; what takes longer goes on with durable timers and ordinary activities.
export const local = proxyLocalActivities<Activities>({
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  startToCloseTimeout: '30 seconds',
  retry: STEP_RETRY,
});
// Undo steps must get through: more patience, and they are idempotent.
export const undo = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});
