import { CancellationScope, log, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
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

export interface ReplenishResult {
  created: number;
  failed: number;
  skipped: { volumeType: string; osName: string; status: string }[];
}

/**
 * One round of seed 001's backup_volume: read the policy and the pool, then create the missing
 * spares one by one, throttled by durable timers (fixed interval or adaptive window).
 */
export async function replenishPool(): Promise<ReplenishResult> {
  const roundId = workflowInfo().workflowId;
  const plan = await loadReplenishPlan();
  const skipped = plan.kinds
    .filter((k) => k.status !== 'ok')
    .map(({ volumeType, osName, status }) => ({ volumeType, osName, status }));
  for (const k of skipped) log.warn('kind skipped', k);
  const slots = interleave(plan.kinds);
  log.info('replenish round', { roundId, toCreate: slots.length, throttle: plan.throttle });
  const round = { id: roundId, startedAt: workflowInfo().startTime.toISOString(), kind: 'replenish' as const };
  await recordRound({ ...round, summary: { planned: slots.length, skipped } });

  let result: ReplenishResult = { created: 0, failed: 0, skipped };
  try {
    result = { ...(await createAll(roundId, slots, plan)), skipped };
  } finally {
    // Record the round even when cancelled (sync_os stops rounds): non-cancellable scope.
    await CancellationScope.nonCancellable(() =>
      recordRound({
        ...round,
        created: result.created,
        failed: result.failed,
        summary: { planned: slots.length, skipped },
        finished: true,
      }),
    );
  }
  return result;
}

type Created = Omit<ReplenishResult, 'skipped'>;

async function createAll(roundId: string, slots: KindPlan[], plan: ReplenishPlan): Promise<Created> {
  const request = (kind: KindPlan, slot: number): SpareVolumeRequest => ({
    name: `spare-${roundId}-${slot}`,
    volumeType: kind.volumeType,
    osName: kind.osName,
    snapshotId: kind.snapshotId!,
    sizeGb: kind.sizeGb!,
    target: kind.target,
  });
  if (plan.throttle.mode === 'fixed') {
    let created = 0;
    for (const [slot, kind] of slots.entries()) {
      const result = await createSpareVolume(request(kind, slot));
      if (result.status === 'skipped') continue; // another round filled it: no create, no sleep
      created++;
      // 0 = no throttle: not even a zero timer (Temporal timers resolve to about a second).
      const interval = plan.throttle.intervalSeconds;
      if (slot < slots.length - 1 && interval > 0) await sleep(interval * 1000);
    }
    return { created, failed: 0 };
  }
  return createAdaptive(slots, plan, request);
}

/** A create the round has sent and not yet seen end; `sentAtMs` is workflow time (deterministic). */
interface InFlight {
  volumeId: string;
  sentAtMs: number;
}

/**
 * The adaptive throttle's round: sends while the window has room, otherwise looks at Cinder.
 * Runs until every slot is sent and every create sent has ended: `available`, failed (`error`,
 * gone), or past its deadline (createDeadlineMs). A create past its deadline counts as failed,
 * shrinks the window like an error, and is left to reconcile: a dead cinder-volume leaves a
 * create `creating` forever, and a round waiting on it would hold the schedule (overlap SKIP).
 */
async function createAdaptive(
  slots: KindPlan[],
  plan: ReplenishPlan,
  request: (kind: KindPlan, slot: number) => SpareVolumeRequest,
): Promise<Created> {
  let state: AdaptiveState = initialAdaptiveState();
  let inFlight: InFlight[] = [];
  let slowestOkMs: number | null = null;
  let failed = 0;
  let created = 0;
  for (let slot = 0; slot < slots.length || inFlight.length > 0;) {
    if (slot < slots.length && canSend(state, inFlight.length)) {
      const result = await createSpareVolume(request(slots[slot]!, slot));
      if (result.status !== 'skipped') created++;
      if (result.status === 'creating') inFlight.push({ volumeId: result.volumeId, sentAtMs: Date.now() });
      slot++;
      continue;
    }
    await sleep(pollSeconds(state) * 1000);
    for (const seen of await observeVolumes(inFlight.map((c) => c.volumeId))) {
      if (seen.status === 'creating') continue;
      inFlight = inFlight.filter((c) => c.volumeId !== seen.volumeId);
      if (seen.status !== 'available') failed++;
      // An `available` without Cinder's timestamps teaches the window nothing but caution.
      const { status, durationMs, finishedAtMs } = seen;
      const done: Completion =
        status === 'available' && durationMs !== undefined && finishedAtMs !== undefined
          ? { status, durationMs, finishedAtMs }
          : { status: 'failed' };
      if (done.status === 'available') slowestOkMs = Math.max(slowestOkMs ?? 0, done.durationMs);
      state = onCompletion(state, done);
    }
    const deadlineMs = createDeadlineMs(plan.throttle.createDeadlineSeconds, slowestOkMs);
    const now = Date.now();
    for (const late of inFlight.filter((c) => now - c.sentAtMs >= deadlineMs)) {
      log.warn('create past its deadline: counted failed, left to reconcile', { volumeId: late.volumeId, deadlineMs });
      inFlight = inFlight.filter((c) => c !== late);
      failed++;
      state = onCompletion(state, { status: 'failed' });
    }
  }
  return { created, failed };
}

/** Round-robin over kinds, so every (type, OS) gets its first spare before any gets a second. */
export function interleave(kinds: KindPlan[]): KindPlan[] {
  const out: KindPlan[] = [];
  const most = Math.max(0, ...kinds.map((k) => k.missing));
  for (let i = 0; i < most; i++) for (const k of kinds) if (i < k.missing) out.push(k);
  return out;
}
