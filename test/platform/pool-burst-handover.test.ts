// The pool's burst check (issue 23) runs once per build's recorded demand, right after it, whatever
// becomes of the handover (a review finding: it ran after the handover, so a refused one skipped it).
// On real Temporal + PostgreSQL + the simulator: a build whose spare the tenant's quota refuses still
// completes a burst and starts a round; a retried step records its demand and checks it once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePoolSchedules } from '../../pool/schedules';
import { takeSystemDisk } from '../../servers/obtain-system-disk';
import type { Handover } from '../../servers/system-disk';
import { replenishPool } from '../../workflows';
import { waitFor, type Platform } from './harness';
import { clientsOf, handoverTo, KIND, newBuildRow, setVolumeQuota } from './ownership-fixture';
import { run, seedDemand } from './pool-fixture';
import { fillPool, serverRequest, startServerPlatform, tenantApi, tenantToken, waitForBuild } from './server-fixture';

const POLICY = `/v1/pool/policies/${KIND.volumeType}/${encodeURIComponent(KIND.osName)}`;

let p: Platform;
let h: Handover;
beforeAll(async () => {
  p = await startServerPlatform();
  h = await handoverTo(p);
});
afterAll(async () => p?.close());

describe('the burst check follows the recorded demand', () => {
  it('a build whose handover the quota refuses still completes a burst: a round starts at once', async () => {
    await p.prisma.poolDemand.deleteMany();
    await p.prisma.poolTarget.deleteMany();
    // The floor keeps the static target's spares: the build must be a pool hit, refused at the handover.
    const policy = { sizing: 'forecastAndScale', targetFloor: 2, targetCeiling: 8 };
    expect((await p.api(POLICY, { method: 'PUT', body: policy })).status).toBe(200);
    await run(p, replenishPool); // decides: no demand, a forecast of 0
    // An hourly schedule: only a burst starts a round during the test.
    await ensurePoolSchedules(p.client, p.taskQueue, { replenishSeconds: 3600, reconcileSeconds: 3600 });
    // Other builds' requests just now: as many as a quiet kind may have in a minute (burstMinClaims);
    // one more is a burst.
    await seedDemand(p, KIND, 3, 3);
    const since = new Date();

    const token = await tenantToken(p, 'demo');
    await setVolumeQuota(p, h.projectId, (await clientsOf(p).cinder.listVolumes()).length);
    let build;
    try {
      const body = serverRequest('burst-refused', { swapGb: 0, dataGb: 0 });
      const res = await tenantApi(p, '/v1/servers', { method: 'POST', token, body });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      build = await waitForBuild(p, token, res.body.id);
    } finally {
      await setVolumeQuota(p, h.projectId, -1);
    }
    expect(build, JSON.stringify(build)).toMatchObject({ status: 'failed', step: 'system-disk' });
    expect(build.failureReason).toMatch(/quota/i);
    expect(await p.prisma.poolDemand.findUnique({ where: { buildId: build.id } })).toMatchObject({ hit: true });

    const decision = await p.prisma.poolTarget.findUnique({ where: { volumeType_osName: KIND } });
    expect(decision?.burstUntil, 'the burst window the refused build opened').not.toBeNull();
    await waitFor('a replenish round started by the burst', async () => {
      const round = await p.prisma.poolRound.findFirst({
        where: { kind: 'replenish', id: { startsWith: 'pool-replenish' }, startedAt: { gte: since } },
      });
      return round !== null;
    });
  });

  it('a retried step records its demand once and checks it once; the retry hands the disk over', async () => {
    await fillPool(p);
    const buildId = await newBuildRow(p, h.projectId, 'burst-retried');
    const request = { buildId, serverName: 'burst-retried', ...KIND, snapshotId: 'unused' };
    const checked: string[] = [];
    const afterDemand = async () => {
      checked.push(buildId);
    };
    p.sim.faults.failNextRequests({ method: 'POST', path: '/os-volume-transfer/[^/]+/accept$', status: 500 });
    await expect(takeSystemDisk(p.prisma, h, request, { afterDemand })).rejects.toThrow();
    expect(checked, 'checked before the handover that failed').toEqual([buildId]);

    expect(await takeSystemDisk(p.prisma, h, request, { afterDemand })).toMatchObject({ path: 'pool-hit' });
    expect(checked, 'the retry recorded nothing new: no second check').toEqual([buildId]);
    expect(await p.prisma.poolDemand.count({ where: { buildId } })).toBe(1);
  });
});
