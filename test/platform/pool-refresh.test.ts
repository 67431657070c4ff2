// Issue 23, rolling image refresh: a new snapshot for a kind is rolled in while its spares keep
// serving (available spares never below the floor), and a broken one rolls back, on real Temporal
// + PostgreSQL + the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimSpareVolume } from '../../pool/claim';
import { sameKind, type PoolKind } from '../../pool/kinds';
import { API_TOKEN, waitFor, type Platform } from './harness';
import { publishSnapshot, run, startPool, testPoolConfig } from './pool-fixture';
import { metricsText, sampleLowest } from './pool-observe';
import { reconcilePool, replenishPool, type refreshPoolImage } from '../../workflows';
import { refreshWorkflowId, ROLLBACK_AFTER_ERRORS } from '../../workflows/pool/refresh-pool-image';

const KIND: PoolKind = { volumeType: 'sas', osName: 'Debian9 64bit' };
const TARGET = 3;

let p: Platform;
beforeAll(async () => {
  // Creates take 300 ms (the harness's SIM_DELAYS): each case stays well under 30 s.
  p = await startPool(testPoolConfig({ targetHighDemand: TARGET }));
});
afterAll(async () => {
  await p?.close();
});

const spares = () => p.prisma.spareVolume.findMany({ where: { ...KIND, allocated: false } });
const availableSpares = async () => (await spares()).filter((s) => s.status === 'available');

/** Every kind at its target, every spare available. */
async function fill() {
  await run(p, replenishPool);
  await waitFor('the spares available', async () => {
    await run(p, reconcilePool);
    return (await availableSpares()).length === TARGET;
  });
}

/** The kind's available, unclaimed spares sampled every 100 ms until stopped; the lowest seen. */
const sampleAvailable = () => sampleLowest(async () => (await availableSpares()).length);

/** The kind's latest refresh, to its end. */
const refreshResult = () => p.client.workflow.getHandle<typeof refreshPoolImage>(refreshWorkflowId(KIND)).result();

const sync = () =>
  fetch(`${p.apiUrl}/v1/pool/catalog/sync`, { method: 'POST', headers: { Authorization: `Bearer ${API_TOKEN}` } });

describe('refresh policy', () => {
  const path = `/v1/pool/policies/${KIND.volumeType}/${encodeURIComponent(KIND.osName)}`;

  it('a kind refreshes rolling at 100 % by default; refresh and minHealthyPercent are stored as given', async () => {
    const policies = (await p.api('/v1/pool/policies')).body.policies;
    expect(policies.find((x: PoolKind) => sameKind(x, KIND))).toMatchObject({
      refresh: 'rolling',
      minHealthyPercent: 100,
    });
    const put = await p.api(path, { method: 'PUT', body: { refresh: 'immediate', minHealthyPercent: 50 } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ refresh: 'immediate', minHealthyPercent: 50 });
    expect(await p.prisma.poolPolicy.findUnique({ where: { volumeType_osName: KIND } })).toMatchObject({
      refresh: 'immediate',
      minHealthyPercent: 50,
    });
    expect((await p.api(path, { method: 'PUT', body: { refresh: 'rolling', minHealthyPercent: 100 } })).status).toBe(
      200,
    );
  });

  it.each([
    [{ minHealthyPercent: 101 }, 'minHealthyPercent'],
    [{ minHealthyPercent: -1 }, 'minHealthyPercent'],
    [{ minHealthyPercent: 50.5 }, 'minHealthyPercent'],
    [{ refresh: 'later' }, 'refresh'],
  ])('%j is refused with 400 naming %s, and nothing changes', async (body, field) => {
    const res = await p.api(path, { method: 'PUT', body });
    expect(res.status).toBe(400);
    expect(res.body.field).toBe(field);
    expect(await p.prisma.poolPolicy.findUnique({ where: { volumeType_osName: KIND } })).toMatchObject({
      refresh: 'rolling',
      minHealthyPercent: 100,
    });
  });
});

