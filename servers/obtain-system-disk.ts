// The system-disk step of a server build in one call when the pool has a spare (the hit path:
// claim, hand over, rename, record), so a hit costs one round of orchestration, not five.
// Safe to run again from the start at any point (a retry, or a worker that died before its
// result was recorded): it first looks for what this build already did.
import type { PrismaClient } from '../prisma/client';
import { claimSpareVolume, completeHandout, type ClaimedSpare } from '../pool/claim';
import { underFence, type InTransaction } from './build-fence';
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
  const startedAt = Date.now();
  // Under the fence, the claim row locked until the volume is the tenant's: an undo (which locks
  // that row first) sees either no claim or the finished handover.
  const found = await underFence(prisma, req.buildId, async (tx): Promise<Found> => {
    const mine = await lockClaimOf(tx, req.buildId);
    if (!mine) {
      const named = await findTenantVolume(h.tenant, systemDiskName(req.serverName));
      if (named) return { named: named.id, mine: named.metadata?.[BUILD_METADATA_KEY] === req.buildId };
    }
    const spare = mine ?? (await claimSpareVolume(tx, req, req.buildId, opts));
    // A failed handover keeps the claim (its undo finds it), so it is returned, not thrown, here.
    const handover = spare
      ? await handOverVolume(h, spare.volumeId, req.buildId).then(() => undefined, failure)
      : undefined;
    return { spare, handover };
  });
  if ('named' in found) {
    if (found.mine) return deliverSystemDisk(prisma, h, req, { volumeId: found.named, path: 'fallback', startedAt });
    await updateBuild(prisma, { buildId: req.buildId, path: 'reused', systemVolumeId: found.named });
    return { volumeId: found.named, path: 'reused' };
  }
  const { spare, handover } = found;
  if (!spare) return null;
  if (handover) {
    await updateBuild(prisma, { buildId: req.buildId, path: 'pool-hit', systemVolumeId: spare.volumeId });
    throw handover.error;
  }
  return deliverSystemDisk(prisma, h, req, { volumeId: spare.volumeId, path: 'pool-hit', startedAt }, spare.snapshotId);
}

/** A tenant volume of the disk's name (`mine`: this build's own, built on demand), or a spare (none: pool empty). */
type Found = { named: string; mine: boolean } | { spare: ClaimedSpare | null; handover?: { error: unknown } };

const failure = (error: unknown) => ({ error });

/** The spare this build claimed earlier, its row locked for the rest of the transaction. */
async function lockClaimOf(tx: InTransaction, buildId: string): Promise<ClaimedSpare | null> {
  const rows = await tx.$queryRaw<ClaimedSpare[]>`
    SELECT id, name, volume_id AS "volumeId", snapshot_id AS "snapshotId" FROM spare_volumes
    WHERE claimed_by = ${buildId} AND allocated AND volume_id IS NOT NULL
    FOR UPDATE`;
  return rows[0] ?? null;
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
