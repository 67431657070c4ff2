// A kind's rolling image refresh (issue 23), the acts the refreshPoolImage workflow decides on: look
// at the kind's generations (settling the new generation's creates with Cinder as reconcile would),
// retire a spare of an older generation within the floor, roll back, and record the refresh. A
// spare's generation is the snapshot it was built from; the new one is the catalog's.
import type { PrismaClient } from '../prisma/client';
import type { CloudClients } from '../openstack/cloud';
import type { PoolKind } from './kinds';
import { SPARE_METADATA } from './create-spare';
import { dropSpare } from './drop-spare';
import { notFoundAs } from '../openstack/errors';
import { targetOf } from './plan';
import { getPoolSettings } from './settings';
import { COUNTED_STATUSES } from './spare-status';

/** How a replaced snapshot's spares go: built anew first (`rolling`) or purged by the sync (`immediate`). */
export const REFRESH_MODES = ['rolling', 'immediate'] as const;
export type RefreshMode = (typeof REFRESH_MODES)[number];

/** pool_refreshes.state (a CHECK, migration pool_refresh). */
export const REFRESH_STATES = ['running', 'paused', 'done', 'rolled_back', 'cancelled'] as const;
export type RefreshState = (typeof REFRESH_STATES)[number];

export interface RefreshLook {
  /** The catalog's snapshot for the kind: the new generation (null: none, nothing to build from). */
  snapshotId: string | null;
  sizeGb: number | null;
  target: number;
  minHealthyPercent: number;
  /** The fixed throttle's interval: the refresh paces its creates as a round does. */
  intervalSeconds: number;
  /** A refresh with nothing changed for this long gives up (null: the throttle's derived deadline). */
  createDeadlineSeconds: number | null;
  /** Unclaimed spares of the new generation. */
  fresh: { available: number; creating: number };
  /** Unclaimed spares of older generations, still counted (creating or available). */
  old: number;
  /** New-generation creates this look found ended in `error` or gone: their rows (and volumes) dropped. */
  errored: number;
}

export async function lookAtRefresh(prisma: PrismaClient, cloud: CloudClients, kind: PoolKind): Promise<RefreshLook> {
  const [settings, policy, decided, image] = await Promise.all([
    getPoolSettings(prisma),
    prisma.poolPolicy.findUnique({ where: { volumeType_osName: kind } }),
    prisma.poolTarget.findUnique({ where: { volumeType_osName: kind } }),
    prisma.osImage.findUnique({ where: { osName_volumeType: { osName: kind.osName, volumeType: kind.volumeType } } }),
  ]);
  const snapshotId = image?.snapshotId ?? null;
  const errored = snapshotId ? await settleCreates(prisma, cloud, kind, snapshotId) : 0;
  const rows = await prisma.spareVolume.findMany({
    where: { ...kind, allocated: false, status: { in: COUNTED_STATUSES } },
    select: { snapshotId: true, status: true },
  });
  const fresh = rows.filter((r) => r.snapshotId === snapshotId);
  return {
    snapshotId,
    sizeGb: image?.sizeGb ?? null,
    target: policy ? targetOf(policy, settings, decided) : 0,
    minHealthyPercent: policy?.minHealthyPercent ?? 100,
    intervalSeconds: settings.createIntervalSeconds,
    createDeadlineSeconds: settings.createDeadlineSeconds,
    fresh: {
      available: fresh.filter((r) => r.status === 'available').length,
      creating: fresh.filter((r) => r.status === 'creating').length,
    },
    old: rows.length - fresh.length,
    errored,
  };
}

/**
 * The new generation's creates, settled now rather than at reconcile's next pass (the refresh
 * retires old spares as new ones become available): `available` is recorded, guarded as everywhere;
 * one in `error` is dropped with its volume, one gone from Cinder with its row. Returns how many failed.
 */