describe('rolling image refresh', () => {
  it('a new snapshot rolls in: available spares never below the floor, none of the old one left after', async () => {
    await fill();
    const oldSnapshot = (await spares())[0]!.snapshotId;
    const newSnapshot = await publishSnapshot(p, KIND);
    const sampler = sampleAvailable();
    const startedAt = Date.now();
    expect((await sync()).status).toBe(200);
    // The refresh ends once every spare of the kind is of the new snapshot and available.
    const ended = await waitFor(
      'the refresh to end',
      async () => {
        const now = await spares();
        return now.length === TARGET && now.every((s) => s.snapshotId === newSnapshot && s.status === 'available');
      },
      20_000,
    ).then(
      () => true,
      () => false,
    );
    const { lowest, samples } = await sampler.stop();
    console.log(
      `rolling refresh: lowest available ${lowest} of target ${TARGET} over ${samples} samples, ` +
        `${Date.now() - startedAt} ms, ended ${ended}`,
    );
    expect(lowest, 'available spares during the refresh').toBeGreaterThanOrEqual(TARGET); // minHealthyPercent 100
    expect(ended).toBe(true);
    expect((await spares()).filter((s) => s.snapshotId === oldSnapshot)).toEqual([]);
    expect(await refreshResult()).toMatchObject({ state: 'done', snapshotId: newSnapshot, created: TARGET });
  });

  it('minHealthyPercent below 100 retires first, down to its floor, and rebuilds', async () => {
    await fill(); // after the case above: nothing to add
    const policy = `/v1/pool/policies/${KIND.volumeType}/${encodeURIComponent(KIND.osName)}`;
    expect((await p.api(policy, { method: 'PUT', body: { minHealthyPercent: 50 } })).status).toBe(200);
    try {
      const newSnapshot = await publishSnapshot(p, KIND);
      const sampler = sampleAvailable();
      expect((await sync()).status).toBe(200);
      const result = await refreshResult();
      const { lowest } = await sampler.stop();
      console.log(`rolling refresh at 50 %: lowest available ${lowest} of target ${TARGET}`);
      expect(result).toMatchObject({ state: 'done', snapshotId: newSnapshot });
      expect(lowest).toBeGreaterThanOrEqual(Math.ceil(TARGET / 2));
      expect(lowest, 'retired before launching').toBeLessThan(TARGET);
      expect((await spares()).every((s) => s.snapshotId === newSnapshot)).toBe(true);
    } finally {
      await p.api(policy, { method: 'PUT', body: { minHealthyPercent: 100 } });
    }
  });

  it('a broken snapshot rolls back: its errored volumes go, the old generation keeps serving', async () => {
    await fill(); // after the case above: nothing to add
    const serving = (await spares()).map((s) => s.snapshotId);
    const broken = await publishSnapshot(p, KIND);
    // Every create from it ends in `error` (the refresh is the only one creating).
    p.sim.faults.failNextCreates(ROLLBACK_AFTER_ERRORS);
    const res = await sync();
    expect(res.status).toBe(200);
    const result = await refreshResult();
    expect(result).toMatchObject({ state: 'rolled_back', snapshotId: broken, errored: ROLLBACK_AFTER_ERRORS });
    expect(result.reason).toContain('ended in error');
    // Why, in the pool's view and the round record.
    const kind = (await p.api('/v1/pool')).body.kinds.find((k: PoolKind) => sameKind(k, KIND));
    expect(kind.refresh).toMatchObject({ state: 'rolled_back', snapshotId: broken, reason: result.reason });
    const metrics = await metricsText(p);
    expect(metrics).toContain(
      `blockflow_pool_refresh_state{volume_type="${KIND.volumeType}",os="${KIND.osName}",state="rolled_back"} 1`,
    );
    const round = await p.prisma.poolRound.findFirst({ where: { kind: 'refresh' }, orderBy: { startedAt: 'desc' } });
    expect(round).toMatchObject({ failed: ROLLBACK_AFTER_ERRORS, summary: { state: 'rolled_back' } });
    // The old generation, whole, still serves; no errored volume is left in Cinder.
    expect((await availableSpares()).map((s) => s.snapshotId)).toEqual(serving);
    await waitFor('the errored volumes deleted', async () =>
      (await p.cloud.admin.cinder.listVolumes()).every((v) => v.status !== 'error'),
    );
    const claimed = await claimSpareVolume(p.prisma, KIND, 'vm-create-after-rollback');
    expect(claimed?.snapshotId).toBe(serving[0]);
    // Refilled from the generation still serving, not from the snapshot that rolled back.
    await run(p, replenishPool);
    expect((await spares()).map((s) => s.snapshotId)).toEqual(serving);
    expect((await p.api('/v1/pool')).body.kinds.find((k: PoolKind) => sameKind(k, KIND))).toMatchObject({
      status: 'ok',
      snapshotId: serving[0],
    });
    // A sync with the same broken snapshot does not start it again.
    const again = (await (await sync()).json()) as { result: { purge: { rolling?: unknown } } };
    expect(again.result.purge.rolling).toBeUndefined();
  });

  it('claims take the newest generation first, then older ones', async () => {
    await p.prisma.spareVolume.deleteMany({ where: KIND });
    const current = (await p.prisma.osImage.findUnique({ where: { osName_volumeType: { ...KIND } } }))!.snapshotId;
    const row = (name: string, snapshotId: string) => ({
      name,
      volumeId: name,
      ...KIND,
      snapshotId,
      status: 'available',
    });
    // The older generation's spare is the older row: by age alone it would go first.
    await p.prisma.spareVolume.create({ data: row('spare-gen-old', 'an-older-snapshot') });
    await p.prisma.spareVolume.create({ data: row('spare-gen-new', current) });
    expect((await claimSpareVolume(p.prisma, KIND, 'vm-gen-1'))?.name).toBe('spare-gen-new');
    expect((await claimSpareVolume(p.prisma, KIND, 'vm-gen-2'))?.name).toBe('spare-gen-old');
  });
});

