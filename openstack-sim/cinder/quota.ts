import type { SimulatedCloud } from '../simulated-cloud';
import { fault } from '../errors';

/**
 * Per-project cinder quotas (volumes, gigabytes), checked when a project would gain
 * a volume (create, transfer accept) or gigabytes (extend). Over quota is 413 with cinder's messages.
 */
export function checkVolumeQuota(cloud: SimulatedCloud, projectId: string, sizeGb: number, addVolumes = 1): void {
  const quota = cloud.options.quota;
  if (!quota) return;
  let count = 0;
  let gigabytes = 0;
  for (const volume of cloud.state.volumes.values()) {
    if (volume.projectId !== projectId) continue;
    count++;
    gigabytes += volume.size;
  }
  if (quota.volumes !== undefined && addVolumes > 0 && count + addVolumes > quota.volumes) {
    throw fault.overLimit(`VolumeLimitExceeded: Maximum number of volumes allowed (${quota.volumes}) exceeded for quota 'volumes'.`);
  }
  if (quota.gigabytes !== undefined && gigabytes + sizeGb > quota.gigabytes) {
    throw fault.overLimit(
      `VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested ${sizeGb}G, quota is ${quota.gigabytes}G and ${gigabytes}G has been consumed.`,
    );
  }
}
