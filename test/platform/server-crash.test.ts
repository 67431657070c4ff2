// Server builds and deletes while the only worker (a child process, bin/worker.ts) is SIGKILLed
// at random moments, a new one started each time: every build ends active, failed (compensated)
// or deleted, and Cinder, Nova, Neutron, Keystone and PostgreSQL agree, with no orphan volume, no
// pending transfer, no trust and no address left behind. The kill times come from a seeded PRNG
// (printed; CRASH_SEED=<n> replays a run's schedule).
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../lib/prng';
import type { Platform } from './harness';
import { waitFor } from './harness';
import { fillPool, serverRequest, startServerPlatform, tenantApi, tenantToken } from './server-fixture';
import { serverInvariantViolations } from './server-invariants';
import { standaloneWorkers } from './standalone-worker';
import { lockTable, untilSomeoneWaits } from './table-lock';

const CREATES = 20;
const DELETES = 10;
const KILLS = 4;
const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const random = mulberry32(SEED);
/** A number in [min, max) from the seeded sequence. */
const between = (min: number, max: number) => min + random() * (max - min);

let p: Platform;
const workers = standaloneWorkers(() => p);

/** A standalone worker on the platform's task queue; resolves once it polls. */
async function spawnWorker(): Promise<ChildProcess> {
  const { child, polling } = workers.spawn();
  await polling;
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  // The in-process worker only fills the pool; from then on the child processes are the only workers.
  p = await startServerPlatform({
    worker: false,
    config: { targetHighDemand: 6, targetLowDemand: 1 },
    // Slow enough that a build spans several kills' worth of steps.
    sim: { createDelayMs: 1500, plainCreateDelayMs: 500, serverBootDelayMs: 1000, serverDeleteDelayMs: 300 },
  });
});
afterAll(async () => {
  workers.killAll();
  await p?.close();
});

