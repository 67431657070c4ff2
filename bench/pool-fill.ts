// Benchmark (not a test): fill a pool of 40 spares against the simulator's overload model with
// (a) no throttle, (b) fixed intervals between creates (seed 001's remedy; a sweep, to find the
// best one that causes no failure) and (c) the adaptive throttle, all in one run on real
// Temporal + PostgreSQL. Prints failed creates and fill time per strategy and the ratio of (c)
// to the best failure-free fixed interval; writes bench/results/pool-fill.json.
//
//   node --import tsx bench/pool-fill.ts [--quick] [--intervals 1.5,2.5]
// --intervals runs only those fixed intervals (to re-measure rows of the table) and writes
// bench/results/pool-fill-intervals.json instead.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startSimulator, type OverloadOptions } from '../openstack-sim';
import { connectCloud } from '../openstack/cloud';
import { createActivities } from '../activities';
import { seedPoolSettings, type PoolConfig } from '../pool/settings';
import { createPrisma, type PrismaClient } from '../prisma/client';
import { startEphemeralServices } from '../infra/ephemeral';
import { SIMULATOR_ADMIN, simulatorSeed } from '../infra/stack';
import { createWorker } from '../worker/worker';
import { reconcilePool, replenishPool, syncOsCatalog } from '../workflows';
import { DropReason } from '../pool/reconcile';

/**
 * The cloud: 8 s per create from a snapshot (rbd flatten, scaled down), 4 backend workers,
 * failures beyond 8 creates in flight. Second-level intervals: Temporal timers resolve to
 * about a second, so sub-second fixed intervals would all behave alike.
 */
const CREATE_MS = 8000;
const OVERLOAD: OverloadOptions = { capacity: 8, errorSlope: 0.15, serviceSlots: 4, seed: 20181220 };
const POOL: Pick<PoolConfig, 'volumeTypes' | 'osHighDemand' | 'osLowDemand' | 'targetHighDemand' | 'targetLowDemand'> =
  {
    volumeTypes: ['sas', 'ssd'],
    osHighDemand: ['Debian9 64bit'],
    osLowDemand: ['Centos7.3 64bit'],
    targetHighDemand: 10,
    targetLowDemand: 10,
  };
const TARGET = 40;
const MAX_ROUNDS = 12;

type Strategy = { label: string; mode: 'fixed' | 'adaptive'; intervalSeconds: number };
const quick = process.argv.includes('--quick');
const only = process.argv.includes('--intervals')
  ? process.argv[process.argv.indexOf('--intervals') + 1]!.split(',').map(Number)
  : null;
const fixedIntervals = only ?? (quick ? [2, 2.5] : [1, 1.5, 2, 2.5, 3, 4]);
const fixedStrategies = fixedIntervals.map((s) => ({
  label: `(b) fixed ${s} s`,
  mode: 'fixed' as const,
  intervalSeconds: s,
}));
const strategies: Strategy[] = only
  ? fixedStrategies
  : [
      { label: '(a) no throttle', mode: 'fixed', intervalSeconds: 0 },
      ...fixedStrategies,
      { label: '(c) adaptive', mode: 'adaptive', intervalSeconds: 0 },
    ];

interface Outcome extends Strategy {
  failedCreates: number;
  fillSeconds: number;
  rounds: number;
  full: boolean;
}

