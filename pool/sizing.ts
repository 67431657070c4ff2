// Issue 23's demand-aware targets, the acts around the pure decision (`demand/`): every system-disk
// request of a build is recorded (a hit or a fallback: the demand), each forecast-sized kind's target
// is decided at the start of a replenish round from its demand and its measured lead time, and a
// burst (demand faster than the forecast allows) starts a round at once instead of at the schedule.
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client';
import { oneOf } from '../lib/vocabulary';
import {
  decideTarget,
  DEFAULT_DEMAND_MODEL,
  isBurst,
  leadTimeSeconds,
  SIZING_MODES,
  type SizingMode,
} from './demand/target';
import { sameKind, type PoolKind } from './kinds';
import { COUNTED_STATUSES } from './spare-status';
import { ifScheduleExists, triggerRound } from './schedules';
import { getPoolSettings } from './settings';

/** How a kind's target is set (pool_policies.sizing, a CHECK): EC2 predictive scaling's modes, plus static. */
export { SIZING_MODES, type SizingMode } from './demand/target';

/** A target's bound when the policy sets no ceiling: the policy API's own bound on a target. */
export const MAX_TARGET = 1000;

/** Demand a forecast reads: a week for the hour-of-week profile, and a day more. */
const HISTORY_MS = 8 * 24 * 3600_000;
/** Demand kept: twice what a forecast reads. */
const KEEP_MS = 2 * HISTORY_MS;
/** Demand a burst is judged on (the claim path looks at this much). */
const BURST_LOOK_MS = 60_000;
/** A burst answered by a claim holds its window as long as one a decision finds (the model's). */
const BURST_WINDOW_MS = DEFAULT_DEMAND_MODEL.burstWindowSeconds * 1000;
/** Create-to-available times the lead time is measured from: the kind's latest. */
const LEAD_SAMPLES = 20;

export type KindDemand = PoolKind & { buildId: string; hit: boolean };

/**
 * One build's request of the pool; idempotent (a retried claim step records it once). True when this
 * call recorded it: what follows the demand once (the burst check) runs only then.
 */
export async function recordDemand(prisma: PrismaClient, demand: KindDemand): Promise<boolean> {
  const { count } = await prisma.poolDemand.createMany({ data: [demand], skipDuplicates: true });
  return count > 0;
}

export type PoolTargetRow = NonNullable<Awaited<ReturnType<PrismaClient['poolTarget']['findUnique']>>>;

/**
 * Decides the target of every enabled kind whose policy is not `static`, from its demand of the last
 * 8 days and its lead time, and stores the decision (pool_targets) with its reason: the plan takes a
 * `forecastAndScale` kind's target from it; a `forecastOnly` kind's is shown and changes nothing.
 * Demand older than KEEP_MS goes. Idempotent for one `now`; safe to run beside another (last write wins).
 */
export async function decideTargets(prisma: PrismaClient, now: Date): Promise<void> {
  const [settings, policies, previous, recording] = await Promise.all([
    getPoolSettings(prisma),
    prisma.poolPolicy.findMany({ where: { enabled: true, sizing: { not: 'static' } } }),
    prisma.poolTarget.findMany(),
    // Since when demand is recorded (any kind's oldest row): a kind without requests since then had none.
    prisma.poolDemand.aggregate({ _min: { at: true } }),
  ]);
  for (const p of policies) {
    const kind = { volumeType: p.volumeType, osName: p.osName };
    const [demand, leadMs] = await Promise.all([
      demandSince(prisma, kind, now, HISTORY_MS),
      createToAvailableMs(prisma, kind),
    ]);
    const before = previous.find((t) => sameKind(t, p));
    const decision = decideTarget({
      now,
      demand,
      leadTimeSeconds: leadTimeSeconds(leadMs, settings.createIntervalSeconds, settings.replenishIntervalSeconds),
      floor: p.targetFloor,
      ceiling: p.targetCeiling ?? MAX_TARGET,
      previous: before ?? null,
      historyStart: recording._min.at ?? now,
    });
    const mode = oneOf(SIZING_MODES, p.sizing, 'pool_policies.sizing');
    const row = {
      ...kind,
      target: decision.target,
      forecastPerHour: decision.forecastPerHour,
      seasonalPerHour: decision.seasonalPerHour,
      recentPerHour: decision.recentPerHour,
      leadTimeSeconds: decision.leadTimeSeconds,
      burstUntil: decision.burstUntil,
      reason:
        mode === 'forecastOnly' ? `forecast only, would set ${decision.target}: ${decision.reason}` : decision.reason,
      decidedAt: now,
      targetSince: decision.targetSince,
    };
    await prisma.poolTarget.upsert({ where: { volumeType_osName: kind }, create: row, update: row });
  }
  await prisma.poolDemand.deleteMany({ where: { at: { lt: new Date(now.getTime() - KEEP_MS) } } });
}

/**
 * After a build asked the pool for `kind`: when the kind is sized by its forecast and demand of the
 * last minute is more than the forecast allows, opens a burst window (one caller of many concurrent
 * ones wins the guarded update) and starts a replenish round now (overlap SKIP: none if one runs).
 * True when this call started one. The round's decision then covers the burst and holds the window.
 */
