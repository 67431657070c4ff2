// Targets against the admin project's Cinder quota (volumes, gigabytes, volumes_<type>,
// gigabytes_<type>): what cannot fit is shown per kind in GET /v1/pool and never attempted, and the
// answer to a settings PATCH says when the targets cannot fit (the settings are stored as given); a
// create Cinder refuses for quota all the same fails at once, counted in its round.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from './harness';
import { cinderSpares, run, startPool, testPoolConfig } from './pool-fixture';
import { replenishPool } from '../../workflows';
import { REFUSALS_TO_STOP } from '../../workflows/pool/replenish-pool';
import type { QuotaUsageBody } from '../../pool/quota';

let p: Platform;
beforeAll(async () => {
  // 2 spares of 20 GB per kind, 4 kinds. ssd: room for 3 volumes; sas: 40 GB of snapshots in use
  // already, so 60 GB (3 spares) of room.
  p = await startPool(testPoolConfig(), { projectQuotas: { admin: { volumes_ssd: 3, gigabytes_sas: 100 } } });
});
afterAll(async () => {
  await p?.close();
});

type KindView = { volumeType: string; osName: string; beyondQuota: number };
const beyond = async () =>
  Object.fromEntries(
    ((await p.api('/v1/pool')).body.kinds as KindView[]).map((k) => [`${k.volumeType}/${k.osName}`, k.beyondQuota]),
  );

type Beyond = { volumeType: string; osName: string; count: number };
/** A target change's answer: stored as given (200) and, per kind, what the quota has no room for. */
function expectStoredWithFit(res: { status: number; body: any }, stored: object, beyondQuota: Beyond[]) {
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ ...stored, quota: { fits: beyondQuota.length === 0, beyondQuota } });
  expect(res.body.quota.message).toMatch(/quota/);
}

describe('the replenish plan within the Cinder quota', () => {
  it('GET /v1/pool counts per kind the spares the quota has no room for', async () => {
    // The round's order: sas/Centos, sas/Debian, ssd/Centos, ssd/Debian, then again: the second
    // Debian spare of each type is the one past the quota.
    expect(await beyond()).toEqual({
      'sas/Centos7.3 64bit': 0,
      'sas/Debian9 64bit': 1,
      'ssd/Centos7.3 64bit': 0,
      'ssd/Debian9 64bit': 1,
    });
  });

  it('a round creates what fits and does not attempt the rest (no create refused)', async () => {
    const result = await run(p, replenishPool);
    expect(result).toMatchObject({ created: 6, failed: 0 });
    expect(await cinderSpares(p)).toHaveLength(6);
    expect(await beyond()).toMatchObject({ 'sas/Debian9 64bit': 1, 'ssd/Debian9 64bit': 1 });
  });

  it('PATCH /v1/pool/settings stores the targets as given and says when they cannot fit', async () => {
    const res = await p.api('/v1/pool/settings', { method: 'PATCH', body: { targetHighDemand: 4 } });
    expectStoredWithFit(res, { targetHighDemand: 4 }, [
      { volumeType: 'sas', osName: 'Debian9 64bit', count: 3 },
      { volumeType: 'ssd', osName: 'Debian9 64bit', count: 3 },
    ]);
    expect((await p.api('/v1/pool/settings')).body.targetHighDemand).toBe(4);

    const fits = await p.api('/v1/pool/settings', { method: 'PATCH', body: { targetHighDemand: 1 } });
    expectStoredWithFit(fits, { targetHighDemand: 1 }, []);
  });

  it('PUT /v1/pool/policies/{type}/{os} stores the override as given and says when it cannot fit', async () => {
    // ssd has no volume left (volumes_ssd 3, in use by its 3 spares): a third ssd/Centos cannot fit.
    const policy = '/v1/pool/policies/ssd/Centos7.3%2064bit';
    const res = await p.api(policy, { method: 'PUT', body: { targetOverride: 3 } });
    expectStoredWithFit(res, { volumeType: 'ssd', osName: 'Centos7.3 64bit', targetOverride: 3 }, [
      { volumeType: 'ssd', osName: 'Centos7.3 64bit', count: 1 },
    ]);
    expect((await p.api('/v1/pool/policies')).body.policies).toContainEqual(
      expect.objectContaining({ volumeType: 'ssd', osName: 'Centos7.3 64bit', targetOverride: 3 }),
    );

    const fits = await p.api(policy, { method: 'PUT', body: { targetOverride: null } });
    expectStoredWithFit(fits, { targetOverride: null }, []);

    // Both answers are documented with the one schema (a named component; the settings' answer is an allOf
    // of the PoolSettings component and the quota).
    const { paths } = (await p.api('/openapi.json', { token: null })).body;
    const answered = (op: { responses: Record<string, any> }) => {
      const schema = op.responses['200'].content['application/json'].schema;
      return (schema.properties ?? schema.allOf.find((part: any) => part.properties?.quota).properties).quota;
    };
    expect(answered(paths['/v1/pool/settings'].patch)).toEqual({ $ref: '#/components/schemas/PoolQuotaFit' });
    expect(answered(paths['/v1/pool/policies/{volumeType}/{osName}'].put)).toEqual(
      answered(paths['/v1/pool/settings'].patch),
    );
  });
});

