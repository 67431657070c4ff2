// What a failed build's tenant reads (workflows/servers/create-server.ts describeFailure, tenantReport): a
// stable code by the failure's type, never the cloud's words. A build its delete cancelled is
// `build_deleted`, not `internal` (issue 20 review, finding 2).
import { ActivityFailure, ApplicationFailure, CancelledFailure, RetryState } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { describeFailure, tenantReport } from '../../workflows/servers/create-server';

/** How a failed activity reaches the workflow: an ActivityFailure whose cause is the activity's error. */
const fromActivity = (cause: Error) =>
  new ActivityFailure('activity failed', 'bootServer', '7', RetryState.NON_RETRYABLE_FAILURE, undefined, cause);

describe('describeFailure', () => {
  it('a cancellation (the build deleted while it ran) is build_deleted', () => {
    for (const err of [
      new CancelledFailure('Workflow cancelled'),
      fromActivity(new CancelledFailure('Activity cancelled')),
      ApplicationFailure.create({ type: 'CancelledFailure', message: 'cancelled' }),
    ]) {
      const failure = describeFailure(err);
      expect(failure.code, err.message).toBe('build_deleted');
      expect(failure.reason).toBe('build_deleted: the build was deleted before it ended');
    }
  });

  it("names the failure's type with a stable sentence; the cloud's words stay in the detail", () => {
    const refused = ApplicationFailure.create({
      type: 'BadRequestError',
      message: 'compute POST http://10.0.0.5:8774/v2.1/servers → 400: admin project 4f1c…',
    });
    const failure = describeFailure(fromActivity(refused));
    expect(failure).toEqual({
      code: 'cloud_refused',
      reason: 'cloud_refused: the cloud refused a request of the build',
      detail: refused.message,
    });
    expect(describeFailure(ApplicationFailure.create({ type: 'BuildUndone' })).code).toBe('build_deleted');
    expect(describeFailure(new Error('a bug')).reason).toBe('internal: the build failed');
  });
});

describe('tenantReport', () => {
  it("keeps what each undo did, without a failed undo's cause", () => {
    expect(tenantReport({ systemDisk: 'returned to the pool', ip: 'failed: neutron 500 at http://x' })).toEqual({
      systemDisk: 'returned to the pool',
      ip: 'failed (the operator is told why)',
    });
  });
});
