// The pool's own quota reader (pool/quota.ts) against both clouds: for a quota set on the admin project
// above its usage, it finds the same room on either cloud, counts a create the moment it is sent, and
// the plan it fits is just what cinder then admits (each other create a QuotaExceededError). The admin
// project's quota set is deleted (back to the defaults) and its volumes removed however the check ends.
import { expect, it } from 'vitest';
import { QuotaExceededError } from '../../openstack/errors';
import type { KindPlan } from '../../pool/kinds';
import { fitToQuota, readAdminQuota, type QuotaRoom } from '../../pool/quota';
import type { ContractContext } from './context';
import { available, gone, settledUsage } from './quota-checks';

/** The keys the pool plans with, for the two volume types. */
const KEYS = [
  'volumes',
  'gigabytes',
  'per_volume_gigabytes',
  ...['sas', 'ssd'].flatMap((t) => [`volumes_${t}`, `gigabytes_${t}`]),
];
const rooms = (quota: QuotaRoom) => Object.fromEntries(KEYS.map((key) => [key, quota.room(key)]));

/** A kind of the pool's plan: `missing` spares of `sizeGb` on `volumeType`. */
const kind = (volumeType: string, sizeGb: number, missing: number): KindPlan => ({
  volumeType,
  osName: `${sizeGb} GB`,
  target: missing,
  have: 0,
  missing,
  status: 'ok',
  snapshotId: 'unused',
  sizeGb,
});

export function poolQuotaChecks(ctx: ContractContext): void {
  const name = `pool-quota-${ctx.target}-${Date.now().toString(36)}`;

  it('the same room on both clouds; a create counts at once; cinder admits just what the plan fits', async () => {
    const admin = ctx.admin();
    const quota = `/os-quota-sets/${ctx.ids().adminProjectId}`;
    const made: string[] = [];
    /** A create through the project's client, as the pool sends it: the volume, or the error. */
    const create = async (volumeType: string, size: number) => {
      const answer = await ctx
        .clients()
        .admin.cinder.createVolume({ name, size, volumeType })
        .catch((err: Error) => err);
      if (!(answer instanceof Error)) made.push(answer.id);
      return answer;
    };
    try {
      const used = await settledUsage(ctx, admin, quota);
      // The room to leave per key over what the project uses (per_volume_gigabytes is a limit per
      // volume, never used up); sas's volume count and ssd's gigabytes keep cinder's default, unlimited.
      const room = { volumes: 3, gigabytes: 10, per_volume_gigabytes: 2, gigabytes_sas: 0, volumes_ssd: 2 };
      const limits = Object.fromEntries(
        Object.entries(room).map(([key, n]) => [key, key === 'per_volume_gigabytes' ? n : used[key]!.in_use + n]),
      );
      expect((await admin.call('PUT', quota, { quota_set: limits })).status).toBe(200);
      const unlimited = { volumes_sas: Infinity, gigabytes_ssd: Infinity };
      expect(rooms(await readAdminQuota(ctx.clients()))).toEqual({ ...room, ...unlimited });

      // Sent, not yet available: the pool plans while its creates are in flight.
      expect(await create('ssd', 2)).toMatchObject({ status: 'creating' });
      const left = await readAdminQuota(ctx.clients());
      expect(rooms(left)).toEqual({ ...room, ...unlimited, volumes: 2, gigabytes: 8, volumes_ssd: 1 });

      // In the round's order: one ssd of 3 GB (past per_volume_gigabytes), two ssd of 2 GB (room for one),
      // one sas of 1 GB (no sas gigabytes left): just one ssd of 2 GB fits.
      const plan = fitToQuota([kind('ssd', 3, 1), kind('ssd', 2, 2), kind('sas', 1, 1)], left);
      expect(plan.map((k) => [k.missing, k.beyondQuota])).toEqual([
        [0, 1],
        [1, 1],
        [0, 1],
      ]);
      expect(await create('ssd', 2)).toMatchObject({ status: 'creating' });
      const refused = [await create('ssd', 3), await create('ssd', 2), await create('sas', 1)];
      for (const err of refused) expect(err).toBeInstanceOf(QuotaExceededError);
      expect(refused.map((err) => (err as QuotaExceededError).apiMessage.split(':')[0])).toEqual([
        'VolumeSizeExceedsLimit',
        'VolumeLimitExceeded',
        'VolumeSizeExceedsAvailableQuota',
      ]);
    } finally {
      await admin.call('DELETE', quota);
      for (const id of made) {
        await available(admin, 'volumes', id);
        await admin.call('DELETE', `/volumes/${id}`);
        await gone(admin, 'volumes', id);
      }
    }
  });
}