export async function answerBurst(prisma: PrismaClient, temporal: Client, kind: PoolKind, now: Date) {
  // On every build's claim step: a kind never forecast-sized has no decision, and costs this one read.
  const decision = await prisma.poolTarget.findUnique({ where: { volumeType_osName: kind } });
  if (!decision || (decision.burstUntil && decision.burstUntil > now)) return false;
  const policy = await prisma.poolPolicy.findUnique({ where: { volumeType_osName: kind } });
  if (policy?.sizing !== 'forecastAndScale') return false;
  const recent = await demandSince(prisma, kind, now, BURST_LOOK_MS);
  if (!isBurst(recent, now, decision.forecastPerHour)) return false;
  const burstUntil = new Date(now.getTime() + BURST_WINDOW_MS);
  const { count } = await prisma.poolTarget.updateMany({
    where: { ...kind, OR: [{ burstUntil: null }, { burstUntil: { lte: now } }] },
    data: { burstUntil, reason: `burst: ${recent.length} requests in the last minute; a round started at once` },
  });
  return count > 0 && ifScheduleExists(() => triggerRound(temporal, 'replenish'));
}

/**
 * Spares to drop so that each `forecastAndScale` kind comes down to its decided target: available and
 * unclaimed ones beyond it, older generations first, then the oldest. The decision itself falls
 * gradually (and never inside a burst window), so this follows it step by step. Reconcile drops them,
 * each guarded against a claim (a claim meanwhile only makes the surplus smaller).
 */
export async function surplusSpares(prisma: PrismaClient) {
  const [policies, decisions, images] = await Promise.all([
    prisma.poolPolicy.findMany({ where: { sizing: 'forecastAndScale', enabled: true } }),
    prisma.poolTarget.findMany(),
    prisma.osImage.findMany(),
  ]);
  const decided = policies.flatMap((p) => {
    const decision = decisions.find((d) => sameKind(d, p));
    return decision ? [{ kind: p, target: decision.target }] : [];
  });
  if (decided.length === 0) return [];
  // one read for every kind (this runs on each reconcile pass), split per kind below
  const spares = await prisma.spareVolume.findMany({
    where: {
      allocated: false,
      status: { in: COUNTED_STATUSES },
      OR: decided.map(({ kind }) => ({ volumeType: kind.volumeType, osName: kind.osName })),
    },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  const surplus = [];
  for (const { kind: p, target } of decided) {
    const counted = spares.filter((s) => sameKind(s, p));
    const current = images.find((i) => sameKind(i, p))?.snapshotId;
    const available = counted.filter((s) => s.status === 'available');
    const oldFirst = [
      ...available.filter((s) => s.snapshotId !== current),
      ...available.filter((s) => s.snapshotId === current),
    ];
    surplus.push(...oldFirst.slice(0, Math.max(0, counted.length - target)));
  }
  return surplus;
}

async function demandSince(prisma: PrismaClient, kind: PoolKind, now: Date, spanMs: number): Promise<Date[]> {
  const rows = await prisma.poolDemand.findMany({
    where: { ...kind, at: { gte: new Date(now.getTime() - spanMs), lte: now } },
    select: { at: true },
  });
  return rows.map((r) => r.at);
}

/** The kind's latest create-to-available times (ms), from the spares' history (spare_volume_events). */
async function createToAvailableMs(prisma: PrismaClient, kind: PoolKind): Promise<number[]> {
  const rows = await prisma.$queryRaw<{ ms: number }[]>`
    SELECT (EXTRACT(EPOCH FROM (a.at - i.at)) * 1000)::float8 AS ms
    FROM spare_volume_events i
    JOIN spare_volume_events a ON a.spare_id = i.spare_id AND a.old_status = 'creating' AND a.new_status = 'available'
    WHERE i.old_status IS NULL AND i.volume_type = ${kind.volumeType} AND i.os_name = ${kind.osName}
    ORDER BY i.at DESC LIMIT ${LEAD_SAMPLES}`;
  return rows.map((r) => r.ms);
}

export interface KindSizing {
  mode: SizingMode;
  /** Why the kind has the target it has, in a sentence. */
  reason: string;
  /** The latest decision (forecast modes, once a round has decided). */
  forecastPerHour: number | null;
  seasonalPerHour: number | null;
  recentPerHour: number | null;
  leadTimeSeconds: number | null;
  /** forecastOnly: the target the forecast would set; forecastAndScale: the one it set. */
  forecastTarget: number | null;
  burstUntil: string | null;
  decidedAt: string | null;
}

/** What `GET /v1/pool` says of a kind's target: its mode, the decision's figures and why. */
export function sizingOf(
  policy: { sizing: string; targetOverride: number | null; demand: string },
  decided: PoolTargetRow | undefined,
): KindSizing {
  const mode = oneOf(SIZING_MODES, policy.sizing, 'pool_policies.sizing');
  // A decision left from before the kind went static is not its target's reason.
  const decision = mode === 'static' ? undefined : decided;
  const staticReason =
    policy.targetOverride !== null ? "static: the policy's targetOverride" : `static: the ${policy.demand}-demand tier`;
  const reason =
    mode === 'static'
      ? staticReason
      : !decision
        ? `${staticReason} (no forecast decided yet: the next replenish round decides)`
        : mode === 'forecastOnly'
          ? `${staticReason}; ${decision.reason}`
          : decision.reason;
  return {
    mode,
    reason,
    forecastPerHour: decision?.forecastPerHour ?? null,
    seasonalPerHour: decision?.seasonalPerHour ?? null,
    recentPerHour: decision?.recentPerHour ?? null,
    leadTimeSeconds: decision?.leadTimeSeconds ?? null,
    forecastTarget: decision?.target ?? null,
    burstUntil: decision?.burstUntil?.toISOString() ?? null,
    decidedAt: decision?.decidedAt.toISOString() ?? null,
  };
}
