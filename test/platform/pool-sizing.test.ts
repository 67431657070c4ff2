// Issue 23, demand-aware targets on real Temporal + PostgreSQL + the simulator: the policy's sizing
// stored as given or refused, forecastOnly shows what it would set and changes nothing, forecastAndScale
// sets the target, and a burst of real server builds starts a replenish round at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sameKind, type PoolKind } from '../../pool/kinds';
import { ensurePoolSchedules } from '../../pool/schedules';
import { DropReason } from '../../pool/reconcile';
import { reconcilePool, replenishPool } from '../../workflows';
import { waitFor, type Platform } from './harness';
import { run, seedDemand } from './pool-fixture';
import { metricsText } from './pool-observe';
import { serverRequest, startServerPlatform, tenantApi, tenantToken, waitForBuild } from './server-fixture';

const KIND: PoolKind = { volumeType: 'ssd', osName: 'Debian9 64bit' };
const STATIC_TARGET = 2;
const POLICY = `/v1/pool/policies/${KIND.volumeType}/${encodeURIComponent(KIND.osName)}`;

let p: Platform;
beforeAll(async () => {
  p = await startServerPlatform({ config: { targetHighDemand: STATIC_TARGET, targetLowDemand: 1 } });
});
afterAll(async () => {
  await p?.close();
});

const setPolicy = (body: Record<string, unknown>) => p.api(POLICY, { method: 'PUT', body });
const kindStatus = async () => {
  const res = await p.api('/v1/pool');
  expect(res.status).toBe(200);
  return res.body.kinds.find((k: PoolKind) => sameKind(k, KIND));
};
const unclaimed = () => p.prisma.spareVolume.count({ where: { ...KIND, allocated: false } });

describe('demand-aware targets', () => {
  it('stores sizing, floor and ceiling as given; a bad one is a 400 naming the field and changes nothing', async () => {
    const ok = await setPolicy({ sizing: 'forecastOnly', targetFloor: 1, targetCeiling: 6 });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ sizing: 'forecastOnly', targetFloor: 1, targetCeiling: 6 });
    const refused: [Record<string, unknown>, string][] = [
      [{ sizing: 'auto' }, 'sizing'],
      [{ targetFloor: -1 }, 'targetFloor'],
      [{ targetFloor: 1.5 }, 'targetFloor'],
      [{ targetCeiling: 1001 }, 'targetCeiling'],
      [{ targetFloor: 7 }, 'targetFloor'],
      [{ targetCeiling: 0 }, 'targetCeiling'],
    ];
    for (const [body, field] of refused) {
      const res = await setPolicy(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.field, JSON.stringify(body)).toBe(field);
    }
    const stored = await p.prisma.poolPolicy.findUnique({ where: { volumeType_osName: KIND } });
    expect(stored).toMatchObject({ sizing: 'forecastOnly', targetFloor: 1, targetCeiling: 6 });
  });

  it('forecastOnly shows the target it would set and changes nothing; forecastAndScale sets it', async () => {
    await seedDemand(p, KIND, 600, 300_000); // far more than the pool's lead time covers
    expect((await setPolicy({ sizing: 'forecastOnly', targetFloor: 0, targetCeiling: 5 })).status).toBe(200);
    await run(p, replenishPool);
    const shown = await kindStatus();
    expect(shown.target).toBe(STATIC_TARGET);
    expect(shown.sizing).toMatchObject({ mode: 'forecastOnly', forecastTarget: 5 });
    expect(shown.sizing.forecastPerHour).toBeGreaterThan(60);
    expect(shown.sizing.leadTimeSeconds).toBeGreaterThan(0);
    expect(shown.sizing.reason).toMatch(/would set 5/);
    const metrics = await metricsText(p);
    expect(metrics).toContain(`blockflow_pool_forecast_target{volume_type="ssd",os="Debian9 64bit"} 5`);
    expect(await unclaimed()).toBe(STATIC_TARGET);

    // The control: the same demand, the forecast now sets the target.
    expect((await setPolicy({ sizing: 'forecastAndScale' })).status).toBe(200);
    await run(p, replenishPool);
    const scaled = await kindStatus();
    expect(scaled.target).toBe(5);
    expect(scaled.sizing).toMatchObject({ mode: 'forecastAndScale', forecastTarget: 5 });
    expect(await unclaimed()).toBe(5);
  });

  it('forecastAndScale comes down to a lower target: reconcile drops the surplus; static kinds keep all', async () => {
    const other: PoolKind = { volumeType: 'sas', osName: 'Debian9 64bit' };
    const otherSpares = () => p.prisma.spareVolume.count({ where: { ...other, allocated: false } });
    const before = await otherSpares();
    expect(await unclaimed()).toBe(5); // the case above
    expect((await setPolicy({ targetCeiling: 2 })).status).toBe(200);
    await run(p, replenishPool); // decides: the ceiling, 2
    expect((await kindStatus()).target).toBe(2);
    const summary = await run(p, reconcilePool);
    const above = summary.dropped.filter((d) => d.reason === DropReason.aboveTarget);
    expect(above.map((d) => `${d.volumeType}/${d.osName}`)).toEqual(Array(3).fill(`${KIND.volumeType}/${KIND.osName}`));
    expect(await unclaimed()).toBe(2);
    expect(await otherSpares()).toBe(before);
    expect((await setPolicy({ targetCeiling: 5 })).status).toBe(200);
  });

  it.each([
    ['forecastAndScale', true],
    ['static', false],
  ] as const)('a burst of server builds, sizing %s: a replenish round at once: %s', async (sizing, expected) => {
    await p.prisma.poolDemand.deleteMany();
    await p.prisma.poolTarget.deleteMany();
    expect((await setPolicy({ sizing: 'forecastAndScale', targetFloor: 0, targetCeiling: 8 })).status).toBe(200);
    await run(p, replenishPool); // decides: no demand, a forecast of 0
    expect((await setPolicy({ sizing })).status).toBe(200);
    // The schedule exists, but its interval is an hour: only a burst starts a round now.
    await ensurePoolSchedules(p.client, p.taskQueue, { replenishSeconds: 3600, reconcileSeconds: 3600 });
    const since = new Date();
    const token = await tenantToken(p, 'demo');
    const builds = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        tenantApi(p, '/v1/servers', { method: 'POST', token, body: serverRequest(`burst-${sizing}-${i}`) }),
      ),
    );
    for (const b of builds) expect(b.status, JSON.stringify(b.body)).toBe(202);
    for (const b of builds) expect(await waitForBuild(p, token, b.body.id)).toMatchObject({ status: 'active' });
    const scheduledRound = () =>
      p.prisma.poolRound.findFirst({
        where: { kind: 'replenish', id: { startsWith: 'pool-replenish' }, startedAt: { gte: since } },
      });
    if (expected) {
      await waitFor('a replenish round started by the burst', async () => (await scheduledRound()) !== null);
      expect((await kindStatus()).sizing.burstUntil).not.toBeNull();
    } else {
      // The builds are done and a burst would have been answered within them; give a round time to show.
      await new Promise((r) => setTimeout(r, 2_000));
      expect(await scheduledRound()).toBeNull();
    }
  });
});
