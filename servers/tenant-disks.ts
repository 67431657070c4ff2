// Swap and data disks, created in the tenant's project (seed 001: non-system disks keep the
// original create flow). A disk carries its build's id in its metadata, so a retried create
// finds the disk its earlier attempt made instead of making a second one.
import type { ProjectClients } from '../openstack/cloud';
import { QuotaExceededError } from '../openstack/errors';
import { deleteVolumeIfPresent, TenantQuotaError } from './system-disk';

export const BUILD_METADATA_KEY = 'blockflow:build';

export interface TenantDiskRequest {
  buildId: string;
  name: string;
  sizeGb: number;
  volumeType: string;
}

/**
 * The build's disk of that name: the one an earlier attempt made, else a new one. `mayGrant`
 * (the build's fence check, run alongside the look-up) must pass before either is used.
 */
export async function ensureTenantDisk(
  tenant: ProjectClients,
  req: TenantDiskRequest,
  mayGrant: Promise<unknown> = Promise.resolve(),
): Promise<{ volumeId: string; status: string }> {
  const [volumes] = await Promise.all([tenant.cinder.listVolumes({ name: req.name }), mayGrant]);
  const mine = volumes.find((v) => v.metadata?.[BUILD_METADATA_KEY] === req.buildId);
  const volume =
    mine ??
    (await tenant.cinder
      .createVolume({
        name: req.name,
        size: req.sizeGb,
        volumeType: req.volumeType,
        description: `blockflow server build ${req.buildId}`,
        metadata: { [BUILD_METADATA_KEY]: req.buildId },
      })
      .catch((err: unknown) => {
        // Over the project's quota, which no retry changes (a rate limit, 429 or 413 asking to wait, is retried).
        if (err instanceof QuotaExceededError)
          throw new TenantQuotaError(`the project's quota refuses ${req.name}: ${err.apiMessage}`);
        throw err;
      }));
  return { volumeId: volume.id, status: volume.status };
}

/**
 * Deletes the disks of that name this build made (found by its metadata), unless a server holds
 * one (not this build's: its undo deletes its server first); returns how many it deleted.
 */
export async function deleteTenantDisksOf(
  tenant: ProjectClients,
  req: { buildId: string; name: string },
): Promise<number> {
  const mine = (await tenant.cinder.listVolumes({ name: req.name })).filter(
    (v) => v.metadata?.[BUILD_METADATA_KEY] === req.buildId,
  );
  let deleted = 0;
  for (const volume of mine) if ((await deleteVolumeIfPresent(tenant, volume.id)) !== 'attached') deleted++;
  return deleted;
}
