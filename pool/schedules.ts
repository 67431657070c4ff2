// The pool's two Temporal Schedules: replenish and reconcile (seed 000/001's cron, with
// overlap policy SKIP: a round due while the previous one still runs is skipped). Used by the
// worker's bootstrap, the API (settings, pause/resume/trigger) and syncOsCatalog (pause while
// the image catalog changes).
import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowNotFoundError,
  type Client,
  type ScheduleOptions,
} from '@temporalio/client';
import { reconcilePool, replenishPool } from '../workflows';

export const REPLENISH_SCHEDULE = 'pool-replenish';
export const RECONCILE_SCHEDULE = 'pool-reconcile';

export interface PoolScheduleIntervals {
  replenishSeconds: number;
  reconcileSeconds: number;
}

function definition(
  scheduleId: string,
  workflowType: typeof replenishPool | typeof reconcilePool,
  every: number,
  taskQueue: string,
): ScheduleOptions {
  return {
    scheduleId,
    spec: { intervals: [{ every: `${every}s` }] },
    action: { type: 'startWorkflow', workflowType, workflowId: scheduleId, taskQueue },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
  };
}

const definitions = (taskQueue: string, intervals: PoolScheduleIntervals) => [
  definition(REPLENISH_SCHEDULE, replenishPool, intervals.replenishSeconds, taskQueue),
  definition(RECONCILE_SCHEDULE, reconcilePool, intervals.reconcileSeconds, taskQueue),
];

/** Creates the schedules, or updates their interval and task queue when they exist. Idempotent. */
export async function ensurePoolSchedules(
  client: Client,
  taskQueue: string,
  intervals: PoolScheduleIntervals,
): Promise<void> {
  for (const def of definitions(taskQueue, intervals)) {
    const handle = client.schedule.getHandle(def.scheduleId);
    try {
      await handle.update((previous) => ({
        ...previous,
        spec: def.spec,
        action: def.action,
        policies: { ...previous.policies, ...def.policies },
      }));
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      await client.schedule.create(def);
    }
  }
}

/** Pauses the replenish schedule; false when there is none yet (nothing to pause). */
export async function pauseReplenishment(client: Client, note: string): Promise<boolean> {
  return ifScheduleExists(() => client.schedule.getHandle(REPLENISH_SCHEDULE).pause(note));
}

export async function resumeReplenishment(client: Client, note: string): Promise<boolean> {
  return ifScheduleExists(() => client.schedule.getHandle(REPLENISH_SCHEDULE).unpause(note));
}

async function ifScheduleExists(action: () => Promise<unknown>): Promise<boolean> {
  try {
    await action();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

/** Cancels replenish rounds still running and waits until they have closed. */
export async function stopRunningReplenishRounds(client: Client): Promise<string[]> {
  let ids: string[] = [];
  await ifScheduleExists(async () => {
    const { info } = await client.schedule.getHandle(REPLENISH_SCHEDULE).describe();
    ids = info.runningActions.map((a) => a.workflow.workflowId);
  });
  for (const id of ids) {
    const handle = client.workflow.getHandle(id);
    try {
      await handle.cancel();
      await handle.result().catch(() => undefined);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return ids;
}
