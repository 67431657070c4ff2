// How a server build's workflows call their activities: the retry policy of a step, and three
// proxies (ordinary activities, local activities, undos) that createServer and deleteServer share.
import {
  ActivityCancellationType,
  CancellationScope,
  CancelledFailure,
  patched,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { OPENSTACK_NON_RETRYABLE } from '../../openstack/errors';

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
const cancellableLocal = proxyLocalActivities<Activities>({
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  startToCloseTimeout: '30 seconds',
  retry: STEP_RETRY,
});
// A build's cancellation (its delete) never reaches a local activity in flight: the step runs to its
// end (each checks the build's fence, which the delete set first, so it makes nothing more), and the
// cancellation takes effect at the build's next step. Cancelling a local activity can trip the SDK's
// local-activity state machine: a cancel that met a boot step's end in a replayed task made every
// later task fail ("[TMPRL1100] Nondeterminism error: Invalid transition in state machine"), the build
// ran for ever and its delete waited on it (the server-crash test's stall, issue 20).
const LOCAL_STEPS_RUN_TO_END = 'local-steps-run-to-end';
export const local = new Proxy(cancellableLocal, {
  get(proxy, name: keyof Activities) {
    const step = proxy[name] as (...args: unknown[]) => Promise<unknown>;
    return (...args: unknown[]) => {
      if (!patched(LOCAL_STEPS_RUN_TO_END)) return step(...args);
      if (CancellationScope.current().consideredCancelled)
        return Promise.reject(new CancelledFailure('the build was cancelled'));
      return CancellationScope.nonCancellable(() => step(...args));
    };
  },
});
// Undo steps must get through: more patience, and they are idempotent.
export const undo = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});
