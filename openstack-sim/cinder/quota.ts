import type { SimulatedCloud } from '../simulated-cloud';
import { fault } from '../errors';

/**
 * Cinder quotas per project: limits (the defaults from options.quota, overridden per project through
 * os-quota-sets or options.projectQuotas) and usage (volumes and snapshots, and the gigabytes of both,
 * as cinder counts them), per volume type too (volumes_<type>, …), and cinder's reserve: the checks a
 * create, extend or transfer accept passes, with cinder's 413 in its words.
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
  const configured: Record<string, number | undefined> = cloud.options.quota;
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
  const count = (kind: 'volumes' | 'snapshots', record: { projectId: string; size: number; volumeTypeId: string }) => {
    if (record.projectId !== projectId) return;
    const type = typeName(record.volumeTypeId);
    add(kind, 1);
    add('gigabytes', record.size);
    add(`${kind}_${type}`, 1);
    add(`gigabytes_${type}`, record.size);
  };
  for (const v of cloud.state.volumes.values()) count('volumes', v);
  for (const s of cloud.state.snapshots.values()) count('snapshots', s);
  return usage;
}

export interface QuotaRequest {
  projectId: string;
  volumeTypeId: string;
  sizeGb: number;
  /** What the project gains one of (default a volume); an extend gains none. */
  resource?: 'volumes' | 'snapshots' | 'none';
  /** Only the volume type's keys (a retype reserves on its new type only). */
  typeOnly?: boolean;
  /** A volume's size after the request, checked against per_volume_gigabytes (create and extend). */
  volumeSizeGb?: number;
  /**
   * The transfer accept answers a gigabytes overrun with the bare message (its controller catches
   * VolumeSizeExceedsAvailableQuota itself); elsewhere cinder's fault wrapper prefixes the class name.
   */
  bareSizeMessage?: boolean;
}

/** cinder's limit_check on one volume's size, before any reservation. */
function checkVolumeSize(limit: number | undefined, size: number | undefined): void {
  if (size === undefined || limit === undefined || limit < 0 || size <= limit) return;
  throw fault.overLimit(
    `VolumeSizeExceedsLimit: Requested volume size ${size}G is larger than maximum allowed limit ${limit}G.`,
  );
}

/** cinder's reserve: the first limit the request would pass, in its order (quota_utils), is a 413 in its words. */
export function checkQuota(cloud: SimulatedCloud, req: QuotaRequest): void {
  const limits = quotaLimits(cloud, req.projectId);
  checkVolumeSize(limits.per_volume_gigabytes, req.volumeSizeGb);
  const usage = quotaUsage(cloud, req.projectId);
  const type = cloud.state.volumeTypes.get(req.volumeTypeId)?.name;
  const resource = req.resource ?? 'volumes';
  const counted = resource !== 'none';
  const global = !req.typeOnly;
  const deltas: [string, number][] = [
    ...(counted && global ? [[resource, 1] as [string, number]] : []),
    ...(global ? [['gigabytes', req.sizeGb] as [string, number]] : []),
    ...(counted ? [[`${resource}_${type}`, 1] as [string, number]] : []),
    [`gigabytes_${type}`, req.sizeGb],
  ];
  for (const [key, delta] of deltas) {
    const limit = limits[key];
    if (limit === undefined || limit < 0 || usage[key] + delta <= limit) continue;
    if (key.startsWith('volumes')) {
      throw fault.overLimit(
        `VolumeLimitExceeded: Maximum number of volumes allowed (${limit}) exceeded for quota '${key}'.`,
      );
    }
    if (key.startsWith('snapshots')) {
      throw fault.overLimit(`SnapshotLimitExceeded: Maximum number of snapshots allowed (${limit}) exceeded`);
    }
    const message =
      `Requested volume or snapshot exceeds allowed ${key} quota. ` +
      `Requested ${req.sizeGb}G, quota is ${limit}G and ${usage[key]}G has been consumed.`;
    throw fault.overLimit(req.bareSizeMessage ? message : `VolumeSizeExceedsAvailableQuota: ${message}`);
  }
}
