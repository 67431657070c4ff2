// Undoing a build's system disk (compensation): look where the volume is, never assume. A boot
// that failed on the compute node may already have deleted it (delete_on_termination), an
// accept may or may not have happened, a transfer may be pending. Only what the build was handed
// or made, as PostgreSQL and the admin project record it, is undone: never a volume found by a
// name or a tag a tenant can set, never one the build reused (the tenant's own), never one a
// server holds, never another project's.
import type { PrismaClient } from '../prisma/client';
import { NotFoundError } from '../openstack/errors';
import type { Volume } from '../openstack/cinder';
import { forgetClaimedSpare, returnClaimedSpare } from '../pool/claim';
import { fallbackDiskName } from './names';
import { recordedSystemDisk } from './obtain-system-disk';
import { deleteTransferIfPresent, deleteVolumeIfPresent, ownerOf, type Handover } from './system-disk';

export type SystemDiskRelease =
  | 'none made'
  | "kept: the tenant's own volume, reused"
  | 'already gone'
  | 'deleted from the tenant project'
  | 'kept: attached to another server'
  | 'returned to the pool'
  | 'deleted from the admin project'
  | "left alone: another project's volume";

export interface SystemDiskToRelease {
  buildId: string;
  /** The server's name (a fallback disk handed over is renamed after it). */
  serverName: string;
}

/** Call after `fenceBuild`: no claim or accept can be made for the build from then on. */
export async function releaseSystemDisk(
  prisma: PrismaClient,
  h: Handover,
  disk: SystemDiskToRelease,
): Promise<SystemDiskRelease> {
  const found = await findBuildSystemDisk(prisma, h, disk.buildId);
  if (!found.volumeId) {
    await forgetClaimedSpare(prisma, disk.buildId);
    return found.reused ? "kept: the tenant's own volume, reused" : 'none made';
  }
  const { volumeId } = found;
  const adminProjectId = (await h.admin.session.authenticate()).projectId;
  let volume = await adminView(h, volumeId);
  if (volume && ownerOf(volume) === adminProjectId) {
    // Still the admin project's: a pending transfer goes first (Cinder never expires one; an accept
    // in flight then fails), then the spare goes back if, with its claim row locked, it still is.
    for (const transfer of (await h.admin.cinder.listTransfers()).filter((t) => t.volume_id === volumeId)) {
      await deleteTransferIfPresent(h.admin, transfer.id);
    }
    const spare = async () => isSpare(await adminView(h, volumeId), adminProjectId);
    if ((await returnClaimedSpare(prisma, disk.buildId, spare)) > 0) {
      // The row no longer names it: it is the pool's again, soon another build's.
      await prisma.serverBuild.updateMany({
        where: { id: disk.buildId, systemVolumeId: volumeId },
        data: { systemVolumeId: null },
      });
      return 'returned to the pool';
    }
    volume = await adminView(h, volumeId);
  }
  if (!volume) {
    await forgetClaimedSpare(prisma, disk.buildId);
    return 'already gone';
  }
  if (ownerOf(volume) === h.projectId) {
    const deleted = await deleteVolumeIfPresent(h.tenant, volumeId);
    await forgetClaimedSpare(prisma, disk.buildId);
    return deleted === 'attached' ? 'kept: attached to another server' : 'deleted from the tenant project';
  }
  await forgetClaimedSpare(prisma, disk.buildId);
  if (ownerOf(volume) !== adminProjectId) return "left alone: another project's volume";
  await deleteVolumeIfPresent(h.admin, volumeId);
  return 'deleted from the admin project';
}

/**
 * The build's system disk, found by the build's identity in records no tenant can write (so the
 * undo can be registered before the step and still find what a crashed or cancelled attempt
 * made): the spare it claimed, the disk it was handed, the disk it built on demand (recorded on
 * its row before the handover; before that, the admin project's own volume of the build's name).
 */
async function findBuildSystemDisk(
  prisma: PrismaClient,
  h: Handover,
  buildId: string,
): Promise<{ volumeId?: string; reused?: boolean }> {
  const claim = await prisma.spareVolume.findFirst({ where: { claimedBy: buildId, allocated: true } });
  if (claim?.volumeId) return { volumeId: claim.volumeId };
  const recorded = await recordedSystemDisk(prisma, buildId);
  if (recorded?.handedVolumeId) return { volumeId: recorded.handedVolumeId };
  if (recorded?.path === 'fallback' && recorded.systemVolumeId) return { volumeId: recorded.systemVolumeId };
  // Without all_tenants: the admin project's own volumes, which only blockflow makes.
  const [made] = await h.admin.cinder.listVolumes({ name: fallbackDiskName(buildId) });
  if (made) return { volumeId: made.id };
  return { reused: recorded?.path === 'reused' };
}

/** A spare the pool can hand out again: the admin project's and available (no transfer, no server). */
const isSpare = (volume: Volume | undefined, adminProjectId: string) =>
  !!volume && ownerOf(volume) === adminProjectId && volume.status === 'available';

async function adminView(h: Handover, volumeId: string): Promise<Volume | undefined> {
  try {
    return await h.admin.cinder.getVolume(volumeId);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}
