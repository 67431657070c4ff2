// Preflight as an activity: drills/preflight.ts checks the host; its verdicts become Temporal
// failures the workflow will not retry (DrillRejected: bad input, naming the field;
// DrillHostUnfit: the worker's host cannot run drills). Other errors stay retryable.
import { ApplicationFailure } from '@temporalio/common';
import {
  DrillHostUnfit,
  DrillRejection,
  preflightChecks,
  type PreflightInput,
  type PreparedDrill,
} from '../../drills/preflight';

// runWorker (bin/compose.ts) releases the worker's libvirt lease through this module.
export { releaseDrillDaemons } from '../../drills/preflight';

export const DRILL_REJECTED = 'DrillRejected';

export async function preflightDrill(workRoot: string, input: PreflightInput): Promise<PreparedDrill> {
  try {
    return await preflightChecks(workRoot, input);
  } catch (error) {
    if (error instanceof DrillRejection) {
      const details = [{ field: error.field, message: error.reason }];
      throw ApplicationFailure.create({ type: DRILL_REJECTED, message: error.message, nonRetryable: true, details });
    }
    if (error instanceof DrillHostUnfit) throw ApplicationFailure.nonRetryable(error.message, 'DrillHostUnfit');
    throw error;
  }
}