describe('a round whose creates Cinder refuses for quota', () => {
  const quotaPath = async () => `/os-quota-sets/${(await p.cloud.admin.session.authenticate()).projectId}`;
  const setAdminQuota = async (quota_set: Record<string, number>) =>
    p.cloud.admin.session.request('volumev3', { method: 'PUT', path: await quotaPath(), body: { quota_set } });
  beforeAll(async () => {
    await p.api('/v1/pool/settings', { method: 'PATCH', body: { targetHighDemand: 3, targetLowDemand: 3 } });
    const { quota_set } = await p.cloud.admin.session.request<QuotaUsageBody>('volumev3', {
      method: 'GET',
      path: `${await quotaPath()}?usage=true`,
    });
    await setAdminQuota({ volumes: (quota_set.volumes as { in_use: number }).in_use });
  });
  afterAll(async () => {
    await setAdminQuota({ volumes: -1 });
  });

  it.each(['fixed', 'adaptive'])(
    '%s mode: the round ends within seconds, its refused creates counted failed and not left as rows',
    async (throttleMode) => {
      await p.api('/v1/pool/settings', { method: 'PATCH', body: { throttleMode } });
      const rows = await p.prisma.spareVolume.count();
      const spares = (await cinderSpares(p)).length;
      // The round cannot read the quota (some clouds' policy forbids it) and plans unbounded: every
      // create meets cinder's own 413 (VolumeLimitExceeded), which no retry within minutes changes.
      p.sim.faults.failNextRequests({ method: 'GET', path: '/os-quota-sets/', status: 503 });
      const startedAt = Date.now();
      const round = await p.client.workflow.start(replenishPool, {
        taskQueue: p.taskQueue,
        workflowId: `replenish-over-quota-${throttleMode}-${startedAt}`,
        workflowExecutionTimeout: '30 seconds', // retried refusals (2 s, 4 s, 8 s, … each) would pass it
      });
      const result = await round.result();
      expect(Date.now() - startedAt).toBeLessThan(15_000);
      expect(result).toMatchObject({ created: 0, failed: REFUSALS_TO_STOP });
      expect((await p.api('/v1/pool')).body.lastReplenish).toMatchObject({ created: 0, failed: REFUSALS_TO_STOP });
      // No volume was made, so no intent row holds a slot of its kind until reconcile drops it.
      expect(await p.prisma.spareVolume.count()).toBe(rows);
      expect(await cinderSpares(p)).toHaveLength(spares);
    },
  );
});
