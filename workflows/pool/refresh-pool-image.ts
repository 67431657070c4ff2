import {
  CancellationScope,
  condition,
  continueAsNew,
  defineSignal,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { PoolKind } from '../../pool/kinds';
import type { RefreshLook } from '../../pool/refresh';
import { CREATE_ACTIVITY_OPTIONS } from './replenish-pool';
import { createDeadlineMs } from './throttle';

const { createSpareVolume, lookAtRefresh, recordRefresh, recordRound, retireOldSpare, rollBackRefresh } =
  proxyActivities<Activities>(CREATE_ACTIVITY_OPTIONS);

/**
 * New-generation creates ending in `error` after which a refresh rolls back: a broken snapshot fails
 * every create, while one flaky create should not stop the refresh.
 */
export const ROLLBACK_AFTER_ERRORS = 3;

/** Steps one run takes before it continues as new (each about a dozen history events). */
export const STEPS_PER_RUN = 200;

/** The one refresh of a kind: its workflow id names the kind (a second start for it finds this one). */
export const refreshWorkflowId = (k: PoolKind) => `pool-refresh-${k.volumeType}-${k.osName}`;

/** New-generation spares a refresh may hold beyond the target (EC2's MaxHealthyPercentage > 100): a quarter, ≥ 1. */
export const surgeOf = (target: number) => Math.max(1, Math.ceil(target / 4));

/** The fewest available spares the refresh keeps: minHealthyPercent of the target, rounded up. */
export const floorOf = (target: number, minHealthyPercent: number) => Math.ceil((target * minHealthyPercent) / 100);

/** An operator's pause: the refresh builds and retires nothing until resumed (EC2: a suspended refresh). */
export const pauseRefreshSignal = defineSignal('pauseRefresh');
export const resumeRefreshSignal = defineSignal('resumeRefresh');
/**
 * A catalog sync found this refresh running (its start refused): the refresh follows the catalog at
 * each look anyway, but one that has made its last look and is ending would not; told, it looks again.
 */
export const catalogChangedSignal = defineSignal('catalogChanged');

export interface RefreshProgress {
  startedAt: string;
  snapshotId: string;
  slot: number;
  created: number;
  retired: number;
  errored: number;
  /** Workflow time (ms) of the last change in the kind's generations: a refresh without progress gives up. */
  progressAtMs: number;
  /** Paused by an operator (carried across continue-as-new). */
  paused?: boolean;
  /** A sync told it the catalog changed since its last look (catalogChangedSignal). */
  lookAgain?: boolean;
}

export interface RefreshResult {
  state: 'done' | 'rolled_back' | 'cancelled';
  reason?: string;
  snapshotId: string | null;
  created: number;
  retired: number;
  errored: number;
}

/**
 * Issue 23's rolling image refresh of one kind: builds spares of the catalog's snapshot through the
 * replenish create path (the same idempotent, per-kind-locked create, paced by the fixed interval),
 * retires older ones only while the kind keeps `floorOf(target, minHealthyPercent)` available, and
 * ends when no older spare is left. It rolls back (older spares keep serving) after
 * ROLLBACK_AFTER_ERRORS failed creates, or when nothing has changed for the create deadline.
 */
export async function refreshPoolImage(kind: PoolKind, carried?: RefreshProgress): Promise<RefreshResult> {
  const begun: { p?: RefreshProgress } = { p: carried };
  try {
    return await refresh(kind, begun);
  } catch (err) {
    // An operator's cancel: the refresh stops where it is; both generations stay and serve. Also one
    // that came before the refresh had looked or recorded itself running: it ends recorded all the same.
    if (!isCancellation(err)) throw err;
    return CancellationScope.nonCancellable(async () => {
      const reason = 'cancelled by an operator';
      if (begun.p) return end(kind, begun.p, 'cancelled', reason);
      const look = await lookAtRefresh(kind);
      const p = progressOf(look);
      return p ? end(kind, p, 'cancelled', reason) : { state: 'cancelled', reason, ...none(look) };
    });
  }
}

/** The refresh from its first look (a new one) or its carried progress; `begun.p` once it has one. */
async function refresh(kind: PoolKind, begun: { p?: RefreshProgress }): Promise<RefreshResult> {
  const { workflowId } = workflowInfo();
  const look = await lookAtRefresh(kind);
  if (!look.snapshotId) return { state: 'done', reason: 'the catalog has no snapshot for it', ...none(look) };
  const carried = begun.p !== undefined;
  const p = (begun.p ??= progressOf(look)!);
  if (!carried) {
    log.info('image refresh', { workflowId, ...kind, snapshotId: look.snapshotId });
    await recordRefresh({ kind, workflowId, snapshotId: look.snapshotId, state: 'running' });
  }
  setHandler(pauseRefreshSignal, () => void (p.paused = true));
  setHandler(resumeRefreshSignal, () => void (p.paused = false));
  setHandler(catalogChangedSignal, () => void (p.lookAgain = true));
  return refreshSteps(kind, p, look);
}

/** A new refresh's progress from its first look (none without a snapshot to refresh to). */
function progressOf(look: RefreshLook): RefreshProgress | undefined {
  if (!look.snapshotId) return undefined;
  const startedAt = workflowInfo().startTime.toISOString();
  return {
    startedAt,
    snapshotId: look.snapshotId,
    slot: 0,
    created: 0,
    retired: 0,
    errored: 0,
    progressAtMs: Date.now(),
  };
}

/** The refresh's steps, from `look`, until it ends or continues as new. */
async function refreshSteps(kind: PoolKind, p: RefreshProgress, look: RefreshLook): Promise<RefreshResult> {
  const { workflowId } = workflowInfo();
  for (let step = 0; step < STEPS_PER_RUN; step++) {
    if (p.paused) look = await pauseHere(kind, p);
    p.errored += look.errored;
    const deadlineMs = createDeadlineMs(look.createDeadlineSeconds, null);
    const reason = !look.snapshotId
      ? 'the catalog has no snapshot for it any more'
      : p.errored >= ROLLBACK_AFTER_ERRORS
        ? `${p.errored} creates from snapshot ${p.snapshotId} ended in error`
        : Date.now() - p.progressAtMs >= deadlineMs
          ? `no progress for ${deadlineMs / 1000} s`
          : undefined;
    if (reason) return endUnlessTold(kind, p, 'rolled_back', reason);
    const fresh = look.fresh.available + look.fresh.creating;
    // Done: no older spare left and the new generation at the target (or all its creates made and
    // ended: claims meanwhile are the replenish rounds' to refill).
    const built = look.fresh.available >= look.target || (look.fresh.creating === 0 && p.created >= look.target);
    if (look.old === 0 && built) return endUnlessTold(kind, p, 'done');
    p.snapshotId = look.snapshotId!; // the catalog may have moved on meanwhile: follow it
    const floor = floorOf(look.target, look.minHealthyPercent);
    while (await retireOldSpare(kind, p.snapshotId, floor)) {
      p.retired++;
      p.progressAtMs = Date.now();
    }
    const surge = surgeOf(look.target);
    if (fresh < look.target && fresh + look.old < look.target + surge) {
      const made = await createSpareVolume({
        name: `spare-${workflowId}-${p.slot++}`,
        ...kind,
        snapshotId: p.snapshotId,
        sizeGb: look.sizeGb!,
        target: look.target + surge,
      });
      if (made.status !== 'skipped') {
        p.created++;
        p.progressAtMs = Date.now();
      }
    }
    // Temporal timers resolve to about a second: the fixed interval, at least that.
    await sleep(Math.max(1, look.intervalSeconds) * 1000);
    const before = look;
    p.lookAgain = false; // what this look sees, it follows
    look = await lookAtRefresh(kind);
    if (look.fresh.available !== before.fresh.available) p.progressAtMs = Date.now();
  }
  return continueAsNew<typeof refreshPoolImage>(kind, p);
}

/** Waits out an operator's pause (recorded as `paused`); the progress deadline starts again after it. */
async function pauseHere(kind: PoolKind, p: RefreshProgress): Promise<RefreshLook> {
  const { workflowId } = workflowInfo();
  log.info('image refresh paused', { workflowId, ...kind });
  await recordRefresh({ kind, workflowId, snapshotId: p.snapshotId, state: 'paused' });
  await condition(() => !p.paused);
  await recordRefresh({ kind, workflowId, snapshotId: p.snapshotId, state: 'running', resumed: true });
  p.progressAtMs = Date.now();
  p.lookAgain = false;
  return lookAtRefresh(kind);
}

/**
 * Ends the refresh, unless a sync told it of a catalog change meanwhile: its last look may predate
 * that change, so a new refresh starts from a new look (the one ending is recorded all the same). A
 * signal that arrives while the workflow completes makes Temporal refuse the completion; the replayed
 * task then sees the signal before this check.
 */
async function endUnlessTold(kind: PoolKind, p: RefreshProgress, state: RefreshResult['state'], reason?: string) {
  const ended = await end(kind, p, state, reason);
  if (!p.lookAgain) return ended;
  log.info('image refresh: the catalog changed as it ended; a new one looks again', { ...kind });
  return continueAsNew<typeof refreshPoolImage>(kind);
}

function none(look: RefreshLook) {
  return { snapshotId: look.snapshotId, created: 0, retired: 0, errored: 0 };
}

async function end(kind: PoolKind, p: RefreshProgress, state: RefreshResult['state'], reason?: string) {
  const { workflowId } = workflowInfo();
  let purged = 0;
  if (state === 'rolled_back') {
    purged = await rollBackRefresh(kind, p.snapshotId);
    log.warn('image refresh rolled back: the older generation keeps serving', { workflowId, ...kind, reason });
  }
  await recordRefresh({ kind, workflowId, snapshotId: p.snapshotId, state, reason });
  const { created, retired, errored, snapshotId } = p;
  await recordRound({
    id: `${workflowId}@${p.startedAt}`,
    startedAt: p.startedAt,
    kind: 'refresh',
    created,
    failed: errored,
    dropped: retired + purged,
    summary: { ...kind, snapshotId, state, reason },
    finished: true,
  });
  return { state, reason, snapshotId, created, retired, errored };
}
