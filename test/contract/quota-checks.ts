// Cinder's quotas as operators see and meet them (`cinder absolute-limits`, `quota-defaults`,
// `quota-usage`, a create over quota), run against both clouds. The simulator's contract target runs
// with cinder's stock defaults (CINDER_DEFAULT_QUOTAS), so the limits are compared as values; usage is
// compared with what each cloud lists. Each 413 is checked in cinder's words; the quota set is deleted
// (back to the defaults) however a check ends.
import { expect, it } from 'vitest';
import { waitFor } from '../openstack-sim/helpers';
import type { ContractContext } from './context';
import type { RawVolumeApi } from './raw';

/** cinder.conf's quota_* defaults, which neither cloud's contract set-up changes. */
const STOCK = { volumes: 10, snapshots: 10, gigabytes: 1000, backups: 10, backup_gigabytes: 1000, groups: 10 };
const over = (message: string) => ({ overLimit: { code: 413, message, retryAfter: '0' } });
const sizeOver = (key: string, requested: number, quota: number, used: number) =>
  over(
    `VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed ${key} quota. ` +
      `Requested ${requested}G, quota is ${quota}G and ${used}G has been consumed.`,
  );

export type QuotaUsage = Record<string, { limit: number; in_use: number }>;

/**
 * A project's quota usage (read as admin at `quotaPath`) once it agrees with what the project lists
 * (`api`): real cinder commits a delete's quota after the volume is gone from the API, so a read right
 * after a delete can still count it.
 */
export async function settledUsage(ctx: ContractContext, api: RawVolumeApi, quotaPath: string): Promise<QuotaUsage> {
  let set: QuotaUsage = {};
  await waitFor(
    'quota usage to match the listed volumes and snapshots',
    async () => {
      set = (await ctx.admin().call('GET', `${quotaPath}?usage=true`)).body.quota_set;
      const volumes = (await api.call('GET', '/volumes')).body.volumes.length;
      const snapshots = (await api.call('GET', '/snapshots')).body.snapshots.length;
      return set.volumes!.in_use === volumes && set.snapshots!.in_use === snapshots;
    },
    30_000,
  );
  return set;
}

export async function available(api: RawVolumeApi, kind: 'volumes' | 'snapshots', id: string): Promise<void> {
  const key = kind === 'volumes' ? 'volume' : 'snapshot';
  await waitFor(
    `${key} ${id} available`,
    async () => (await api.call('GET', `/${kind}/${id}`)).body[key].status === 'available',
    30_000,
  );
}

export const gone = (api: RawVolumeApi, kind: 'volumes' | 'snapshots', id: string) =>
  waitFor(`${kind} ${id} gone`, async () => (await api.call('GET', `/${kind}/${id}`)).status === 404, 30_000);

