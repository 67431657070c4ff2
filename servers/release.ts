// Undoing a build's system disk (compensation): look where the volume is, never assume. A boot
// that failed on the compute node may already have deleted it (delete_on_termination), an
// accept may or may not have happened, a transfer may be pending.
import type { PrismaClient } from '../prisma/client';
import { NotFoundError } from '../openstack/errors';
import type { Volume } from '../openstack/cinder';
import { forgetClaimedSpare, returnClaimedSpare } from '../pool/claim';
import { deleteTransferIfPresent, deleteVolumeIfPresent, type Handover } from './system-disk';

export type SystemDiskRelease =
  | 'kept: the tenant had it before the build'
  | 'already gone'
  | 'deleted from the tenant project'
  | 'returned to the pool'
  | 'deleted from the admin project';

export interface SystemDiskToRelease {
  buildId: string;
  volumeId: string;
  /** The volume was the tenant's before this build (create_volume_if_absent found it). */
  reused: boolean;
}

export async function releaseSystemDisk(
  prisma: PrismaClient,
  h: Handover,
  disk: SystemDiskToRelease,
): Promise<SystemDiskRelease> {
  if (disk.reused) return 'kept: the tenant had it before the build';
  let volume = await adminView(h, disk.volumeId);
  if (!volume) {
    await forgetClaimedSpare(prisma, disk.buildId);
    return 'already gone';
  }
  if (volume['os-vol-tenant-attr:tenant_id'] === h.projectId) {
    await deleteVolumeIfPresent(h.tenant, disk.volumeId);
    await forgetClaimedSpare(prisma, disk.buildId);
    return 'deleted from the tenant project';
  }
  // Still the admin project's: a pending transfer goes first (Cinder never expires one).
  for (const transfer of (await h.admin.cinder.listTransfers()).filter((t) => t.volume_id === disk.volumeId)) {
    await deleteTransferIfPresent(h.admin, transfer.id);
  }
  volume = await adminView(h, disk.volumeId);
  if (volume?.status === 'available' && (await returnClaimedSpare(prisma, disk.buildId)) > 0)
    return 'returned to the pool';
  await forgetClaimedSpare(prisma, disk.buildId);
  await deleteVolumeIfPresent(h.admin, disk.volumeId);
  return 'deleted from the admin project';
}

async function adminView(h: Handover, volumeId: string): Promise<Volume | undefined> {
  try {
    return await h.admin.cinder.getVolume(volumeId);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}
