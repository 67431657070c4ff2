import { CancellationScope, log, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { KindPlan, ReplenishPlan } from '../pool/plan';
import { canSend, initialAdaptiveState, onCompletion, pollSeconds, type AdaptiveState } from './throttle';
// errors.ts is plain classes and constants, safe inside the workflow sandbox.
import { OPENSTACK_NON_RETRYABLE } from '../openstack/errors';

const { createSpareVolume, loadReplenishPlan, observeVolumes, recordRound } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: OPENSTACK_NON_RETRYABLE },
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
  const skipped = plan.kinds.filter((k) => k.status !== 'ok').map(({ volumeType, osName, status }) => ({ volumeType, osName, status }));
  for (const k of skipped) log.warn('kind skipped', k);
  const slots = interleave(plan.kinds);
  log.info('replenish round', { roundId, toCreate: slots.length, throttle: plan.throttle });
  await recordRound({ id: roundId, startedAt: workflowInfo().startTime.toISOString(), kind: 'replenish', summary: { planned: slots.length, skipped } });

  let result: ReplenishResult = { created: 0, failed: 0, skipped };
  try {
    result = { ...(await createAll(roundId, slots, plan)), skipped };
  } finally {
    // Record the round even when cancelled (sync_os stops rounds): non-cancellable scope.
    await CancellationScope.nonCancellable(() =>
      recordRound({ id: roundId, startedAt: workflowInfo().startTime.toISOString(), kind: 'replenish', created: result.created, failed: result.failed, summary: { planned: slots.length, skipped }, finished: true }));
  }
  return result;
}

async function createAll(roundId: string, slots: KindPlan[], plan: ReplenishPlan): Promise<Omit<ReplenishResult, 'skipped'>> {
  const request = (kind: KindPlan, slot: number) => ({
    name: `spare-${roundId}-${slot}`, volumeType: kind.volumeType, osName: kind.osName, snapshotId: kind.snapshotId!, sizeGb: kind.sizeGb!, target: kind.target,
  });
  if (plan.throttle.mode === 'fixed') {
    let created = 0;
    for (const [slot, kind] of slots.entries()) {
      const result = await createSpareVolume(request(kind, slot));
      if (result.status === 'skipped') continue; // another round filled it: no create, no sleep
      created++;
      // 0 = no throttle: not even a zero timer (Temporal timers resolve to about a second).
      if (slot < slots.length - 1 && plan.throttle.intervalSeconds > 0) await sleep(plan.throttle.intervalSeconds * 1000);
    }
    return { created, failed: 0 };
  }
  let state: AdaptiveState = initialAdaptiveState();
  let inFlight: string[] = [];
  let failed = 0;
  let created = 0;
  for (let slot = 0; slot < slots.length; ) {
    if (canSend(state, inFlight.length)) {
      const result = await createSpareVolume(request(slots[slot]!, slot));
      if (result.status !== 'skipped') created++;
      if (result.status === 'creating') inFlight.push(result.volumeId);
      slot++;
      continue;
    }
    await sleep(pollSeconds(state) * 1000);
    for (const seen of await observeVolumes(inFlight)) {
      if (seen.status === 'creating') continue;
      inFlight = inFlight.filter((id) => id !== seen.volumeId);
      const ok = seen.status === 'available';
      if (!ok) failed++;
      state = onCompletion(state, ok && seen.durationMs !== undefined && seen.finishedAtMs !== undefined
        ? { status: 'available', durationMs: seen.durationMs, finishedAtMs: seen.finishedAtMs }
        : { status: 'failed' });
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

