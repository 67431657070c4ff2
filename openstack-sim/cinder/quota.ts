import type { SimulatedCloud } from '../simulated-cloud';
import { fault } from '../errors';

/**
 * Cinder quotas per project: limits (the simulator's defaults from options.quota, unlimited = -1
 * otherwise, overridden per project through os-quota-sets) and usage (volumes, and gigabytes of
 * volumes and snapshots, as cinder counts them), per volume type too (volumes_<type>, …).
 */
const GLOBAL_KEYS = ['volumes', 'per_volume_gigabytes', 'snapshots', 'gigabytes', 'backups', 'backup_gigabytes'];

/** Every quota key of this cloud, in cinder's order. */
export function quotaKeys(cloud: SimulatedCloud): string[] {
  const perType = [...cloud.state.volumeTypes.values()].flatMap((t) =>
    ['volumes', 'gigabytes', 'snapshots'].map((k) => `${k}_${t.name}`),
  );
  return [...GLOBAL_KEYS, ...perType, 'groups'];
}

export function defaultLimits(cloud: SimulatedCloud): Record<string, number> {
  const configured: Record<string, number | undefined> = { ...cloud.options.quota };
  return Object.fromEntries(quotaKeys(cloud).map((k) => [k, configured[k] ?? -1]));
}

export function quotaLimits(cloud: SimulatedCloud, projectId: string): Record<string, number> {
  return { ...defaultLimits(cloud), ...cloud.state.quotas.get(projectId) };
}

export function quotaUsage(cloud: SimulatedCloud, projectId: string): Record<string, number> {
  const usage: Record<string, number> = Object.fromEntries(quotaKeys(cloud).map((k) => [k, 0]));
  const add = (key: string, n: number) => {
    if (key in usage) usage[key] += n;
  };
  const typeName = (id: string) => cloud.state.volumeTypes.get(id)?.name;
  for (const v of cloud.state.volumes.values()) {
    if (v.projectId !== projectId) continue;
    add('volumes', 1);
    add('gigabytes', v.size);
    add(`volumes_${typeName(v.volumeTypeId)}`, 1);
    add(`gigabytes_${typeName(v.volumeTypeId)}`, v.size);
  }
  for (const s of cloud.state.snapshots.values()) {
    if (s.projectId !== projectId) continue;
    add('snapshots', 1);
    add('gigabytes', s.size);
    add(`snapshots_${typeName(s.volumeTypeId)}`, 1);
    add(`gigabytes_${typeName(s.volumeTypeId)}`, s.size);
  }
  return usage;
}

export interface QuotaRequest {
  projectId: string;
  volumeTypeId: string;
  sizeGb: number;
  /** Volumes the project gains (0 for an extend). */
  addVolumes?: number;
  /**
   * The transfer accept answers a gigabytes overrun with the bare message (its controller catches
   * VolumeSizeExceedsAvailableQuota itself); elsewhere cinder's fault wrapper prefixes the class name.
   */
  bareSizeMessage?: boolean;
}

/** cinder's reserve: the first limit the request would pass, in its order, is a 413 in its words. */
export function checkVolumeQuota(cloud: SimulatedCloud, req: QuotaRequest): void {
  const limits = quotaLimits(cloud, req.projectId);
  const usage = quotaUsage(cloud, req.projectId);
  const type = cloud.state.volumeTypes.get(req.volumeTypeId)?.name;
  const addVolumes = req.addVolumes ?? 1;
  const deltas: [string, number][] = [
    ['volumes', addVolumes],
    ['gigabytes', req.sizeGb],
    [`volumes_${type}`, addVolumes],
    [`gigabytes_${type}`, req.sizeGb],
  ];
  for (const [key, delta] of deltas) {
    const limit = limits[key];
    if (limit === undefined || limit < 0 || delta <= 0 || usage[key] + delta <= limit) continue;
    if (key.startsWith('volumes')) {
      throw fault.overLimit(
        `VolumeLimitExceeded: Maximum number of volumes allowed (${limit}) exceeded for quota '${key}'.`,
      );
    }
    const message =
      `Requested volume or snapshot exceeds allowed ${key} quota. ` +
      `Requested ${req.sizeGb}G, quota is ${limit}G and ${usage[key]}G has been consumed.`;
    throw fault.overLimit(req.bareSizeMessage ? message : `VolumeSizeExceedsAvailableQuota: ${message}`);
  }
}
