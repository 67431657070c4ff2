// Step 2–4 of seed 001's backup_volume: read the policy, count what each (volume type, OS)
// already has (creating + available, unclaimed), and find the snapshot to build from.
import type { PrismaClient } from '../prisma/client';
import { getPoolSettings } from './settings';

export interface PoolKind {
  volumeType: string;
  osName: string;
}

export type KindStatus = 'ok' | 'no_snapshot' | 'disabled';

export interface KindPlan extends PoolKind {
  target: number;
  /** creating + available and not claimed */
  have: number;
  missing: number;
  status: KindStatus;
  snapshotId?: string;
  sizeGb?: number;
}

export interface ThrottleSettings {
  mode: 'fixed' | 'adaptive';
  intervalSeconds: number;
  /** A create still `creating` after this long counts as failed (left to reconcile); null = derived. */
  createDeadlineSeconds: number | null;
}

export interface ReplenishPlan {
  kinds: KindPlan[];
  throttle: ThrottleSettings;
}

/** Statuses that count toward the target: seed 001 counts creating and available. */
export const COUNTED_STATUSES = ['creating', 'available'];

export async function loadReplenishPlan(prisma: PrismaClient): Promise<ReplenishPlan> {
  const [settings, policies, images, counts] = await Promise.all([
    getPoolSettings(prisma),
    prisma.poolPolicy.findMany({ orderBy: [{ volumeType: 'asc' }, { osName: 'asc' }] }),
    prisma.osImage.findMany(),
    prisma.spareVolume.groupBy({
      by: ['volumeType', 'osName'],
      where: { status: { in: COUNTED_STATUSES }, allocated: false },
      _count: { _all: true },
    }),
  ]);
  const key = (k: PoolKind) => `${k.volumeType}\u0000${k.osName}`;
  const haveByKind = new Map(counts.map((c) => [key(c), c._count._all]));
  const imageByKind = new Map(images.map((i) => [key(i), i]));
  const kinds = policies.map((p): KindPlan => {
    const target = p.targetOverride ?? (p.demand === 'high' ? settings.targetHighDemand : settings.targetLowDemand);
    const have = haveByKind.get(key(p)) ?? 0;
    const image = imageByKind.get(key(p));
    const status: KindStatus = !p.enabled ? 'disabled' : image ? 'ok' : 'no_snapshot';
    return {
      volumeType: p.volumeType,
      osName: p.osName,
      target,
      have,
      missing: status === 'ok' ? Math.max(0, target - have) : 0,
      status,
      snapshotId: image?.snapshotId,
      sizeGb: image?.sizeGb,
    };
  });
  const mode = settings.throttleMode === 'adaptive' ? 'adaptive' : 'fixed';
  return {
    kinds,
    throttle: {
      mode,
      intervalSeconds: settings.createIntervalSeconds,
      createDeadlineSeconds: settings.createDeadlineSeconds,
    },
  };
}
