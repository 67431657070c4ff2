// Step 2–4 of seed 001's backup_volume: read the policy, count what each (volume type, OS)
// already has (creating + available, unclaimed), and find the snapshot to build from.
import type { PrismaClient } from '../prisma/client';
import type { CloudClients } from '../openstack/cloud';
import { getPoolSettings } from './settings';
import { sameKind, type KindPlan, type KindStatus, type PoolKind } from './kinds';
import { fitToQuota, readAdminQuota, type QuotaRoom } from './quota';
import { COUNTED_STATUSES } from './spare-status';

export interface ThrottleSettings {
  mode: 'fixed' | 'adaptive';
  intervalSeconds: number;
  /** A create still `creating` after this long counts as failed (left to reconcile); null = derived. */
  createDeadlineSeconds: number | null;
}

export interface ReplenishPlan {
  kinds: KindPlan[];
  throttle: ThrottleSettings;
  /** Why the quota could not be read (the plan is then not bounded by it); absent when it was. */
  quotaError?: string;
}

export { COUNTED_STATUSES } from './spare-status';

/** What a plan is made of, read in one go (GET /v1/pool reads it once for the plan and its own views). */
export interface PlanInputs {
  settings: Awaited<ReturnType<typeof getPoolSettings>>;
  policies: Awaited<ReturnType<PrismaClient['poolPolicy']['findMany']>>;
  decisions: Awaited<ReturnType<PrismaClient['poolTarget']['findMany']>>;
  refreshes: Awaited<ReturnType<PrismaClient['poolRefresh']['findMany']>>;
  images: ServingImage[];
  /** unclaimed creating + available spares per kind */
  counts: Array<PoolKind & { _count: { _all: number } }>;
  /** null: the plan is not fitted into the quota (no `cloud` given) */
  quota: QuotaRead | null;
}

/**
 * The plan: per kind its target, what it has and what is missing, fitted into the admin project's
 * Cinder quota when `cloud` is given (what cannot fit is `beyondQuota`, not planned).
 */
export async function loadReplenishPlan(prisma: PrismaClient, cloud?: CloudClients): Promise<ReplenishPlan> {
  return planOf(await readPlanInputs(prisma, cloud));
}

/** Reads everything planOf needs; the quota only when `cloud` is given. */
export async function readPlanInputs(prisma: PrismaClient, cloud?: CloudClients): Promise<PlanInputs> {
  const [settings, policies, decisions, refreshes, catalog, counts, quota] = await Promise.all([
    getPoolSettings(prisma),
    prisma.poolPolicy.findMany({ orderBy: [{ volumeType: 'asc' }, { osName: 'asc' }] }),
    prisma.poolTarget.findMany(),
    prisma.poolRefresh.findMany(),
    prisma.osImage.findMany(),
    prisma.spareVolume.groupBy({
      by: ['volumeType', 'osName'],
      where: { status: { in: COUNTED_STATUSES }, allocated: false },
      _count: { _all: true },
    }),
    cloud ? quotaOf(cloud) : Promise.resolve(null),
  ]);
  const images = await servingImages(prisma, catalog, refreshes);
  return { settings, policies, decisions, refreshes, images, counts, quota };
}

/** The plan from its inputs (pure). */
export function planOf(inputs: PlanInputs): ReplenishPlan {
  const { settings, policies, decisions, images, counts, quota } = inputs;
  const key = (k: PoolKind) => `${k.volumeType}\u0000${k.osName}`;
  const haveByKind = new Map(counts.map((c) => [key(c), c._count._all]));
  const imageByKind = new Map(images.map((i) => [key(i), i]));
  const decisionByKind = new Map(decisions.map((d) => [key(d), d]));
  const kinds = policies.map((p): KindPlan => {
    const target = targetOf(p, settings, decisionByKind.get(key(p)));
    const have = haveByKind.get(key(p)) ?? 0;
    const image = imageByKind.get(key(p));
    const status: KindStatus = !p.enabled
      ? 'disabled'
      : !image
        ? 'no_snapshot'
        : image.snapshotId === null
          ? 'rolled_back'
          : 'ok';
    return {
      volumeType: p.volumeType,
      osName: p.osName,
      target,
      have,
      missing: status === 'ok' ? Math.max(0, target - have) : 0,
      status,
      snapshotId: image?.snapshotId ?? undefined,
      sizeGb: image?.sizeGb,
    };
  });
  const mode = settings.throttleMode === 'adaptive' ? 'adaptive' : 'fixed';
  return {
    kinds: quota ? fitToQuota(kinds, quota.room) : kinds,
    ...(quota?.error ? { quotaError: quota.error } : {}),
    throttle: {
      mode,
      intervalSeconds: settings.createIntervalSeconds,
      createDeadlineSeconds: settings.createDeadlineSeconds,
    },
  };
}

