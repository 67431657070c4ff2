// The system disk of a server build (seed 001's create_volume_if_absent, made safe to retry):
// reuse a tenant volume of the disk's name no live build holds, else hand a pool spare over from
// the admin project (transfer + accept), else build one from the OS snapshot as admin and hand that over.
import type { ProjectClients } from '../openstack/cloud';
import { transferName, type Volume } from '../openstack/cinder';
import { NotFoundError, QuotaExceededError } from '../openstack/errors';
import { fallbackDiskName } from './names';

/** Raised when accepting would exceed the tenant's quota: the build fails with this, not retried. */
export class TenantQuotaError extends Error {
  override name = 'TenantQuotaError';
}

export interface Handover {
  admin: ProjectClients;
  tenant: ProjectClients;
  /** The tenant's project (where the volume must end up). */
  projectId: string;
}

/** Owner project of a volume as the admin sees it. */
export const ownerOf = (volume: Volume) => volume['os-vol-tenant-attr:tenant_id'];

/**
 * Moves `volumeId` from the admin project into the tenant's: transfer created as admin and
 * accepted as the tenant in this one call, so the one-time auth key lives only in this
 * process's memory (never in workflow history, a log or the database).
 *
 * Idempotent: a volume already the tenant's is done; transfers a lost earlier attempt left
 * (their key is gone with it) are deleted first. A failed accept deletes its transfer, so the
 * volume is the admin's again (available) when this throws.
 *
 * `mayAccept` (the build's fence check) runs between the transfer's create and its accept: an undo
 * that fenced the build before it throws here; one that fenced it after finds the transfer and
 * deletes it (servers/release), so the accept fails. Either way no accept lands behind the undo.
 */
export async function handOverVolume(
  h: Handover,
  volumeId: string,
  buildId: string,
  mayAccept: () => Promise<void> = async () => undefined,
): Promise<void> {
  const volume = await h.admin.cinder.getVolume(volumeId);
  if (ownerOf(volume) === h.projectId) return;
  // Only a volume awaiting a transfer can have one a lost attempt left (listing them is not free).
  if (volume.status === 'awaiting-transfer') {
    for (const stale of (await h.admin.cinder.listTransfers()).filter((t) => t.volume_id === volumeId)) {
      await deleteTransferIfPresent(h.admin, stale.id);
    }
  }
  const transfer = await h.admin.cinder.createTransfer(volumeId, transferName(buildId));
  try {
    await mayAccept();
    await h.tenant.cinder.acceptTransfer(transfer.id, transfer.auth_key);
  } catch (err) {
    await deleteTransferIfPresent(h.admin, transfer.id);
    // A quota refusal fails the build; a rate limit (429, a 413 asking to wait) is retried by the step.
    if (err instanceof QuotaExceededError)
      throw new TenantQuotaError(`the project's volume quota refuses the system disk: ${err.apiMessage}`);
    throw err;
  }
}

export async function deleteTransferIfPresent(clients: ProjectClients, transferId: string): Promise<void> {
  await clients.cinder.deleteTransfer(transferId).catch((err: unknown) => {
    if (!(err instanceof NotFoundError)) throw err;
  });
}

/** A volume of the tenant's project by name (the first, oldest-created, if several). */
export async function findTenantVolume(tenant: ProjectClients, name: string): Promise<Volume | undefined> {
  const found = await tenant.cinder.listVolumes({ name });
  return found.sort((a, b) => a.created_at.localeCompare(b.created_at))[0];
}

/** A volume given to a server (Nova reserves it, attaches it, it is in use). */
export const ATTACHED = ['reserved', 'attaching', 'in-use'];

/**
 * Deletes a volume if it is there; a volume still going away counts as deleted. One attached to a
 * server is left alone (`attached`): callers delete what a build made after its own server is gone,
 * so a server holding it now is another one.
 */
export async function deleteVolumeIfPresent(
  clients: ProjectClients,
  volumeId: string,
): Promise<'deleted' | 'absent' | 'attached'> {
  try {
    const volume = await clients.cinder.getVolume(volumeId);
    if (volume.status === 'deleting') return 'deleted';
    if (ATTACHED.includes(volume.status)) return 'attached';
    await clients.cinder.deleteVolume(volumeId);
    return 'deleted';
  } catch (err) {
    if (err instanceof NotFoundError) return 'absent';
    throw err;
  }
}

export interface FallbackDiskRequest {
  buildId: string;
  volumeType: string;
  osName: string;
  snapshotId: string;
  sizeGb: number;
}

/**
 * Pool empty: builds the system disk from the OS snapshot as admin (the snapshot is the admin
 * project's), under a name derived from the build, looked up before creating so a retry or a
 * worker crash never makes a second one.
 */
export async function ensureFallbackDisk(
  admin: ProjectClients,
  req: FallbackDiskRequest,
): Promise<{ volumeId: string; status: string }> {
  const name = fallbackDiskName(req.buildId);
  const volume =
    (await admin.cinder.listVolumes({ name }))[0] ??
    (await admin.cinder.createVolume({
      name,
      size: req.sizeGb,
      volumeType: req.volumeType,
      snapshotId: req.snapshotId,
      description: `blockflow system disk for build ${req.buildId} (${req.osName}; the pool was empty)`,
      metadata: { 'blockflow:build': req.buildId },
    }));
  return { volumeId: volume.id, status: volume.status };
}
