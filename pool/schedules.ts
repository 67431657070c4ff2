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
import { reapServerBuilds } from '../workflows/servers/reap-server-builds';
import { reconcilePool } from '../workflows/pool/reconcile-pool';
import { replenishPool } from '../workflows/pool/replenish-pool';
import { watchCatalog } from '../workflows/pool/watch-catalog';

export const REPLENISH_SCHEDULE = 'pool-replenish';
export const RECONCILE_SCHEDULE = 'pool-reconcile';
/** The catalog watch (workflows/pool/watch-catalog), when catalogSyncIntervalSeconds is set. */
export const CATALOG_SYNC_SCHEDULE = 'pool-catalog-sync';
/** The server builds' reaper (servers/trust-reaper), at its own interval, set up with the pool's. */
export const SERVER_REAPER_SCHEDULE = 'server-reaper';
export const SERVER_REAPER_SECONDS = 60;

export interface PoolScheduleIntervals {
  replenishSeconds: number;
  reconcileSeconds: number;
  /** null or absent: no catalog watch (its schedule is deleted if it exists). */
  catalogSyncSeconds?: number | null;
}

function definition(
  scheduleId: string,
  workflowType: typeof replenishPool | typeof reconcilePool | typeof reapServerBuilds | typeof watchCatalog,
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
  definition(SERVER_REAPER_SCHEDULE, reapServerBuilds, SERVER_REAPER_SECONDS, taskQueue),
  ...(intervals.catalogSyncSeconds
    ? [definition(CATALOG_SYNC_SCHEDULE, watchCatalog, intervals.catalogSyncSeconds, taskQueue)]
    : []),
];

/** Creates the schedules, or updates their interval and task queue when they exist. Idempotent. */
export async function ensurePoolSchedules(
  client: Client,
  taskQueue: string,
  intervals: PoolScheduleIntervals,
): Promise<void> {
  if (!intervals.catalogSyncSeconds)
    await ifScheduleExists(() => client.schedule.getHandle(CATALOG_SYNC_SCHEDULE).delete());
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

/**
 * Starts a round of `kind` now. Under the schedule's own overlap policy (SKIP): a round asked for
 * while one runs is skipped, as a scheduled one would be (the SDK's trigger() alone allows overlaps).
 */
export async function triggerRound(client: Client, kind: 'replenish' | 'reconcile'): Promise<void> {
  const id = kind === 'replenish' ? REPLENISH_SCHEDULE : RECONCILE_SCHEDULE;
  await client.schedule.getHandle(id).trigger(ScheduleOverlapPolicy.SKIP);
}

/** A replenish round now unless an operator paused replenishment; true when one was asked for. */
export async function replenishNowUnlessPaused(client: Client): Promise<boolean> {
  const { state } = await client.schedule.getHandle(REPLENISH_SCHEDULE).describe();
  if (state.paused) return false;
  await triggerRound(client, 'replenish');
  return true;
}

export { SYNC_OS_WORKFLOW_ID } from '../workflows/pool/sync-os-catalog';

/**
 * Pauses the replenish schedule with `note`, unless it is paused already. True when the pause is
 * this caller's to undo: made now, or found carrying the same note (a retried activity). False when
 * there is no schedule yet, or someone else (an operator) paused it: then nothing is to be resumed.
 */
export async function pauseReplenishment(client: Client, note: string): Promise<boolean> {
  const handle = client.schedule.getHandle(REPLENISH_SCHEDULE);
  let mine = false;
  await ifScheduleExists(async () => {
    const { state } = await handle.describe();
    if (state.paused) {
      mine = state.note === note;
      return;
    }
    await handle.pause(note);
    mine = true;
  });
  return mine;
}

/**
 * Undoes a pause made by pauseReplenishment with the same note; a schedule paused by someone else
 * meanwhile (its note replaced) or already resumed is left as it is. True when it resumed.
 * (Describe-then-unpause: Temporal's pause and unpause take no conflict token.)
 */
export async function resumeReplenishment(client: Client, pauseNote: string): Promise<boolean> {
  const handle = client.schedule.getHandle(REPLENISH_SCHEDULE);
  let resumed = false;
  await ifScheduleExists(async () => {
    const { state } = await handle.describe();
    if (!state.paused || state.note !== pauseNote) return;
    await handle.unpause(`resumed: end of "${pauseNote}"`);
    resumed = true;
  });
  return resumed;
}

/** Runs `action` on a schedule; false when the schedule does not exist (yet). */
export async function ifScheduleExists(action: () => Promise<unknown>): Promise<boolean> {
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