export function quotaChecks(ctx: ContractContext): void {
  const name = `quota-${ctx.target}-${Date.now().toString(36)}`;
  const quota = () => `/os-quota-sets/${ctx.ids().demoProjectId}`;
  const setQuota = (quota_set: Record<string, number>) => ctx.admin().call('PUT', quota(), { quota_set });
  const usage = () => settledUsage(ctx, ctx.demo(), quota());

  it("absolute limits: cinder's stock defaults, the project's usage; an admin may ask for another", async () => {
    const demo = ctx.demo();
    const used = await usage();
    const limits = await demo.call('GET', '/limits');
    expect(limits.status).toBe(200);
    ctx.record('limits', limits.body);
    expect(limits.body.limits).toEqual({
      rate: [],
      absolute: {
        maxTotalVolumes: STOCK.volumes,
        maxTotalSnapshots: STOCK.snapshots,
        maxTotalVolumeGigabytes: STOCK.gigabytes,
        maxTotalBackups: STOCK.backups,
        maxTotalBackupGigabytes: STOCK.backup_gigabytes,
        totalVolumesUsed: used.volumes.in_use,
        totalGigabytesUsed: used.gigabytes.in_use,
        totalSnapshotsUsed: used.snapshots.in_use,
        totalBackupsUsed: 0,
        totalBackupGigabytesUsed: 0,
      },
    });
    const listed = (await demo.call('GET', '/volumes')).body.volumes.length;
    expect(used.volumes.in_use).toBe(listed);
    // From 3.39 an admin names the project; before, and for members, project_id is ignored.
    const { demoProjectId } = ctx.ids();
    const v339 = { 'OpenStack-API-Version': 'volume 3.39' };
    const forDemo = await ctx.admin().call('GET', `/limits?project_id=${demoProjectId}`, undefined, v339);
    expect(forDemo.body.limits.absolute.totalVolumesUsed).toBe(listed);
    const own = (await ctx.admin().call('GET', '/volumes')).body.volumes.length;
    const ignored = await ctx.admin().call('GET', `/limits?project_id=${demoProjectId}`);
    expect(ignored.body.limits.absolute.totalVolumesUsed).toBe(own);
  });

  it("quota defaults and sets: cinder's stock limits, per volume type keys unlimited", async () => {
    const defaults = await ctx.demo().call('GET', `${quota()}/defaults`);
    expect(defaults.body.quota_set).toMatchObject({
      ...STOCK,
      per_volume_gigabytes: -1,
      volumes_sas: -1,
      gigabytes_ssd: -1,
      snapshots_sas: -1,
      id: ctx.ids().demoProjectId,
    });
    ctx.record('quota defaults', defaults.body);
  });

  it('quota update: the tenant_id cinderclient sends is ignored; no own limit below usage; {} refused', async () => {
    const admin = ctx.admin();
    const { demoProjectId } = ctx.ids();
    const made = await ctx.demo().call('POST', '/volumes', { volume: { name: `${name}-used`, size: 1 } });
    try {
      const used = (await usage()).volumes.in_use;
      expect(used).toBeGreaterThan(0);
      const update = await admin.call('PUT', quota(), { quota_set: { tenant_id: demoProjectId, snapshots: 7 } });
      expect(update.status).toBe(200);
      expect(update.body.quota_set).toMatchObject({ snapshots: 7, volumes: STOCK.volumes });
      // cinder checks a new limit against usage only for keys the project has a limit of its own for.
      expect((await setQuota({ volumes: used })).status).toBe(200);
      expect((await setQuota({ volumes: used - 1 })).body).toEqual({
        badRequest: {
          code: 400,
          message:
            'Quota volumes limit must be equal or greater than existing resources. ' +
            `Current usage is ${used} and the requested limit is ${used - 1}.`,
        },
      });
      expect((await admin.call('DELETE', quota())).status).toBe(200);
      expect((await setQuota({ volumes: used - 1 })).status).toBe(200);
      expect((await setQuota({})).body.badRequest.message).toBe(
        'Invalid input for field/attribute quota_set. Value: {}. {} does not have enough properties',
      );
    } finally {
      await admin.call('DELETE', quota());
      await available(ctx.demo(), 'volumes', made.body.volume.id);
      await ctx.demo().call('DELETE', `/volumes/${made.body.volume.id}`);
      await gone(ctx.demo(), 'volumes', made.body.volume.id);
    }
  });

  it("a volume create over quota is 413 in cinder's words: volumes, gigabytes, per type, per volume", async () => {
    const demo = ctx.demo();
    const create = (volume: Record<string, unknown>) => demo.call('POST', '/volumes', { volume: { name, ...volume } });
    try {
      const used = await usage();
      const volumes = used.volumes.in_use;
      const gigabytes = used.gigabytes.in_use;
      const sas = used.volumes_sas.in_use;
      await setQuota({ volumes });
      const count = over(
        `VolumeLimitExceeded: Maximum number of volumes allowed (${volumes}) exceeded for quota 'volumes'.`,
      );
      expect((await create({ size: 1 })).body).toEqual(count);
      await setQuota({ volumes: -1, gigabytes: gigabytes + 1 });
      expect((await create({ size: 2, volume_type: 'ssd' })).body).toEqual(
        sizeOver('gigabytes', 2, gigabytes + 1, gigabytes),
      );
      await setQuota({ gigabytes: -1, volumes_sas: sas });
      expect((await create({ size: 1, volume_type: 'sas' })).body).toEqual(
        over(`VolumeLimitExceeded: Maximum number of volumes allowed (${sas}) exceeded for quota 'volumes_sas'.`),
      );
      const sasGb = used.gigabytes_sas.in_use;
      await setQuota({ volumes_sas: -1, gigabytes_sas: sasGb });
      expect((await create({ size: 1, volume_type: 'sas' })).body).toEqual(sizeOver('gigabytes_sas', 1, sasGb, sasGb));
      await setQuota({ gigabytes_sas: -1, per_volume_gigabytes: 2 });
      expect((await create({ size: 3 })).body).toEqual(
        over('VolumeSizeExceedsLimit: Requested volume size 3G is larger than maximum allowed limit 2G.'),
      );
      // Within every limit, the same create passes (another type's limit does not count).
      await setQuota({ volumes_ssd: 0 });
      const made = await create({ size: 2, volume_type: 'sas' });
      expect(made.status).toBe(202);
      await available(demo, 'volumes', made.body.volume.id);
      const extend = await demo.call('POST', `/volumes/${made.body.volume.id}/action`, {
        'os-extend': { new_size: 3 },
      });
      expect(extend.body).toEqual(
        over('VolumeSizeExceedsLimit: Requested volume size 3G is larger than maximum allowed limit 2G.'),
      );
      expect((await usage()).volumes.in_use).toBe(volumes + 1);
      expect((await demo.call('DELETE', `/volumes/${made.body.volume.id}`)).status).toBe(202);
      // Gone before the next check reads usage (a deleting volume still counts, in both clouds).
      await gone(demo, 'volumes', made.body.volume.id);
    } finally {
      await ctx.admin().call('DELETE', quota());
    }
  });

  it("a snapshot create over quota is 413 in cinder's words: snapshots, per type, gigabytes", async () => {
    const demo = ctx.demo();
    const made = await demo.call('POST', '/volumes', { volume: { name: `${name}-src`, size: 1, volume_type: 'sas' } });
    const volumeId: string = made.body.volume.id;
    await available(demo, 'volumes', volumeId);
    const snap = () => demo.call('POST', '/snapshots', { snapshot: { volume_id: volumeId, name } });
    try {
      const used = await usage();
      await setQuota({ snapshots: used.snapshots.in_use });
      const count = (n: number) => over(`SnapshotLimitExceeded: Maximum number of snapshots allowed (${n}) exceeded`);
      expect((await snap()).body).toEqual(count(used.snapshots.in_use));
      await setQuota({ snapshots: -1, snapshots_sas: 0 });
      expect((await snap()).body).toEqual(count(0));
      const gigabytes = used.gigabytes.in_use;
      await setQuota({ snapshots_sas: -1, gigabytes });
      expect((await snap()).body).toEqual(sizeOver('gigabytes', 1, gigabytes, gigabytes));
      await setQuota({ gigabytes: -1 });
      const snapshot = await snap();
      expect(snapshot.status).toBe(202);
      await available(demo, 'snapshots', snapshot.body.snapshot.id);
      const after = await usage();
      expect([after.snapshots.in_use, after.gigabytes.in_use]).toEqual([used.snapshots.in_use + 1, gigabytes + 1]);
      expect((await demo.call('DELETE', `/snapshots/${snapshot.body.snapshot.id}`)).status).toBe(202);
      await waitFor(
        'snapshot gone',
        async () => (await demo.call('GET', `/snapshots/${snapshot.body.snapshot.id}`)).status === 404,
        30_000,
      );
    } finally {
      // Clean-up only: a failed check above must not be hidden by an assertion here.
      await ctx.admin().call('DELETE', quota());
      await demo.call('DELETE', `/volumes/${volumeId}`);
    }
  });
}