async function settleCreates(prisma: PrismaClient, cloud: CloudClients, kind: PoolKind, snapshotId: string) {
  const creating = await prisma.spareVolume.findMany({
    where: { ...kind, snapshotId, allocated: false, status: 'creating', volumeId: { not: null } },
  });
  if (creating.length === 0) return 0;
  const volumes = await cloud.admin.cinder.listVolumes({ metadata: SPARE_METADATA });
  const statusOf = new Map(volumes.map((v) => [v.id, v.status]));
  let failed = 0;
  for (const row of creating) {
    const status = statusOf.get(row.volumeId!);
    if (status === 'available')
      await prisma.spareVolume.updateMany({ where: { id: row.id, status: 'creating' }, data: { status: 'available' } });
    else if (status === 'error' || status === undefined)
      if (await dropSpare(prisma, cloud, row, { deleteInCinder: status === 'error' })) failed++;
  }
  return failed;
}

/**
 * Retires one unclaimed spare of an older generation, if the floor allows: one still `creating` serves
 * nobody yet and goes first (retirePending); an available one goes only while the kind keeps more than
 * `floor` available. True when one went.
 */
export async function retireOldSpare(
  prisma: PrismaClient,
  cloud: CloudClients,
  kind: PoolKind,
  snapshotId: string,
  floor: number,
): Promise<boolean> {
  const old = await prisma.spareVolume.findMany({
    where: { ...kind, allocated: false, status: { in: COUNTED_STATUSES }, snapshotId: { not: snapshotId } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  const pending = old.find((r) => r.status === 'creating');
  if (pending) return retirePending(prisma, cloud, pending);
  const available = await prisma.spareVolume.count({ where: { ...kind, allocated: false, status: 'available' } });
  if (!old[0] || available - 1 < floor) return false;
  return dropSpare(prisma, cloud, old[0], { deleteInCinder: true });
}

/**
 * An older spare the pool records `creating`. The refresh settles only its own generation's creates, so
 * Cinder may be done with this one: finished or failed, it goes now with its volume; gone, its row goes.
 * Still creating (Cinder refuses to delete it; so is one whose create was not answered yet), it is
 * marked `purging` for reconcile to delete once Cinder lets go.
 */
async function retirePending(
  prisma: PrismaClient,
  cloud: CloudClients,
  spare: { id: number; volumeId: string | null },
): Promise<boolean> {
  // null: gone from Cinder; undefined: its create was not answered yet (no volume to ask about)
  const volume = spare.volumeId
    ? await cloud.admin.cinder.getVolume(spare.volumeId).catch(notFoundAs(null))
    : undefined;
  const settled = volume === null || volume?.status === 'available' || volume?.status === 'error';
  if (settled) return dropSpare(prisma, cloud, spare, { deleteInCinder: volume !== null });
  const { count } = await prisma.spareVolume.updateMany({
    where: { id: spare.id, allocated: false, status: 'creating' },
    data: { status: 'purging' },
  });
  return count > 0;
}

/**
 * A refresh given up: the new generation's creates still under way are marked `purging` (reconcile
 * deletes them once Cinder lets go); the older generation keeps serving. Returns how many were marked.
 */
export async function rollBackRefresh(prisma: PrismaClient, kind: PoolKind, snapshotId: string): Promise<number> {
  const { count } = await prisma.spareVolume.updateMany({
    where: { ...kind, snapshotId, allocated: false, status: 'creating' },
    data: { status: 'purging' },
  });
  return count;
}

export interface RefreshRecord {
  kind: PoolKind;
  workflowId: string;
  snapshotId: string;
  state: RefreshState;
  reason?: string;
  /** `running` again after a pause: its start stays as it was. */
  resumed?: boolean;
}

/** The kind's latest refresh (one row per kind; its history is in pool_rounds). */
export async function recordRefresh(prisma: PrismaClient, r: RefreshRecord): Promise<void> {
  const ended = r.state !== 'running' && r.state !== 'paused';
  const data = {
    workflowId: r.workflowId,
    snapshotId: r.snapshotId,
    state: r.state,
    reason: r.reason ?? null,
    finishedAt: ended ? new Date() : null,
    ...(r.state === 'running' && !r.resumed ? { startedAt: new Date() } : {}),
  };
  await prisma.poolRefresh.upsert({
    where: { volumeType_osName: r.kind },
    create: { ...r.kind, ...data },
    update: data,
  });
}