async function fill(
  strategy: Strategy,
  prisma: PrismaClient,
  client: Client,
  temporalAddress: string,
): Promise<Outcome> {
  const config: PoolConfig = {
    ...POOL,
    replenishIntervalSeconds: 3600,
    reconcileIntervalSeconds: 3600,
    createIntervalSeconds: strategy.intervalSeconds,
    throttleMode: strategy.mode,
    snapshotNamePattern: '^sysdisk-(?<type>[a-z0-9]+)-(?<os>.+)$',
  };
  const sim = await startSimulator({
    createDelayMs: CREATE_MS,
    overload: OVERLOAD,
    seed: simulatorSeed(config, { omitLast: false }),
  });
  const cloud = connectCloud({
    authUrl: sim.authUrl,
    admin: SIMULATOR_ADMIN,
    userDomainName: 'Default',
    projectDomainName: 'Default',
    timeoutMs: 10_000,
  });
  await prisma.$executeRaw`TRUNCATE spare_volumes, os_images, pool_policies, pool_settings, pool_rounds`;
  await seedPoolSettings(prisma, config);
  const taskQueue = `bench-${randomUUID().slice(0, 8)}`;
  const { worker, connection } = await createWorker({
    address: temporalAddress,
    namespace: 'default',
    taskQueue,
    activities: createActivities({ cloud, prisma, temporal: client }),
  });
  const running = worker.run();
  const run = <R>(workflow: () => Promise<R>) =>
    client.workflow.execute(workflow, { taskQueue, workflowId: `${workflow.name}-${randomUUID()}` });
  try {
    await run(syncOsCatalog);
    const t0 = Date.now();
    let failedCreates = 0;
    let rounds = 0;
    let available = 0;
    while (available < TARGET && rounds < MAX_ROUNDS) {
      rounds++;
      await run(replenishPool);
      // Let Cinder finish every create, then count what failed and let reconcile drop it.
      for (;;) {
        const spares = (await cloud.admin.cinder.listVolumes()).filter((v) => v.name?.startsWith('spare-'));
        if (!spares.some((v) => v.status === 'creating')) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const summary = await run(reconcilePool);
      failedCreates += summary.dropped.filter((d) => d.reason === DropReason.errorInCinder).length;
      available = await prisma.spareVolume.count({ where: { status: 'available' } });
    }
    return { ...strategy, failedCreates, fillSeconds: (Date.now() - t0) / 1000, rounds, full: available >= TARGET };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await sim.stop();
  }
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  console.log(`pool of ${TARGET}; create ${CREATE_MS} ms; overload: ${JSON.stringify(OVERLOAD)}`);
  const services = await startEphemeralServices({ name: 'bench-pool' });
  const prisma = createPrisma(services.databaseUrl);
  const connection = await Connection.connect({ address: services.temporalAddress });
  const client = new Client({ connection });
  const outcomes: Outcome[] = [];
  try {
    for (const s of strategies) {
      const o = await fill(s, prisma, client, services.temporalAddress);
      outcomes.push(o);
      console.log(
        `${o.label.padEnd(20)} failed creates ${String(o.failedCreates).padStart(3)}   ` +
          `fill ${o.fillSeconds.toFixed(1).padStart(6)} s   rounds ${o.rounds}${o.full ? '' : '   (not full)'}`,
      );
    }
  } finally {
    await connection.close();
    await prisma.$disconnect();
    await services.stop();
  }
  const cleanFixed = outcomes.filter((o) => o.label.startsWith('(b)') && o.failedCreates === 0 && o.full);
  const bestFixed = cleanFixed.sort((x, y) => x.fillSeconds - y.fillSeconds)[0];
  const adaptive = outcomes.find((o) => o.mode === 'adaptive');
  const ratio = bestFixed && adaptive ? adaptive.fillSeconds / bestFixed.fillSeconds : null;
  console.log(
    !adaptive
      ? `load average ${loadAverage()}`
      : bestFixed
        ? `best failure-free fixed interval: ${bestFixed.intervalSeconds} s (${bestFixed.fillSeconds.toFixed(1)} s); ` +
          `adaptive/best = ${ratio!.toFixed(2)}; adaptive failed creates: ${adaptive.failedCreates}  ` +
          `(target: 0 failures, ratio ≤ 1.20)`
        : 'no fixed interval filled the pool without failures',
  );
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const report = {
    date: new Date().toISOString(),
    quick,
    createMs: CREATE_MS,
    overload: OVERLOAD,
    target: TARGET,
    outcomes,
    bestFixed: bestFixed?.label ?? null,
    adaptiveToBestFixed: ratio,
  };
  const file = only ? 'pool-fill-intervals.json' : 'pool-fill.json';
  writeFileSync(join(dir, file), `${JSON.stringify({ ...report, loadAverage: os.loadavg() }, null, 2)}\n`);
}

const loadAverage = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
