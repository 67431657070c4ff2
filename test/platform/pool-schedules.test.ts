// Seed 000/001: the rounds run on Temporal Schedules at their configured intervals; a round due
// while the previous one still runs is skipped (overlap SKIP); changed settings reach the
// schedules without a restart; sync_os pauses replenishment, purges stale spares and resumes.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { REPLENISH_SCHEDULE, RECONCILE_SCHEDULE, ensurePoolSchedules } from '../../pool/schedules';
import type { Platform } from './harness';
import { waitFor } from './harness';
import { cinderSpares, run, startPool, testPoolConfig } from './pool-fixture';
import { lockTable } from './table-lock';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpPool } from '../../bin/deployment-start-up';
import { reconcilePool, replenishPool } from '../../workflows';

let p: Platform;
beforeAll(async () => {
  // Slow rounds: 8 creates 1 s apart take ~7 s, far longer than the 2 s replenish interval.
  p = await startPool(testPoolConfig({ createIntervalSeconds: 1 }));
});
afterAll(async () => {
  for (const id of [REPLENISH_SCHEDULE, RECONCILE_SCHEDULE])
    await p.client.schedule
      .getHandle(id)
      .delete()
      .catch(() => {});
  await p?.close();
});

describe('pool schedules', () => {
  it('fire at their configured intervals, and a round due while one runs is skipped', async () => {
    await ensurePoolSchedules(p.client, p.taskQueue, { replenishSeconds: 2, reconcileSeconds: 3 });
    const replenish = p.client.schedule.getHandle(REPLENISH_SCHEDULE);
    const described = await waitFor(
      'an overlapping replenish round to be skipped',
      async () => {
        const d = await replenish.describe();
        return d.info.numActionsSkippedOverlap >= 2 && d;
      },
      30_000,
    );
    // Never two replenish rounds at once.
    expect(described.info.runningActions.length).toBeLessThanOrEqual(1);
    const reconcile = await waitFor(
      'two reconcile rounds',
      async () => {
        const d = await p.client.schedule.getHandle(RECONCILE_SCHEDULE).describe();
        return d.info.recentActions.length >= 2 && d;
      },
      30_000,
    );
    // Scheduled times sit on the configured 3 s grid.
    const times = reconcile.info.recentActions.map((a) => a.scheduledAt.getTime());
    for (let i = 1; i < times.length; i++) expect((times[i]! - times[i - 1]!) % 3000).toBe(0);
    for (const t of times) expect(t % 3000).toBe(0);
    // The first replenish round filled the pool with one volume per slot, no duplicates.
    await waitFor(
      'the first round to finish',
      async () =>
        (await replenish.describe()).info.runningActions.length === 0 && (await p.prisma.spareVolume.count()) === 8,
      30_000,
    );
    const names = (await cinderSpares(p)).map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(8);
  });

  it('PATCH /v1/pool/settings updates the schedules at once', async () => {
    const res = await p.api('/v1/pool/settings', {
      method: 'PATCH',
      body: { replenishIntervalSeconds: 7, reconcileIntervalSeconds: 5 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ replenishIntervalSeconds: 7, reconcileIntervalSeconds: 5 });
    const status = await p.api('/v1/pool');
    const intervals = Object.fromEntries(
      status.body.schedules.map((s: { id: string; intervalSeconds: number }) => [s.id, s.intervalSeconds]),
    );
    expect(intervals).toEqual({ [REPLENISH_SCHEDULE]: 7, [RECONCILE_SCHEDULE]: 5 });
  });

  it('stores a fractional create interval as given (it used to be truncated to whole seconds)', async () => {
    const res = await p.api('/v1/pool/settings', { method: 'PATCH', body: { createIntervalSeconds: 1.5 } });
    expect(res.status).toBe(200);
    expect(res.body.createIntervalSeconds).toBe(1.5);
    expect((await p.api('/v1/pool/settings')).body.createIntervalSeconds).toBe(1.5);
  });

  it('rejects bad settings with 400 naming the field, and changes nothing', async () => {
    const before = await p.api('/v1/pool/settings');
    for (const [body, field] of [
      [{ replenishIntervalSeconds: 0 }, 'replenishIntervalSeconds'],
      [{ throttleMode: 'turbo' }, 'throttleMode'],
      [{ snapshotNamePattern: '^(?<os>.+)$' }, 'snapshotNamePattern'],
      [{ targetHighDemand: 'ten' }, 'targetHighDemand'],
      [{ bogus: 1 }, '(body)'],
    ] as const) {
      const res = await p.api('/v1/pool/settings', { method: 'PATCH', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.field).toBe(field);
    }
    expect((await p.api('/v1/pool/settings')).body).toEqual(before.body);
  });

  it('mutating routes need the bearer token', async () => {
    expect((await p.api('/v1/pool/schedules/pause', { method: 'POST', token: null })).status).toBe(401);
    expect((await p.api('/v1/pool/schedules/pause', { method: 'POST', token: 'wrong-token-wrong-token' })).status).toBe(
      401,
    );
    expect((await p.api('/v1/pool', { token: null })).status).toBe(200);
  });

  it('pause and resume through the API', async () => {
    expect((await p.api('/v1/pool/schedules/pause', { method: 'POST', body: { note: 'maintenance' } })).status).toBe(
      200,
    );
    let schedules = (await p.api('/v1/pool')).body.schedules;
    expect(schedules.every((s: { paused: boolean }) => s.paused)).toBe(true);
    expect(schedules[0].note).toContain('maintenance');
    expect((await p.api('/v1/pool/schedules/resume', { method: 'POST' })).status).toBe(200);
    schedules = (await p.api('/v1/pool')).body.schedules;
    expect(schedules.every((s: { paused: boolean }) => !s.paused)).toBe(true);
  });

  it(
    'sync_os, refresh immediate: a new image for one OS ' +
      '→ catalog updated, its stale spares purged, replenishment resumed',
    async () => {
      await waitFor(
        'spares to become available',
        async () => {
          await run(p, reconcilePool);
          return (await p.prisma.spareVolume.count({ where: { status: 'available' } })) >= 8;
        },
        30_000,
      );
      const staleIds = (
        await p.prisma.spareVolume.findMany({ where: { volumeType: 'sas', osName: 'Debian9 64bit' } })
      ).map((r) => r.volumeId!);
      expect(staleIds.length).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 1100)); // the new snapshot must be strictly newer (Cinder timestamps)
      const newSnapshot = p.sim.faults.addSnapshot({
        name: 'sysdisk-sas-Debian9 64bit',
        volumeType: 'sas',
        sizeGb: 20,
      });
      await waitFor('the new snapshot to be available', async () =>
        (await p.cloud.admin.cinder.listSnapshots()).some((s) => s.id === newSnapshot && s.status === 'available'),
      );

      // The purge is the `immediate` policy's (the default, rolling, is pool-refresh.test.ts's).
      const policy = `/v1/pool/policies/sas/${encodeURIComponent('Debian9 64bit')}`;
      expect((await p.api(policy, { method: 'PUT', body: { refresh: 'immediate' } })).status).toBe(200);
      const res = await p.api('/v1/pool/catalog/sync', { method: 'POST' });
      expect(res.status).toBe(200);
      expect(res.body.result.catalog.changed).toEqual(['sas/Debian9 64bit']);
      const catalog = (await p.api('/v1/pool/catalog')).body.images;
      expect(
        catalog.find(
          (i: { volumeType: string; osName: string }) => i.volumeType === 'sas' && i.osName === 'Debian9 64bit',
        ).snapshotId,
      ).toBe(newSnapshot);
      // Spares of the old image are gone from the table and from Cinder; others are untouched.
      const remaining = await p.prisma.spareVolume.findMany({ where: { volumeType: 'sas', osName: 'Debian9 64bit' } });
      expect(remaining.filter((r) => staleIds.includes(r.volumeId!))).toEqual([]);
      await waitFor('Cinder to delete the stale spares', async () => {
        const ids = new Set((await cinderSpares(p)).map((v) => v.id));
        return staleIds.every((id) => !ids.has(id));
      });
      const d = await p.client.schedule.getHandle(REPLENISH_SCHEDULE).describe();
      expect(d.state.paused).toBe(false);
      // The next round rebuilds them from the new snapshot.
      await run(p, replenishPool);
      const rebuilt = await p.prisma.spareVolume.findMany({ where: { volumeType: 'sas', osName: 'Debian9 64bit' } });
      expect(rebuilt.length).toBe(2);
      expect(rebuilt.every((r) => r.snapshotId === newSnapshot)).toBe(true);
    },
  );

  it('a round asked for through the API while one runs is skipped (overlap SKIP), like a scheduled one', async () => {
    await ensurePoolSchedules(p.client, p.taskQueue, { replenishSeconds: 3600, reconcileSeconds: 3600 });
    const replenish = p.client.schedule.getHandle(REPLENISH_SCHEDULE);
    /** Replenish rounds running now, whatever started them (the schedule tracks only those it must not overlap). */
    const roundsRunning = async () => {
      let n = 0;
      for (const { action } of (await replenish.describe()).info.recentActions) {
        const { status } = await p.client.workflow.getHandle(action.workflow.workflowId).describe();
        if (status.name === 'RUNNING') n++;
      }
      return n;
    };
    await waitFor('no replenish round running', async () => (await roundsRunning()) === 0, 30_000);
    await untilScheduleCountsNoRound();
    const skipped = (await replenish.describe()).info.numActionsSkippedOverlap;
    const ask = () => p.api('/v1/pool/rounds', { method: 'POST', body: { kind: 'replenish' } });
    // The first round waits on the pool's table, so it is still running when the second is asked for.
    const lock = await lockTable(p.prisma, 'spare_volumes', 'ACCESS EXCLUSIVE');
    try {
      expect((await ask()).status).toBe(202);
      await waitFor('the round to run', async () => (await roundsRunning()) === 1, 10_000);
      // A later second: the schedule names its runs by the second, so one asked for in the same
      // second would be refused by Temporal as a duplicate workflow id whatever the policy.
      await new Promise((r) => setTimeout(r, 1_100));
      expect((await ask()).status).toBe(202);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await roundsRunning(), 'rounds running at once').toBe(1);
      expect((await replenish.describe()).info.numActionsSkippedOverlap).toBe(skipped + 1);
    } finally {
      await lock.release();
    }
    await waitFor('the round to finish', async () => (await roundsRunning()) === 0, 30_000);
  });

  it('start-up asks for a first replenish round at once, unless replenishment is paused', async () => {
    const patched = await p.api('/v1/pool/settings', {
      method: 'PATCH',
      body: { replenishIntervalSeconds: 3600, reconcileIntervalSeconds: 3600 },
    });
    expect(patched.status).toBe(200);
    const configDir = mkdtempSync(join(tmpdir(), 'pool-config-'));
    onTestFinished(() => rmSync(configDir, { recursive: true, force: true }));
    const configFile = join(configDir, 'pool.json');
    writeFileSync(configFile, JSON.stringify(testPoolConfig()));
    const start = () =>
      startUpPool({ client: p.client, prisma: p.prisma, taskQueue: p.taskQueue, configFile, log() {} });
    const taken = async () => (await p.client.schedule.getHandle(REPLENISH_SCHEDULE).describe()).info.numActionsTaken;
    await untilScheduleCountsNoRound();

    expect((await p.api('/v1/pool/schedules/pause', { method: 'POST' })).status).toBe(200);
    const before = await taken();
    await start();
    expect(await taken(), 'paused: no round').toBe(before);

    expect((await p.api('/v1/pool/schedules/resume', { method: 'POST' })).status).toBe(200);
    await start();
    await waitFor('the first round', async () => (await taken()) === before + 1, 10_000);
  });
});

/**
 * Until the replenish schedule counts no round as running: it learns of a round's end a moment
 * after it, and until then (SKIP) skips a round asked for.
 */
async function untilScheduleCountsNoRound() {
  const replenish = p.client.schedule.getHandle(REPLENISH_SCHEDULE);
  await waitFor(
    'the schedule to count no round running',
    async () => (await replenish.describe()).info.runningActions.length === 0,
    30_000,
  );
  // The schedule names a run by its second: a round asked for in the second its last one started (the
  // interval's, which may have ended within it) gets that workflow id, and Temporal drops it as a duplicate
  // whatever the overlap policy (a CI run under load: "timed out waiting for the round to run").
  const last = (await replenish.describe()).info.recentActions.at(-1)?.takenAt;
  if (last) {
    const nextSecond = Math.floor(last.getTime() / 1000) * 1000 + 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, nextSecond - Date.now()) + 50));
  }
}
