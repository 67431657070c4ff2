// Step 5–6 of seed 001's backup_volume, made idempotent: the intent is recorded under a
// deterministic name before Cinder is called, and Cinder is asked for that name before
// creating, so a retry or a worker crash at any point yields exactly one volume and one row.
import type { PrismaClient } from '../prisma/client';
import type { CloudClients } from '../openstack/cloud';
import type { Volume } from '../openstack/cinder';
import { QuotaExceededError } from '../openstack/errors';
import type { PoolKind } from './kinds';
import { COUNTED_STATUSES, spareStatusFromCinder } from './spare-status';
import { dropSpare } from './drop-spare';

/** Marks a volume as one of the pool's spares in Cinder: lists ask for these only, not the whole cloud. */
export const SPARE_METADATA = { 'blockflow:pool': 'spare' } as const;

export interface SpareVolumeRequest extends PoolKind {
  /** Deterministic: derived from the round's workflow id and the slot number. */
  name: string;
  snapshotId: string;
  sizeGb: number;
  /** The kind's target: the slot is given up when the pool already has this many. */
  target: number;
}

export type SpareVolumeCreated =
  | {
      name: string;
      volumeId: string;
      status: string;
      /** false when a previous attempt had already created it */ createdNow: boolean;
    }
  | { name: string; status: 'skipped'; reason: string };

export async function createSpareVolume(
  prisma: PrismaClient,
  cloud: CloudClients,
  req: SpareVolumeRequest,
): Promise<SpareVolumeCreated> {
  const row = await reserveSlot(prisma, req);
  if (!row)
    return {
      name: req.name,
      status: 'skipped',
      reason: `the pool already has ${req.target} ${req.osName} on ${req.volumeType}`,
    };
  const cinder = cloud.admin.cinder;
  let volume: Volume | undefined = row.volumeId
    ? await cinder.getVolume(row.volumeId).catch(() => undefined)
    : undefined;
  volume ??= (await cinder.listVolumes({ name: req.name }))[0];
  const createdNow = !volume;
  volume ??= await cinder
    .createVolume({
      name: req.name,
      size: req.sizeGb,
      volumeType: req.volumeType,
      snapshotId: req.snapshotId,
      description: `blockflow spare system disk: ${req.osName} on ${req.volumeType}`,
      metadata: { ...SPARE_METADATA, 'blockflow:os': req.osName },
    })
    .catch(async (err: unknown) => {
      // Refused for quota: no volume has this name (asked just above), so the intent row goes now
      // instead of holding a slot of its kind until reconcile drops it.
      if (err instanceof QuotaExceededError)
        await prisma.spareVolume.deleteMany({ where: { name: req.name, volumeId: null } });
      throw err;
    });
  const status = await recordAnswer(prisma, cloud, req, volume);
  return { name: req.name, volumeId: volume.id, status, createdNow };
}

/**
 * Stores Cinder's answer on the slot's row, guarded: a row marked meanwhile (sync_os's `purging`,
 * reconcile's `stuck` or `deleting`) keeps its mark and only learns its volume, and a stale spare
 * that can be purged at once is. A row gone meanwhile comes back marked `purging`, so the volume
 * stays tracked until reconcile deletes it. Returns the row's status.
 */
async function recordAnswer(
  prisma: PrismaClient,
  cloud: CloudClients,
  req: SpareVolumeRequest,
  volume: Volume,
): Promise<string> {
  const { name } = req;
  const answered = await prisma.spareVolume.updateMany({
    where: { name, status: { in: COUNTED_STATUSES } },
    data: { volumeId: volume.id, status: spareStatusFromCinder(volume.status) },
  });
  if (answered.count) return volume.status;
  const { volumeType, osName, snapshotId } = req;
  const row = await prisma.spareVolume.upsert({
    where: { name },
    create: { name, volumeType, osName, snapshotId, volumeId: volume.id, status: 'purging' },
    update: {},
  });
  if (!row.volumeId)
    await prisma.spareVolume.updateMany({ where: { name, volumeId: null }, data: { volumeId: volume.id } });
  if (row.status === 'purging' && volume.status !== 'creating') {
    await dropSpare(prisma, cloud, { id: row.id, volumeId: volume.id }, { deleteInCinder: true });
  }
  return row.status;
}

/**
 * Records the intent under the request's name, unless the kind is already at its target.
 * A per-kind advisory lock makes count-then-insert atomic, so two rounds running at once (a
 * manual run beside the schedule's) can never push a kind past its target.
 */
async function reserveSlot(prisma: PrismaClient, req: SpareVolumeRequest) {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`spare-pool/${req.volumeType}/${req.osName}`}))`;
    const existing = await tx.spareVolume.findUnique({ where: { name: req.name } });
    if (existing) return existing; // a retry of this very slot
    const have = await tx.spareVolume.count({
      where: { volumeType: req.volumeType, osName: req.osName, status: { in: COUNTED_STATUSES }, allocated: false },
    });
    if (have >= req.target) return null;
    return tx.spareVolume.create({
      data: {
        name: req.name,
        volumeType: req.volumeType,
        osName: req.osName,
        snapshotId: req.snapshotId,
        status: 'creating',
      },
    });
  });
}

export interface VolumeObservation {
  volumeId: string;
  /** Cinder's status, or "missing". */
  status: string;
  /** creating → final, from Cinder's timestamps when it has them. */
  durationMs?: number;
  /** When it left `creating`, by Cinder's clock. */
  finishedAtMs?: number;
}

/** Current Cinder status of the given volumes, in one list call (the adaptive throttle's feedback). */
export async function observeVolumes(cloud: CloudClients, volumeIds: string[]): Promise<VolumeObservation[]> {
  if (volumeIds.length === 0) return [];
  const byId = new Map((await cloud.admin.cinder.listVolumes({ metadata: SPARE_METADATA })).map((v) => [v.id, v]));
  return volumeIds.map((volumeId) => {
    const v = byId.get(volumeId) as (Volume & { updated_at?: string | null }) | undefined;
    if (!v) return { volumeId, status: 'missing' };
    if (v.status === 'creating' || !v.updated_at) return { volumeId, status: v.status };
    const finishedAtMs = parseCinderTime(v.updated_at);
    const durationMs = finishedAtMs - parseCinderTime(v.created_at);
    return Number.isFinite(durationMs)
      ? { volumeId, status: v.status, durationMs, finishedAtMs }
      : { volumeId, status: v.status };
  });
}

/** Cinder prints UTC without a zone ("2026-11-21T13:35:32.133000"); JS would read that as local time. */
export function parseCinderTime(stamp: string): number {
  return Date.parse(/(z|[+-]\d\d:?\d\d)$/i.test(stamp) ? stamp : `${stamp}Z`);
}
