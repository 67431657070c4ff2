// The admin project's Cinder quota, as the replenish plan must respect it: a target set beyond what
// the quota has room for would make a round create volumes until Cinder refuses them (413).
// Read from os-quota-sets/{project}?usage=true, which alone has the per-type keys
// (volumes_<type>, gigabytes_<type>) and per_volume_gigabytes; /limits shows only the project-wide ones.
import type { CloudClients } from '../openstack/cloud';
import type { KindPlan } from './kinds';

/** Cinder's answer to GET os-quota-sets/{project}?usage=true: per key its limit (-1 = none) and usage. */
export interface QuotaUsageBody {
  quota_set: Record<string, { limit: number; in_use: number; reserved?: number } | string>;
}

export interface QuotaRoom {
  /** How many more of `key` (a count, or gigabytes) the project may use; Infinity when unlimited or unknown. */
  room(key: string): number;
}

export function parseQuotaUsage(body: QuotaUsageBody): QuotaRoom {
  const rooms = new Map<string, number>();
  for (const [key, v] of Object.entries(body.quota_set)) {
    if (typeof v !== 'object' || v === null || typeof v.limit !== 'number') continue;
    rooms.set(key, v.limit < 0 ? Infinity : Math.max(0, v.limit - (v.in_use ?? 0) - (v.reserved ?? 0)));
  }
  return { room: (key) => rooms.get(key) ?? Infinity };
}

/** The admin project's quota room, read as its own project (cinder lets a project read its own set). */
export async function readAdminQuota(cloud: CloudClients): Promise<QuotaRoom> {
  const { session } = cloud.admin;
  const { projectId } = await session.authenticate();
  const body = await session.request<QuotaUsageBody>('volumev3', {
    method: 'GET',
    path: `/os-quota-sets/${encodeURIComponent(projectId)}?usage=true`,
  });
  return parseQuotaUsage(body);
}

/**
 * Fits the kinds' missing spares into the quota, one slot at a time in the round's own order
 * (round-robin over kinds, as interleave sends them): a slot that would pass volumes, gigabytes,
 * volumes_<type> or gigabytes_<type>, or whose size passes per_volume_gigabytes (a limit per volume,
 * never used up), is not planned but counted in its kind's `beyondQuota`.
 * `null` (the quota could not be read) leaves the plan as it is.
 */
export function fitToQuota(kinds: KindPlan[], quota: QuotaRoom | null): KindPlan[] {
  const out = kinds.map((k) => ({ ...k, missing: 0, beyondQuota: 0 }));
  const left = new Map<string, number>();
  const room = (key: string) => left.get(key) ?? quota?.room(key) ?? Infinity;
  const most = Math.max(0, ...kinds.map((k) => k.missing));
  for (let i = 0; i < most; i++)
    for (const [n, k] of kinds.entries()) {
      if (i >= k.missing) continue;
      const size = k.sizeGb ?? 0;
      const needs: [string, number][] = [
        ['volumes', 1],
        ['gigabytes', size],
        [`volumes_${k.volumeType}`, 1],
        [`gigabytes_${k.volumeType}`, size],
      ];
      const tooLarge = size > (quota?.room('per_volume_gigabytes') ?? Infinity);
      if (tooLarge || needs.some(([key, amount]) => room(key) < amount)) {
        out[n]!.beyondQuota++;
        continue;
      }
      for (const [key, amount] of needs) left.set(key, room(key) - amount);
      out[n]!.missing++;
    }
  return out;
}