type ServingImage = PoolKind & { snapshotId: string | null; sizeGb: number };

/**
 * Per kind, the snapshot rounds build from: the catalog's, except where the kind's refresh rolled back
 * from it (a broken snapshot): then the newest older generation still among its spares (null: none left).
 */
async function servingImages(
  prisma: PrismaClient,
  images: Awaited<ReturnType<PrismaClient['osImage']['findMany']>>,
  refreshes: PlanInputs['refreshes'],
): Promise<ServingImage[]> {
  const rolledBack = refreshes.filter((r) => r.state === 'rolled_back');
  return Promise.all(
    images.map(async (image) => {
      const kind = { volumeType: image.volumeType, osName: image.osName };
      const broken = rolledBack.some((r) => sameKind(r, kind) && r.snapshotId === image.snapshotId);
      if (!broken) return { ...image, snapshotId: image.snapshotId as string | null };
      const serving = await prisma.spareVolume.findFirst({
        where: { ...kind, snapshotId: { not: image.snapshotId } },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
      return { ...image, snapshotId: serving?.snapshotId ?? null };
    }),
  );
}

/**
 * A kind's target: the latest decision when its forecast sets it (`forecastAndScale`, pool/sizing),
 * else its override, else its demand's tier (also before a first decision).
 */
export function targetOf(
  policy: { targetOverride: number | null; demand: string; sizing: string },
  settings: { targetHighDemand: number; targetLowDemand: number },
  decided?: { target: number } | null,
): number {
  if (policy.sizing === 'forecastAndScale' && decided) return decided.target;
  return policy.targetOverride ?? (policy.demand === 'high' ? settings.targetHighDemand : settings.targetLowDemand);
}

type QuotaRead = { room: QuotaRoom | null; error?: string };

/** The quota's room, or why it could not be read: a round then goes on unbounded, as before. */
async function quotaOf(cloud: CloudClients): Promise<QuotaRead> {
  try {
    return { room: await readAdminQuota(cloud) };
  } catch (err) {
    return { room: null, error: `the admin project's quota could not be read: ${(err as Error).message}` };
  }
}

export interface QuotaFit {
  /** null: the quota could not be read. */
  fits: boolean | null;
  beyondQuota: { volumeType: string; osName: string; count: number }[];
  message: string;
}

/** Whether the plan's targets fit in the admin project's quota, said the way an operator reads it. */
export function quotaFit(plan: ReplenishPlan): QuotaFit {
  const beyondQuota = plan.kinds
    .filter((k) => (k.beyondQuota ?? 0) > 0)
    .map((k) => ({ volumeType: k.volumeType, osName: k.osName, count: k.beyondQuota! }));
  if (plan.quotaError) return { fits: null, beyondQuota, message: `${plan.quotaError}: the targets are unchecked` };
  if (beyondQuota.length === 0)
    return { fits: true, beyondQuota, message: "the targets fit in the admin project's quota" };
  const total = beyondQuota.reduce((n, b) => n + b.count, 0);
  return {
    fits: false,
    beyondQuota,
    message:
      `the targets need ${total} spare(s) more than the admin project's Cinder quota has room for; ` +
      'rounds create only what fits (raise the quota or lower the targets)',
  };
}
