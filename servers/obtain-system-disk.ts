// The system-disk step of a server build in one call when the pool has a spare (the hit path:
// claim, hand over, rename, record), so a hit costs one round of orchestration, not five.
// Safe to run again from the start at any point (a retry, or a worker that died before its
// result was recorded): it first looks for what this build already did.
import type { PrismaClient } from '../prisma/client';
import type { Volume } from '../openstack/cinder';
import { claimSpareVolume, completeHandout } from '../pool/claim';
import { recordDemand } from '../pool/sizing';
import { assertNotFenced, underFence, type InTransaction } from './build-fence';
import type { SystemDiskPath } from './builds';
import { updateBuild } from './builds';
import { systemDiskName } from './names';
import { handOverVolume, type Handover } from './system-disk';

export interface SystemDiskRequest {
  buildId: string;
  serverName: string;
  volumeType: string;
  osName: string;
  /** The OS snapshot the build was asked with (recorded for a disk built from it). */
  snapshotId: string;
}

export interface ObtainedSystemDisk {
  volumeId: string;
  path: SystemDiskPath;
}

/**
 * The build's system disk, unless the pool has none to give (null: build one from the snapshot,
 * then `deliverSystemDisk`). In order: the disk this build was already handed or recorded (its
 * disk built on demand whose delivery was cut short, an earlier reuse); the spare it already
 * claimed (finish handing it over); a tenant volume of the disk's name no live build holds (seed
 * 001's reuse, recorded as such); a spare claimed now (race-free, `pool/claim`).
 */
export async function takeSystemDisk(
  prisma: PrismaClient,
  h: Handover,
  req: SystemDiskRequest,
  opts: { locking?: boolean; afterDemand?: () => Promise<void> } = {},
): Promise<ObtainedSystemDisk | null> {
  const recorded = await recordedSystemDisk(prisma, req.buildId);
  if (recorded?.handedVolumeId) return { volumeId: recorded.handedVolumeId, path: recorded.handedPath! };
  if (recorded?.path === 'fallback' && recorded.systemVolumeId)
    return deliverSystemDisk(prisma, h, req, {
      volumeId: recorded.systemVolumeId,
      path: 'fallback',
      startedAt: Date.now(),
    });
  if (recorded?.path === 'reused' && recorded.systemVolumeId)
    return { volumeId: recorded.systemVolumeId, path: 'reused' };
  const claimedEarlier = await prisma.spareVolume.findFirst({ where: { claimedBy: req.buildId, allocated: true } });
  if (!claimedEarlier) {
    const reused = await reuseByName(prisma, h, req);
    if (reused) return reused;
  }
  const startedAt = Date.now();
  // The claim under the build's fence, in one short transaction: it commits before an undo's fence
  // (which then finds it) or sees the fence and is refused (servers/build-fence).
  const spare = await underFence(prisma, req.buildId, (tx) => claimSpareVolume(tx, req, req.buildId, opts));
  // The kind's demand, hit or not: what its forecast is made from (pool/sizing).
  const { buildId, volumeType, osName } = req;
  const newDemand = await recordDemand(prisma, { buildId, volumeType, osName, hit: spare !== null });
  // The demand happened whatever becomes of the handover: `afterDemand` (the burst check) runs here,
  // before it, and once per build (a retry finds its demand recorded and checks nothing again).
  if (newDemand) await opts.afterDemand?.();
  if (!spare) return null;
  return deliverSystemDisk(prisma, h, req, { volumeId: spare.volumeId, path: 'pool-hit', startedAt }, spare.snapshotId);
}

/**
 * Makes `disk` the tenant's system disk: handed over (transfer + accept, the key never leaving
 * this call, refused once the build's undo began; a no-op for a spare `takeSystemDisk` already
 * handed over), renamed `<server>-sys`, a claimed spare's row out of the pool with its audit row;
 * the build row told first (a failed delivery still says which disk and path it had). Each part
 * is idempotent.
 */
