// The whole control plane under random kills: the only worker (a child process) is SIGKILLed at
// random moments during replenish rounds (fixed and adaptive throttle), reconcile passes, an image
// catalog sync, volume clones and server builds and deletes, a new worker started each time; the
// Temporal server is restarted once and PostgreSQL once, each mid-round. After every recovery the
// pool's invariants (random-kills-invariants.ts) are checked; at the end the servers' too. The
// kill times come from a seeded PRNG (printed; KILLS_SEED replays a schedule); KILLS_PER_PHASE
// (default 5, six phases) sets the count.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { mulberry32 } from '../../lib/prng';
import { cloneVolume, reconcilePool, replenishPool, syncOsCatalog } from '../../workflows';
import { SYNC_OS_WORKFLOW_ID } from '../../pool/schedules';
import { waitFor, type Platform } from './harness';
import { run, startPool, testPoolConfig } from './pool-fixture';
import { fillPool, resetServerTables, SERVER_USERS, serverRequest, tenantApi, tenantToken } from './server-fixture';
import { serverInvariantViolations } from './server-invariants';
import { standaloneWorkers } from './standalone-worker';
import { poolInvariantViolations } from './random-kills-invariants';
import { startRestartableServices, type RestartableServices } from './random-kills-services';

const PER_PHASE = Number(process.env.KILLS_PER_PHASE ?? 5);
const SEED = Number(process.env.KILLS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const random = mulberry32(SEED);
const between = (min: number, max: number) => Math.round(min + random() * (max - min));

let services: RestartableServices;
let p: Platform;
const workers = standaloneWorkers(() => p);
let worker: ChildProcess;
/** True while the test itself kills and replaces the worker; otherwise a supervisor replaces one that ended. */
let killing = false;
let supervisor: ReturnType<typeof setInterval> | undefined;

const killPoints: string[] = [];
let checks = 0;
const violations: string[] = [];
const started = Date.now();
const at = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

async function spawnWorker(): Promise<ChildProcess> {
  const { child, polling } = workers.spawn();
  await polling;
  return child;
}

/** A worker that ended on its own (a restarted server it could not reach) is replaced, and said so. */
let respawn: Promise<void> | undefined;
async function ensureWorker(when: string): Promise<void> {
  if (respawn) return respawn;
  if (killing || (worker.exitCode === null && worker.signalCode === null)) return;
  const ended = worker.exitCode ?? worker.signalCode;
  console.log(`[random-kills] ${at()}: the worker had exited on its own (${ended}) ${when}; replaced`);
  respawn = spawnWorker()
    .then((child) => void (worker = child))
    .finally(() => (respawn = undefined));
  return respawn;
}

/** The invariants, read with retries while a restarted PostgreSQL or Temporal comes back. */
async function check(where: string, opts: { afterReconcile?: boolean } = {}) {
  let found: string[] = [];
  await waitFor(
    `invariants readable (${where})`,
    () =>
      poolInvariantViolations(p, opts).then(
        (v) => ((found = v), true),
        () => false,
      ),
    60_000,
  );
  checks++;
  for (const v of found) violations.push(`${where}: ${v}`);
  if (found.length)
    console.log(`[random-kills] ${at()} ${where}: ${found.length} violation(s)\n  ${found.join('\n  ')}`);
}

/** SIGKILLs the worker `PER_PHASE` times at random moments, each after the new one polls; checks after each. */
async function killDuring(phase: string, extra?: (k: number) => Promise<void>) {
  for (let k = 1; k <= PER_PHASE; k++) {
    const delay = between(300, 2500);
    await new Promise((r) => setTimeout(r, delay));
    await ensureWorker(`before kill ${phase} #${k}`);
    killing = true;
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGKILL');
    await exited;
    killPoints.push(`${phase} #${k} (+${delay} ms, ${at()})`);
    console.log(`[random-kills] ${at()}: SIGKILL ${phase} #${k} (+${delay} ms)`);
    worker = await spawnWorker();
    killing = false;
    await check(`after kill ${phase} #${k}`);
    await extra?.(k);
  }
}

/** A workflow's result, waited for across a Temporal restart (the long poll fails while it is down). */
async function resultOf<T>(handle: WorkflowHandle<() => Promise<T>>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await handle.result();
    } catch (err) {
      const name = (err as Error).name;
      if (attempt > 30 || name === 'WorkflowFailedError') throw err;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

const start = <T>(workflow: () => Promise<T>, workflowId = `${workflow.name}-rk-${Date.now()}`) =>
  p.client.workflow.start(workflow, { taskQueue: p.taskQueue, workflowId, args: [] });
const settings = async (body: Record<string, unknown>) =>
  expect((await p.api('/v1/pool/settings', { method: 'PATCH', body })).status).toBe(200);

beforeAll(async () => {
  services = await startRestartableServices();
  const config = testPoolConfig({ targetHighDemand: 2, targetLowDemand: 2 });
  p = await startPool(
    config,
    { users: SERVER_USERS, createDelayMs: 800, plainCreateDelayMs: 300, serverBootDelayMs: 600 },
    { services },
  );
  await resetServerTables(p);
  await fillPool(p);
  expect((await p.api('/v1/networks', { method: 'POST', body: { network: 'private' } })).status).toBe(200);
  await p.stopWorker();
}, 300_000);
afterAll(async () => {
  clearInterval(supervisor);
  workers.killAll();
  await p?.close();
  await services?.stop();
});

describe('random kills', () => {
  it('control: the invariant checker reports an untracked volume and a kind above its target', async () => {
    const orphan = await p.cloud.admin.cinder.createVolume({ name: 'spare-control-orphan', size: 1 });
    const extra = await p.prisma.spareVolume.create({
      data: {
        name: 'control-over-target',
        volumeType: 'sas',
        osName: 'Debian9 64bit',
        snapshotId: 's',
        status: 'available',
      },
    });
    const found = await poolInvariantViolations(p);
    await p.cloud.admin.cinder.deleteVolume(orphan.id);
    await p.prisma.spareVolume.delete({ where: { id: extra.id } });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringContaining('spare-control-orphan) is in Cinder and tracked by no row'),
        expect.stringContaining('sas/Debian9 64bit holds 3 spares, its target is 2'),
      ]),
    );
    console.log(`[random-kills] control: ${found.length} violations found in a broken pool:\n  ${found.join('\n  ')}`);
    await waitFor('the control volume gone', async () =>
      (await p.cloud.admin.cinder.listVolumes()).every((v) => v.id !== orphan.id),
    );
    expect(await poolInvariantViolations(p)).toEqual([]);
  });

  it(
    `${6 * PER_PHASE} SIGKILLs, a Temporal and a PostgreSQL restart: every invariant holds`,
    { timeout: 600_000 },
    async () => {
      console.log(
        `[random-kills] seed ${SEED} (KILLS_SEED=${SEED} replays the schedule), ${PER_PHASE} kills per phase`,
      );
      worker = await spawnWorker();
      // As a process supervisor would (systemd Restart=always): a worker that ends on its own is replaced.
      let replacing = false;
      supervisor = setInterval(() => {
        if (replacing) return;
        replacing = true;
        void ensureWorker('(supervisor)').finally(() => (replacing = false));
      }, 1000);

      // 1. A fixed-interval replenish round; Temporal restarted once in it.
      await settings({ throttleMode: 'fixed', createIntervalSeconds: 1, targetHighDemand: 5, targetLowDemand: 4 });
      const fixed = await start(replenishPool);
      await killDuring('replenish-fixed', async (k) => {
        if (k !== 2) return;
        console.log(`[random-kills] ${at()}: Temporal server restart`);
        await services.restartTemporal(1000);
        await check('after the Temporal restart');
      });
      await ensureWorker('after replenish-fixed');
      await resultOf(fixed);
      console.log(`[random-kills] ${at()}: fixed round ended`);

      // 2. An adaptive round; PostgreSQL restarted once in it.
      await settings({ throttleMode: 'adaptive', targetHighDemand: 8, targetLowDemand: 6 });
      const adaptive = await start(replenishPool);
      await killDuring('replenish-adaptive', async (k) => {
        if (k !== 2) return;
        console.log(`[random-kills] ${at()}: PostgreSQL restart`);
        await services.restartPostgres(1000);
        await check('after the PostgreSQL restart');
      });
      await ensureWorker('after replenish-adaptive');
      await resultOf(adaptive);
      console.log(`[random-kills] ${at()}: adaptive round ended`);

      // 3. Reconcile passes back to back, with work to do: a volume vanished, one in error.
      const rows = await p.prisma.spareVolume.findMany({ where: { volumeId: { not: null } }, take: 2 });
      p.sim.faults.vanishVolume(rows[0]!.volumeId!);
      p.sim.faults.setVolumeStatus(rows[1]!.volumeId!, 'error');
      let reconciling = true;
      const passes = (async () => {
        while (reconciling) await resultOf(await start(reconcilePool)).catch(() => undefined);
      })();
      await killDuring('reconcile');
      reconciling = false;
      await passes;

      // 4. sync_os with a re-published image: its spares are purged while the worker dies (the `immediate`
      // policy's purge; a rolling refresh under kills is not in this loop yet).
      const policy = `/v1/pool/policies/sas/${encodeURIComponent('Debian9 64bit')}`;
      expect((await p.api(policy, { method: 'PUT', body: { refresh: 'immediate' } })).status).toBe(200);
      p.sim.faults.addSnapshot({ name: 'sysdisk-sas-Debian9 64bit', volumeType: 'sas', sizeGb: 20 });
      const sync = await start(syncOsCatalog, SYNC_OS_WORKFLOW_ID);
      await killDuring('sync_os');
      await resultOf(sync);

      // 5. Clones of a chunk-store volume.
      expect(
        (await p.api('/v1/volumes', { method: 'POST', body: { volumeId: 'rk-src', chunks: 3, seed: 1 } })).status,
      ).toBe(201);
      const clones: string[] = [];
      for (const target of ['rk-c1', 'rk-c2', 'rk-c3']) {
        const res = await p.api('/v1/volumes/clones', {
          method: 'POST',
          body: {
            sourceVolumeId: 'rk-src',
            targetVolumeId: target,
            chunks: 3,
            pagesPerStep: 1024,
            stepIntervalMs: 300,
            stepsPerRun: 5,
          },
        });
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        clones.push(res.body.workflowId);
      }
      await killDuring('cloneVolume');
      await Promise.all(clones.map((id) => resultOf(p.client.workflow.getHandle<typeof cloneVolume>(id))));

      // 6. Server builds and deletes (the pool refilled first, so builds take spares).
      await resultOf(await start(replenishPool));
      const token = await tenantToken(p, 'demo');
      const builds: string[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await tenantApi(p, '/v1/servers', { method: 'POST', token, body: serverRequest(`rk${i}`) });
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        builds.push(res.body.id);
      }
      await killDuring('createServer/deleteServer', async (k) => {
        if (k > 3) return;
        const res = await tenantApi(p, `/v1/servers/${builds[k - 1]}`, { method: 'DELETE', token });
        expect([202, 409]).toContain(res.status);
      });
      await Promise.allSettled(builds.map((id) => resultOf(p.client.workflow.getHandle(id))));
      await Promise.allSettled(builds.slice(0, 3).map((id) => resultOf(p.client.workflow.getHandle(`${id}-delete`))));

      // At rest: one reconcile, then every invariant, the servers' included.
      await resultOf(await start(reconcilePool));
      await check('at rest, after a reconcile', { afterReconcile: true });
      const servers = await serverInvariantViolations(p);
      checks++;
      violations.push(...servers.map((v) => `servers at rest: ${v}`));

      console.log(
        `[random-kills] ${at()}: ${killPoints.length} kill points, ${checks} invariant checks, ` +
          `${violations.length} violations\n  kills: ${killPoints.join('\n         ')}` +
          (violations.length ? `\n  violations:\n  ${violations.join('\n  ')}` : ''),
      );
      expect(killPoints.length).toBeGreaterThanOrEqual(6 * PER_PHASE);
      expect(violations).toEqual([]);
    },
  );
});