describe("an operator's hold on a refresh", () => {
  const control = (action: string) =>
    p.api(`/v1/pool/refreshes/${KIND.volumeType}/${encodeURIComponent(KIND.osName)}/${action}`, { method: 'POST' });
  const stateOf = async () =>
    (await p.prisma.poolRefresh.findUnique({ where: { volumeType_osName: KIND } }))?.state ?? null;
  const newGeneration = async (snapshotId: string) => (await spares()).filter((s) => s.snapshotId === snapshotId);

  it('pause stops it where it is until resume; cancel ends it there; none running is a 409', async () => {
    await p.prisma.spareVolume.deleteMany({ where: KIND }); // the fake rows of the case above
    // The catalog still names the snapshot that rolled back, with no older spare left: nothing to refill
    // from (status rolled_back, no create) until a new one is published.
    const kinds = (await p.api('/v1/pool')).body.kinds as (PoolKind & { status: string })[];
    expect(kinds.find((k) => sameKind(k, KIND))?.status).toBe('rolled_back');
    await publishSnapshot(p, KIND);
    expect((await sync()).status).toBe(200);
    await fill();
    expect((await control('pause')).status).toBe(409); // the last refresh has ended

    const first = await publishSnapshot(p, KIND);
    expect((await sync()).status).toBe(200);
    expect((await control('pause')).status).toBe(202);
    await waitFor('the refresh paused', async () => (await stateOf()) === 'paused');
    const held = (await newGeneration(first)).length;
    await new Promise((r) => setTimeout(r, 3_000)); // steps are a second apart: three would have run
    expect((await newGeneration(first)).length, 'nothing built while paused').toBe(held);
    expect(await stateOf()).toBe('paused');
    expect((await control('resume')).status).toBe(202);
    expect(await refreshResult()).toMatchObject({ state: 'done', snapshotId: first });

    const second = await publishSnapshot(p, KIND);
    expect((await sync()).status).toBe(200);
    expect((await control('cancel')).status).toBe(202);
    const cancelled = await refreshResult();
    expect(cancelled).toMatchObject({ state: 'cancelled', snapshotId: second, reason: 'cancelled by an operator' });
    expect(await stateOf()).toBe('cancelled');
    // Stopped where it was: the older generation still serves.
    expect((await availableSpares()).some((s) => s.snapshotId === first)).toBe(true);

    const bad = await control('later');
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('action');
  });
});
