import {
  type ActivityOptions,
  ActivityFailure,
  CancellationScope,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { KindPlan } from '../../pool/kinds';
import type { ReplenishPlan } from '../../pool/plan';
import type { SpareVolumeRequest } from '../../pool/create-spare';
import {
  canSend,
  createDeadlineMs,
  initialAdaptiveState,
  onCompletion,
  pollSeconds,
  type AdaptiveState,
  type Completion,
} from './throttle';
// errors.ts is plain classes and constants, safe inside the workflow sandbox.
import { OPENSTACK_NON_RETRYABLE } from '../../openstack/errors';

/** The creates' activity options, the rolling refresh's too (refresh-pool-image.ts). */
export const CREATE_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    // A quota refusal (cinder's 413) fails its create at once: counted failed, as any refusal.
    nonRetryableErrorTypes: [...OPENSTACK_NON_RETRYABLE, 'QuotaExceededError'],
  },
};

const { createSpareVolume, loadReplenishPlan, observeVolumes, recordRound } =
  proxyActivities<Activities>(CREATE_ACTIVITY_OPTIONS);

/**
 * Creates one workflow run sends before the round continues as new: about ten history events each,
 * so a run stays under 3,000 events however many spares the round needs (Temporal ends a run at 50,000).
 */
export const CREATES_PER_RUN = 200;

export interface ReplenishResult {
  created: number;
  failed: number;
  skipped: { volumeType: string; osName: string; status: string }[];
}

/** Creates refused in a row (Cinder down, over quota) after which the round stops sending: the next round retries. */
export const REFUSALS_TO_STOP = 3;

/** A create the round has sent and not yet seen end; `sentAtMs` is workflow time (deterministic). */
interface InFlight {
  volumeId: string;
  sentAtMs: number;
}

/** The round so far: what a run hands the next one when it continues as new. */
export interface RoundProgress {
  /** The round's first start (ISO): a continued run has a start of its own. */
  startedAt: string;
  planned: number;
  /** Slots used so far: numbering goes on across runs, so every create keeps a name of its own. */
  sent: number;
  created: number;
  /** Creates Cinder refused, that ended in `error` or missing, or were past their deadline. */
  failed: number;
  /** Creates sent and not yet seen end (both modes), and the slowest create seen succeed. */
  inFlight?: InFlight[];
  slowestOkMs?: number | null;
  /** The adaptive throttle's window. */
  adaptive?: { state: AdaptiveState };
}

/**
 * One round of seed 001's backup_volume: read the policy and the pool, then create the missing
 * spares one by one, throttled by durable timers (fixed interval or adaptive window). A round that
 * needs more than CREATES_PER_RUN creates continues as new with its progress and throttle state.
 */
export async function replenishPool(carried?: RoundProgress): Promise<ReplenishResult> {
  const roundId = workflowInfo().workflowId;
  const plan = await loadReplenishPlan();
  const skipped = plan.kinds
    .filter((k) => k.status !== 'ok')
    .map(({ volumeType, osName, status }) => ({ volumeType, osName, status }));
  // A continued run plans again: what earlier runs created counts as `have` now.
  const slots = interleave(plan.kinds);
  const round: RoundProgress = carried ?? {
    startedAt: workflowInfo().startTime.toISOString(),
    planned: slots.length,
    sent: 0,
    created: 0,
    failed: 0,
  };
  const record = (finished: boolean) =>
    recordRound({
      id: roundId,
      startedAt: round.startedAt,
      kind: 'replenish',
      created: round.created,
      failed: round.failed,
      summary: { planned: round.planned, sent: round.sent, skipped },
      finished,
    });
  if (!carried) {
    for (const k of skipped) log.warn('kind skipped', k);
    log.info('replenish round', { roundId, toCreate: slots.length, throttle: plan.throttle });
    await record(false);
  }

  let more = false;
  try {
    more = await createSome(roundId, slots.slice(0, round.planned - round.sent), plan, round);
  } catch (err) {
    // Record the round even when cancelled (sync_os stops rounds): non-cancellable scope.
    await CancellationScope.nonCancellable(() => record(true));
    throw err;
  }
  if (more) {
    await record(false);
    return continueAsNew<typeof replenishPool>(round);
  }
  await record(true);
  return { created: round.created, failed: round.failed, skipped };
}

type SendResult = { status: string; volumeId?: string };

/**
 * Sends this run's share of `slots`, updating `round`; true when slots are left for the next run.
 * Either mode then waits for its creates in flight (each until its deadline), so `failed` counts
 * creates that end in `error` as well as the ones Cinder refuses.
 */