export async function deliverSystemDisk(
  prisma: PrismaClient,
  h: Handover,
  req: SystemDiskRequest,
  disk: { volumeId: string; path: 'pool-hit' | 'fallback'; startedAt: number },
  snapshotId = req.snapshotId,
): Promise<ObtainedSystemDisk> {
  const { buildId } = req;
  await updateBuild(prisma, { buildId, path: disk.path, systemVolumeId: disk.volumeId });
  await handOverVolume(h, disk.volumeId, buildId, () => assertNotFenced(prisma, buildId));
  await h.tenant.cinder.renameVolume(disk.volumeId, systemDiskName(req.serverName));
  await completeHandout(prisma, {
    buildId,
    volumeId: disk.volumeId,
    volumeType: req.volumeType,
    osName: req.osName,
    snapshotId,
    path: disk.path,
    handoverMs: Date.now() - disk.startedAt,
  });
  return { volumeId: disk.volumeId, path: disk.path };
}

export interface RecordedSystemDisk {
  /** The build row's path and system volume (a fallback disk's is recorded before it is handed over). */
  path: SystemDiskPath | null;
  systemVolumeId: string | null;
  /** The volume handed to the build (system_disk_handouts), if any. */
  handedVolumeId: string | null;
  handedPath: 'pool-hit' | 'fallback' | null;
}

/** What PostgreSQL holds of the build's system disk, in one round trip; undefined for an unknown build. */
export async function recordedSystemDisk(
  prisma: PrismaClient,
  buildId: string,
): Promise<RecordedSystemDisk | undefined> {
  const [row] = await prisma.$queryRaw<RecordedSystemDisk[]>`
    SELECT b.path, b.system_volume_id AS "systemVolumeId", h.volume_id AS "handedVolumeId", h.path AS "handedPath"
    FROM server_builds b LEFT JOIN system_disk_handouts h ON h.build_id = b.id
    WHERE b.id = ${buildId}`;
  return row;
}

/**
 * Seed 001's reuse: the oldest tenant volume named `<server>-sys` that is detached and held by no
 * live build (a second request of the same name must not take the first one's disk), recorded on
 * the build as reused under its fence and a lock on the volume's id, so two builds never both take it.
 * A reused disk stays the tenant's: the build's undo and delete leave it (servers/release, boot).
 */
async function reuseByName(prisma: PrismaClient, h: Handover, req: SystemDiskRequest) {
  const named = await h.tenant.cinder.listVolumes({ name: systemDiskName(req.serverName) });
  const detached = named.filter(isDetached).sort((a, b) => a.created_at.localeCompare(b.created_at));
  for (const volume of detached) {
    const taken = await underFence(prisma, req.buildId, async (tx) => {
      await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtext(${`volume:${volume.id}`}))`;
      if (await heldByAnotherBuild(tx, volume.id, req.buildId)) return false;
      await updateBuild(tx, { buildId: req.buildId, path: 'reused', systemVolumeId: volume.id });
      return true;
    });
    if (taken) return { volumeId: volume.id, path: 'reused' as const };
  }
  return null;
}

const isDetached = (v: Volume) => v.status === 'available' && !v.attachments?.length;

/** A build not yet failed or deleted records the volume as its own, or it is a pool spare. */
async function heldByAnotherBuild(tx: InTransaction, volumeId: string, buildId: string): Promise<boolean> {
  const [{ held }] = await tx.$queryRaw<{ held: boolean }[]>`
    SELECT EXISTS (
      SELECT 1 FROM server_builds b LEFT JOIN system_disk_handouts h ON h.build_id = b.id
      WHERE b.id <> ${buildId} AND b.status IN ('building', 'active', 'deleting')
        AND ${volumeId} IN (b.system_volume_id, b.swap_volume_id, b.data_volume_id, h.volume_id)
    ) OR EXISTS (SELECT 1 FROM spare_volumes WHERE volume_id = ${volumeId}) AS held`;
  return held;
}
