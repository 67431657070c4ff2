// Undoing a build's system disk (compensation): look where the volume is, never assume. A boot
// that failed on the compute node may already have deleted it (delete_on_termination), an
// accept may or may not have happened, a transfer may be pending.
import type { PrismaClient } from '../prisma/client';
import { NotFoundError } from '../openstack/errors';
import type { Volume } from '../openstack/cinder';
import { forgetClaimedSpare, returnClaimedSpare } from '../pool/claim';
import { fallbackDiskName, systemDiskName } from './names';
import { deleteTransferIfPresent, deleteVolumeIfPresent, type Handover } from './system-disk';
import { BUILD_METADATA_KEY } from './tenant-disks';

export type SystemDiskRelease =
  | 'none made'
  | 'already gone'
  | 'deleted from the tenant project'
  | 'returned to the pool'
  | 'deleted from the admin project';

export interface SystemDiskToRelease {
  buildId: string;
  /** The server's name (a fallback disk handed over is renamed after it). */
  serverName: string;
}

/** Call after `fenceBuild`: no claim can be made for the build from then on. */
export async function releaseSystemDisk(
  prisma: PrismaClient,
  h: Handover,
  disk: SystemDiskToRelease,
): Promise<SystemDiskRelease> {
  const volumeId = await findBuildSystemDisk(prisma, h, disk);
  if (!volumeId) {
    await forgetClaimedSpare(prisma, disk.buildId);
    return 'none made';
  }
  let volume = await adminView(h, volumeId);
  if (!volume) {
    await forgetClaimedSpare(prisma, disk.buildId);
    return 'already gone';
  }
  if (volume['os-vol-tenant-attr:tenant_id'] === h.projectId) {
    await deleteVolumeIfPresent(h.tenant, volumeId);
    await forgetClaimedSpare(prisma, disk.buildId);
    return 'deleted from the tenant project';
  }
  // Still the admin project's: a pending transfer goes first (Cinder never expires one).
  for (const transfer of (await h.admin.cinder.listTransfers()).filter((t) => t.volume_id === volumeId)) {
    await deleteTransferIfPresent(h.admin, transfer.id);
  }
  volume = await adminView(h, volumeId);
  if (volume?.status === 'available' && (await returnClaimedSpare(prisma, disk.buildId)) > 0)
    return 'returned to the pool';
  await forgetClaimedSpare(prisma, disk.buildId);
  await deleteVolumeIfPresent(h.admin, volumeId);
  return 'deleted from the admin project';
}

/**
 * The build's system disk, found by the build's identity (so the undo can be registered before
 * the step and still find what a crashed or cancelled attempt made): the spare it claimed, the
 * disk it was handed, or the disk it built on demand (tagged with the build's id, under its
 * admin-side name or, once handed over, renamed after the server).
 */
async function findBuildSystemDisk(prisma: PrismaClient, h: Handover, disk: SystemDiskToRelease) {
  const claim = await prisma.spareVolume.findFirst({ where: { claimedBy: disk.buildId, allocated: true } });
  if (claim?.volumeId) return claim.volumeId;
  const handout = await prisma.systemDiskHandout.findUnique({ where: { buildId: disk.buildId } });
  if (handout) return handout.volumeId;
  for (const name of [fallbackDiskName(disk.buildId), systemDiskName(disk.serverName)]) {
    const tagged = (await h.admin.cinder.listVolumes({ name, allTenants: true })).find(
      (v) => v.metadata?.[BUILD_METADATA_KEY] === disk.buildId,
    );
    if (tagged) return tagged.id;
  }
  return undefined;
}

async function adminView(h: Handover, volumeId: string): Promise<Volume | undefined> {
  try {
    return await h.admin.cinder.getVolume(volumeId);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}