async function createSome(roundId: string, slots: KindPlan[], plan: ReplenishPlan, round: RoundProgress) {
  round.inFlight ??= [];
  let refusedInARow = 0;
  const send = async (kind: KindPlan): Promise<SendResult> => {
    const slot = round.sent++;
    try {
      const result = await createSpareVolume(request(roundId, kind, slot));
      refusedInARow = 0;
      if (result.status === 'skipped') return result;
      round.created++;
      if (result.status === 'creating') round.inFlight!.push({ volumeId: result.volumeId, sentAtMs: Date.now() });
      else if (result.status === 'error') round.failed++;
      return result;
    } catch (err) {
      // A refusal (over quota, Cinder down past the retries) fails this create, not the round.
      if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
      log.warn('create refused: counted failed', { slot, error: err.cause?.message });
      round.failed++;
      refusedInARow++;
      return { status: 'refused' };
    }
  };
  const stop = () => refusedInARow >= REFUSALS_TO_STOP;
  const more =
    plan.throttle.mode === 'adaptive'
      ? await createAdaptive(slots, plan, round, send, stop)
      : await createFixed(slots, plan, round, send, stop);
  if (stop()) log.warn('creates refused in a row: the round stops sending', { refused: REFUSALS_TO_STOP });
  if (more && !stop()) return true;
  while (round.inFlight.length > 0) {
    await sleep(pollSeconds(round.adaptive?.state ?? initialAdaptiveState()) * 1000);
    await look(plan, round);
  }
  return false;
}

/** Seed 001's remedy: one create, then a durable sleep of the interval, looking at Cinder after it. */
async function createFixed(
  slots: KindPlan[],
  plan: ReplenishPlan,
  round: RoundProgress,
  send: (kind: KindPlan) => Promise<SendResult>,
  stop: () => boolean,
): Promise<boolean> {
  const interval = plan.throttle.intervalSeconds;
  for (const [i, kind] of slots.entries()) {
    if (i === CREATES_PER_RUN) return true;
    if (stop()) return false;
    const result = await send(kind);
    if (result.status === 'skipped') continue; // another round filled it: no create, no sleep
    // 0 = no throttle: not even a zero timer (Temporal timers resolve to about a second).
    if (i < slots.length - 1 && interval > 0) {
      await sleep(interval * 1000);
      await look(plan, round);
    }
  }
  return false;
}

function request(roundId: string, kind: KindPlan, slot: number): SpareVolumeRequest {
  return {
    name: `spare-${roundId}-${slot}`,
    volumeType: kind.volumeType,
    osName: kind.osName,
    snapshotId: kind.snapshotId!,
    sizeGb: kind.sizeGb!,
    target: kind.target,
  };
}

/**
 * Looks at the creates in flight: one Cinder finished leaves the set (failed unless `available`),
 * and so does one past its deadline (createDeadlineMs), counted failed and left to reconcile: a
 * dead cinder-volume leaves a create `creating` forever, and a round waiting on it would hold the
 * schedule (overlap SKIP). What ended teaches the adaptive window, when there is one.
 */
async function look(plan: ReplenishPlan, round: RoundProgress): Promise<void> {
  const inFlight = round.inFlight!;
  if (inFlight.length === 0) return;
  const ended: Completion[] = [];
  for (const seen of await observeVolumes(inFlight.map((c) => c.volumeId))) {
    if (seen.status === 'creating') continue;
    round.inFlight = round.inFlight!.filter((c) => c.volumeId !== seen.volumeId);
    if (seen.status !== 'available') round.failed++;
    // An `available` without Cinder's timestamps teaches the window nothing but caution.
    const { status, durationMs, finishedAtMs } = seen;
    const done: Completion =
      status === 'available' && durationMs !== undefined && finishedAtMs !== undefined
        ? { status, durationMs, finishedAtMs }
        : { status: 'failed' };
    if (done.status === 'available') round.slowestOkMs = Math.max(round.slowestOkMs ?? 0, done.durationMs);
    ended.push(done);
  }
  const deadlineMs = createDeadlineMs(plan.throttle.createDeadlineSeconds, round.slowestOkMs ?? null);
  const now = Date.now();
  for (const late of round.inFlight!.filter((c) => now - c.sentAtMs >= deadlineMs)) {
    log.warn('create past its deadline: counted failed, left to reconcile', { volumeId: late.volumeId, deadlineMs });
    round.inFlight = round.inFlight!.filter((c) => c !== late);
    round.failed++;
    ended.push({ status: 'failed' });
  }
  if (round.adaptive) for (const done of ended) round.adaptive.state = onCompletion(round.adaptive.state, done);
}

/**
 * The adaptive throttle's round: sends while the window has room, otherwise looks at Cinder.
 * Past its share of creates (or when Temporal suggests it) the run hands its window and the
 * creates in flight to the next run.
 */
async function createAdaptive(
  slots: KindPlan[],
  plan: ReplenishPlan,
  round: RoundProgress,
  send: (kind: KindPlan) => Promise<SendResult>,
  stop: () => boolean,
): Promise<boolean> {
  const a = (round.adaptive ??= { state: initialAdaptiveState() });
  let sentHere = 0;
  for (let i = 0; i < slots.length && !stop();) {
    if (sentHere >= CREATES_PER_RUN || workflowInfo().continueAsNewSuggested) return true;
    if (canSend(a.state, round.inFlight!.length)) {
      const result = await send(slots[i]!);
      if (result.status === 'refused') a.state = onCompletion(a.state, { status: 'failed' });
      i++;
      sentHere++;
      continue;
    }
    await sleep(pollSeconds(a.state) * 1000);
    await look(plan, round);
  }
  return false;
}

/** Round-robin over kinds, so every (type, OS) gets its first spare before any gets a second. */
export function interleave(kinds: KindPlan[]): KindPlan[] {
  const out: KindPlan[] = [];
  const most = Math.max(0, ...kinds.map((k) => k.missing));
  for (let i = 0; i < most; i++) for (const k of kinds) if (i < k.missing) out.push(k);
  return out;
}
