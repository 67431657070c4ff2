import { CancellationScope, continueAsNew, log, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { KindPlan, ReplenishPlan } from '../pool/plan';
import type { SpareVolumeRequest } from '../pool/create-spare';
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
import { OPENSTACK_NON_RETRYABLE } from '../openstack/errors';

const { createSpareVolume, loadReplenishPlan, observeVolumes, recordRound } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '1 minute',
    maximumAttempts: 10,
    nonRetryableErrorTypes: OPENSTACK_NON_RETRYABLE,
  },
});

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
  failed: number;
  /** The adaptive throttle's window and the creates still in flight. */
  adaptive?: { state: AdaptiveState; inFlight: InFlight[]; slowestOkMs: number | null };
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

/** Sends this run's share of `slots`, updating `round`; true when slots are left for the next run. */
async function createSome(roundId: string, slots: KindPlan[], plan: ReplenishPlan, round: RoundProgress) {
  const send = async (kind: KindPlan) => {
    const result = await createSpareVolume(request(roundId, kind, round.sent++));
    if (result.status !== 'skipped') round.created++;
    return result;
  };
  if (plan.throttle.mode === 'adaptive') return createAdaptive(slots, plan, round, send);
  for (const [i, kind] of slots.entries()) {
    if (i === CREATES_PER_RUN) return true;
    const result = await send(kind);
    if (result.status === 'skipped') continue; // another round filled it: no create, no sleep
    // 0 = no throttle: not even a zero timer (Temporal timers resolve to about a second).
    const interval = plan.throttle.intervalSeconds;
    if (i < slots.length - 1 && interval > 0) await sleep(interval * 1000);
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
 * The adaptive throttle's round: sends while the window has room, otherwise looks at Cinder.
 * Runs until every slot is sent and every create sent has ended: `available`, failed (`error`,
 * gone), or past its deadline (createDeadlineMs). A create past its deadline counts as failed,
 * shrinks the window like an error, and is left to reconcile: a dead cinder-volume leaves a
 * create `creating` forever, and a round waiting on it would hold the schedule (overlap SKIP).
 * Past its share of creates (or when Temporal suggests it) the run hands its window and the
 * creates in flight to the next run.
 */
async function createAdaptive(
  slots: KindPlan[],
  plan: ReplenishPlan,
  round: RoundProgress,
  send: (kind: KindPlan) => Promise<{ status: string; volumeId?: string }>,
): Promise<boolean> {
  const a = (round.adaptive ??= { state: initialAdaptiveState(), inFlight: [], slowestOkMs: null });
  let sentHere = 0;
  for (let i = 0; i < slots.length || a.inFlight.length > 0;) {
    if (i < slots.length && (sentHere >= CREATES_PER_RUN || workflowInfo().continueAsNewSuggested)) return true;
    if (i < slots.length && canSend(a.state, a.inFlight.length)) {
      const result = await send(slots[i]!);
      if (result.status === 'creating') a.inFlight.push({ volumeId: result.volumeId!, sentAtMs: Date.now() });
      i++;
      sentHere++;
      continue;
    }
    await sleep(pollSeconds(a.state) * 1000);
    for (const seen of await observeVolumes(a.inFlight.map((c) => c.volumeId))) {
      if (seen.status === 'creating') continue;
      a.inFlight = a.inFlight.filter((c) => c.volumeId !== seen.volumeId);
      if (seen.status !== 'available') round.failed++;
      // An `available` without Cinder's timestamps teaches the window nothing but caution.
      const { status, durationMs, finishedAtMs } = seen;
      const done: Completion =
        status === 'available' && durationMs !== undefined && finishedAtMs !== undefined
          ? { status, durationMs, finishedAtMs }
          : { status: 'failed' };
      if (done.status === 'available') a.slowestOkMs = Math.max(a.slowestOkMs ?? 0, done.durationMs);
      a.state = onCompletion(a.state, done);
    }
    const deadlineMs = createDeadlineMs(plan.throttle.createDeadlineSeconds, a.slowestOkMs);
    const now = Date.now();
    for (const late of a.inFlight.filter((c) => now - c.sentAtMs >= deadlineMs)) {
      log.warn('create past its deadline: counted failed, left to reconcile', { volumeId: late.volumeId, deadlineMs });
      a.inFlight = a.inFlight.filter((c) => c !== late);
      round.failed++;
      a.state = onCompletion(a.state, { status: 'failed' });
    }
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
