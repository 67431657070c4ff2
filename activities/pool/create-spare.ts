// Step 5–6 of seed 001's backup_volume, made idempotent: the intent is recorded under a
// deterministic name before Cinder is called, and Cinder is asked for that name before
// creating, so a retry or a worker crash at any point yields exactly one volume and one row.
import type { PrismaClient } from '../../infra/database';
import type { Cloud } from '../openstack/cloud';
import type { Volume } from '../openstack/cinder';
import type { PoolKind } from './plan';

export interface SpareVolumeRequest extends PoolKind {
  /** Deterministic: derived from the round's workflow id and the slot number. */
  name: string;
  snapshotId: string;
  sizeGb: number;
}

export interface SpareVolumeCreated {
  name: string;
  volumeId: string;
  status: string;
  /** false when a previous attempt had already created it. */
  createdNow: boolean;
}

export async function createSpareVolume(prisma: PrismaClient, cloud: Cloud, req: SpareVolumeRequest): Promise<SpareVolumeCreated> {
  const row = await prisma.spareVolume.upsert({
    where: { name: req.name },
    create: { name: req.name, volumeType: req.volumeType, osName: req.osName, snapshotId: req.snapshotId, status: 'creating' },
    update: {},
  });
  const cinder = cloud.admin.cinder;
  let volume: Volume | undefined = row.volumeId ? await cinder.getVolume(row.volumeId).catch(() => undefined) : undefined;
  volume ??= (await cinder.listVolumes({ name: req.name }))[0];
  const createdNow = !volume;
  volume ??= await cinder.createVolume({
    name: req.name, size: req.sizeGb, volumeType: req.volumeType, snapshotId: req.snapshotId,
    description: `blockflow spare system disk: ${req.osName} on ${req.volumeType}`,
    metadata: { 'blockflow:pool': 'spare', 'blockflow:os': req.osName },
  });
  await prisma.spareVolume.update({ where: { name: req.name }, data: { volumeId: volume.id, status: volume.status } });
  return { name: req.name, volumeId: volume.id, status: volume.status, createdNow };
}

export interface VolumeObservation {
  volumeId: string;
  /** Cinder's status, or "missing". */
  status: string;
  /** creating → final, from Cinder's timestamps when it has them. */
  durationMs?: number;
}

/** Current Cinder status of the given volumes, in one list call (the adaptive throttle's feedback). */
export async function observeVolumes(cloud: Cloud, volumeIds: string[]): Promise<VolumeObservation[]> {
  if (volumeIds.length === 0) return [];
  const byId = new Map((await cloud.admin.cinder.listVolumes()).map((v) => [v.id, v]));
  return volumeIds.map((volumeId) => {
    const v = byId.get(volumeId) as (Volume & { updated_at?: string | null }) | undefined;
    if (!v) return { volumeId, status: 'missing' };
    const durationMs = v.status !== 'creating' && v.updated_at ? Date.parse(v.updated_at) - Date.parse(v.created_at) : undefined;
    return { volumeId, status: v.status, durationMs: Number.isFinite(durationMs) ? durationMs : undefined };
  });
}