describe('worker SIGKILLed while servers are built and deleted', () => {
  it(
    `${CREATES} creates and ${DELETES} deletes through ${KILLS} crashes: nothing leaks, every side agrees`,
    { timeout: 300_000 },
    async () => {
      console.log(`[server-crash] seed ${SEED} (CRASH_SEED=${SEED} replays the kill schedule)`);
      const started = Date.now();
      const at = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
      const token = await tenantToken(p, 'demo');
      let worker = await spawnWorker();

      // The creates, a little apart; the deletes of ten of them at random moments while workers die.
      const toDelete = new Set<number>();
      while (toDelete.size < DELETES) toDelete.add(Math.floor(random() * CREATES));
      const createAt = Array.from({ length: CREATES }, () => between(0, 3_000));
      const deleteAt = [...toDelete].map((i) => ({ i, after: between(1_000, 12_000) }));
      const killAt = Array.from({ length: KILLS }, () => between(800, 5_000));
      console.log(
        `[server-crash] deletes of builds [${[...toDelete].sort((a, b) => a - b)}], ` +
          `kills ${killAt.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')} after each worker polls`,
      );

      const buildIds: string[] = new Array(CREATES);
      const created = Promise.all(
        createAt.map(async (delay, i) => {
          await new Promise((r) => setTimeout(r, delay));
          const res = await tenantApi(p, '/v1/servers', {
            method: 'POST',
            token,
            body: serverRequest(`crash${i}`, i % 4 === 3 ? { volumeType: 'sas', osName: 'Centos7.3 64bit' } : {}),
          });
          expect(res.status, JSON.stringify(res.body)).toBe(202);
          buildIds[i] = res.body.id;
        }),
      );
      const deleted = created.then(() =>
        Promise.all(
          deleteAt.map(async ({ i, after }) => {
            await new Promise((r) => setTimeout(r, after));
            const res = await tenantApi(p, `/v1/servers/${buildIds[i]}`, { method: 'DELETE', token });
            expect(res.status, JSON.stringify(res.body)).toBe(202);
            console.log(`[server-crash] ${at()}: delete crash${i}`);
          }),
        ),
      );
      for (const [k, ms] of killAt.entries()) {
        await new Promise((r) => setTimeout(r, ms));
        const steps = await p.prisma.serverBuild.groupBy({ by: ['status'], _count: { _all: true } });
        console.log(
          `[server-crash] ${at()}: SIGKILL ${k + 1}/${KILLS} (pid ${worker.pid}); builds ` +
            steps.map((s) => `${s.status} ${s._count._all}`).join(', '),
        );
        await kill(worker);
        worker = await spawnWorker();
      }
      await Promise.all([created, deleted]);

      // The last worker runs everything to its end.
      const handles = [
        ...buildIds.map((id) => p.client.workflow.getHandle(id)),
        ...[...toDelete].map((i) => p.client.workflow.getHandle(`${buildIds[i]}-delete`)),
      ];
      const outcomes = await Promise.allSettled(handles.map((h) => h.result()));
      const deleteFailures = outcomes.slice(CREATES).filter((o) => o.status === 'rejected');
      expect(deleteFailures.map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
      console.log(`[server-crash] ${at()}: every workflow closed`);

      const builds = await p.prisma.serverBuild.findMany({ where: { id: { in: buildIds } } });
      expect(builds).toHaveLength(CREATES);
      for (const [i, id] of buildIds.entries()) {
        const b = builds.find((x) => x.id === id)!;
        if (toDelete.has(i)) expect(b.status, `${b.name}`).toBe('deleted');
        else expect(['active', 'failed'], `${b.name}: ${b.status} at ${b.step}`).toContain(b.status);
      }
      const failed = builds.filter((b) => b.status === 'failed');
      for (const b of failed) {
        // A failed build was compensated, every undo through.
        const undos = Object.entries((b.compensation ?? {}) as Record<string, string>);
        expect(
          undos.filter(([, outcome]) => outcome.startsWith('failed')),
          `${b.name}: ${b.failureReason}`,
        ).toEqual([]);
      }
      const count = (s: string) => builds.filter((b) => b.status === s).length;
      console.log(
        `[server-crash] ${at()}: active ${count('active')}, failed ${count('failed')}, deleted ${count('deleted')}; ` +
          `pool hits ${builds.filter((b) => b.path === 'pool-hit').length}` +
          failed.map((b) => `\n  failed ${b.name} at ${b.step}: ${b.failureReason}`).join(''),
      );

      // Deletes Cinder accepted finish on their own: give them a moment, then every side must agree.
      let violations: string[] = [];
      await waitFor(
        'Cinder, Nova, Neutron, Keystone and PostgreSQL to agree',
        async () => (violations = await serverInvariantViolations(p)).length === 0,
        15_000,
      ).catch(() => undefined);
      expect(violations, await describeBuilds(violations)).toEqual([]);
      console.log(`[server-crash] done in ${at()}`);
    },
  );

  it('a build deleted while its fallback disk is still being created leaves no disk behind', async () => {
    // The same step as a crash-time delete can hit, without the crash: the pool of the kind empty,
    // the delete sent while the admin project's `build-<id>-sys` volume is still `creating`.
    if (!workers.anyAlive()) await spawnWorker();
    const kind = { volumeType: 'sas', osName: 'Centos7.3 64bit' };
    await p.prisma.spareVolume.updateMany({ where: kind, data: { status: 'creating' } });
    try {
      const token = await tenantToken(p, 'demo');
      const res = await tenantApi(p, '/v1/servers', {
        method: 'POST',
        token,
        body: serverRequest('early-delete', kind),
      });
      expect(res.status).toBe(202);
      const buildId: string = res.body.id;
      const disk = await waitFor(
        'the fallback disk to be requested',
        async () => (await p.cloud.admin.cinder.listVolumes({ name: `build-${buildId}-sys` }))[0],
        30_000,
      );
      expect(disk.status).toBe('creating');
      expect((await tenantApi(p, `/v1/servers/${buildId}`, { method: 'DELETE', token })).status).toBe(202);
      await p.client.workflow.getHandle(`${buildId}-delete`).result();
      expect((await p.prisma.serverBuild.findUniqueOrThrow({ where: { id: buildId } })).status).toBe('deleted');
      const left = (await p.cloud.admin.cinder.listVolumes({ name: `build-${buildId}-sys` })).filter(
        (v) => v.status !== 'deleting',
      );
      expect(left, await describeBuilds([buildId])).toEqual([]);
    } finally {
      await p.prisma.spareVolume.updateMany({ where: kind, data: { status: 'available' } });
    }
  });

  it('a build deleted while its spare claim is still running leaves no spare claimed', async () => {
    // The window a crash widens to the activity's heartbeat timeout (the claim committed, its
    // completion lost with the worker, the delete cancels the build meanwhile), held open here
    // without a crash: spare_volumes locked, so the claim waits inside its first statement.
    if (!workers.anyAlive()) await spawnWorker();
    // A spare for the claim to find (the crash test may have used them all).
    await fillPool(p);
    const kind = { volumeType: 'ssd', osName: 'Debian9 64bit' };
    expect(
      await p.prisma.spareVolume.count({ where: { ...kind, status: 'available', allocated: false } }),
    ).toBeGreaterThan(0);
    const lock = await lockTable(p.prisma, 'spare_volumes', 'ACCESS EXCLUSIVE');
    let buildId = '';
    let handle: ReturnType<Platform['client']['workflow']['getHandle']>;
    try {
      const token = await tenantToken(p, 'demo');
      const res = await tenantApi(p, '/v1/servers', {
        method: 'POST',
        token,
        body: serverRequest('claim-delete', kind),
      });
      expect(res.status).toBe(202);
      buildId = res.body.id;
      handle = p.client.workflow.getHandle(buildId);
      // The system-disk step (a local activity: not among the pending activities) waits on the lock.
      await untilSomeoneWaits(p.prisma, 'spare_volumes');
      await new Promise((r) => setTimeout(r, 500));
      expect((await tenantApi(p, `/v1/servers/${buildId}`, { method: 'DELETE', token })).status).toBe(202);
      // Until the build has closed, or 3 s (an undo waiting on the lock keeps it open: then the
      // claim, queued first, goes through first and the undo after it).
      await waitFor('the build to close', async () => (await handle.describe()).status.name !== 'RUNNING', 3_000).catch(
        () => undefined,
      );
    } finally {
      await lock.release();
    }
    await p.client.workflow.getHandle(`${buildId}-delete`).result();
    expect((await p.prisma.serverBuild.findUniqueOrThrow({ where: { id: buildId } })).status).toBe('deleted');
    // The claim goes through once the lock is gone; give it the moment it needs.
    await new Promise((r) => setTimeout(r, 2_000));
    const claimed = await p.prisma.spareVolume.findMany({ where: { claimedBy: buildId } });
    expect(
      claimed.map((s) => `${s.name} (${s.volumeId}) claimed by the deleted build`),
      await describeBuilds([buildId]),
    ).toEqual([]);
  });
});

/** The builds a list of findings names, with their outcome and compensation (for failure messages). */
async function describeBuilds(findings: string[]): Promise<string> {
  const builds = await p.prisma.serverBuild.findMany();
  return builds
    .filter((b) => findings.some((f) => f.includes(b.id)))
    .map(
      (b) =>
        `${b.name} ${b.id}: ${b.status} at ${b.step}, path ${b.path}, compensation ${JSON.stringify(b.compensation)}`,
    )
    .join('\n');
}
