// The system-disk step of a server build in one call when the pool has a spare (the hit path:
// claim, hand over, rename, record), so a hit costs one round of orchestration, not five.
// Safe to run again from the start at any point (a retry, or a worker that died before its
// result was recorded): it first looks for what this build already did.
import type { PrismaClient } from '../prisma/client';
import { claimSpareVolume, completeHandout } from '../pool/claim';
import { underFence } from './build-fence';
import type { SystemDiskPath } from './builds';
import { updateBuild } from './builds';
import { systemDiskName } from './names';
import { findTenantVolume, handOverVolume, type Handover } from './system-disk';
import { BUILD_METADATA_KEY } from './tenant-disks';

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
 * then `deliverSystemDisk`). In order: the disk this build was already handed (recorded); the
 * spare it already claimed (finish handing it over); a tenant volume of the disk's name (this
 * build's own disk built on demand, whose delivery was cut short, or seed 001's reuse); a spare
 * claimed now (race-free, `pool/claim`).
 */
export async function takeSystemDisk(
  prisma: PrismaClient,
  h: Handover,
  req: SystemDiskRequest,
  opts: { locking?: boolean } = {},
): Promise<ObtainedSystemDisk | null> {
  const handout = await prisma.systemDiskHandout.findUnique({ where: { buildId: req.buildId } });
  if (handout) return { volumeId: handout.volumeId, path: handout.path as SystemDiskPath };
  const claimedEarlier = await prisma.spareVolume.findFirst({ where: { claimedBy: req.buildId, allocated: true } });
  if (!claimedEarlier) {
    const named = await findTenantVolume(h.tenant, systemDiskName(req.serverName));
    if (named?.metadata?.[BUILD_METADATA_KEY] === req.buildId)
      return deliverSystemDisk(prisma, h, req, { volumeId: named.id, path: 'fallback', startedAt: Date.now() });
    if (named) {
      await updateBuild(prisma, { buildId: req.buildId, path: 'reused', systemVolumeId: named.id });
      return { volumeId: named.id, path: 'reused' };
    }
  }
  const startedAt = Date.now();
  // The claim under the build's fence, in one short transaction: it commits before an undo's fence
  // (which then finds it) or sees the fence and is refused (servers/build-fence).
  const spare = await underFence(prisma, req.buildId, (tx) => claimSpareVolume(tx, req, req.buildId, opts));
  if (!spare) return null;
  return deliverSystemDisk(prisma, h, req, { volumeId: spare.volumeId, path: 'pool-hit', startedAt }, spare.snapshotId);
}

/**
 * Makes `disk` the tenant's system disk: handed over (transfer + accept, the key never leaving
 * this call; a no-op for a spare `takeSystemDisk` already handed over), renamed `<server>-sys`,
 * a claimed spare's row out of the pool with its audit row; the build row told first (a failed
 * delivery still says which disk and path it had). Each part is idempotent.
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
  await handOverVolume(h, disk.volumeId, buildId);
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
