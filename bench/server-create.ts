// Benchmark (not a test): VM create latency through the real HTTP API (POST /v1/servers with a
// tenant's Keystone token) on real Temporal + PostgreSQL against the simulator, for a pool hit
// and for a fallback (create from the snapshot, 60 s) at concurrency 1, 10 and 50; the
// orchestration overhead of a hit (its latency minus the simulated cloud delays on its critical
// path) with what it is made of; and claims per second of claimSpareVolume on a large table.
// Prints tables; writes bench/results/server-create.json.
//
//   npm run bench:servers [-- --quick] [--levels 1,50] [--hits-only] [--split]
// --split: the worker as a `--role worker` process. A partial or split run writes
// bench/results/server-create-partial.json.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectCloud } from '../openstack/cloud';
import { seedPoolSettings } from '../pool/settings';
import { startEphemeralServices } from '../infra/ephemeral';
import { SIMULATOR_ADMIN, simulatorSeed } from '../infra/stack';
import { colocatedWorker, compose, runWorker } from '../bin/compose';
import { startSimulatorProcess } from './lib/sim-process';
import { startWorkerProcess } from './lib/worker-process';
import { createApp } from '../api/app';
import { reconcilePool, replenishPool, syncOsCatalog } from '../workflows';
import { closedLoop } from './lib/closed-loop';
import { CPU_PROBE, cpuProbeMs } from './lib/cpu-probe';
import { summarize } from './lib/stats';
import { findPids, startLoadProbe, type Watched } from './lib/load-probe';
import { claimBench } from './lib/claims-bench';
import { build, keystoneToken } from './lib/server-build-client';
import { analyse, fmt } from './lib/server-bench-report';
import {
  CLAIMERS,
  CONCURRENCY,
  DELAYS,
  FALLBACKS,
  HIT_OS,
  HITS,
  NETWORK,
  POOL,
  quick,
  USERS,
  VOLUME_TYPE,
  RESULTS_FILE,
  split,
  WARMUP,
  type Bench,
  type Level,
  type Path,
  type Phase,
  type Sample,
} from './lib/server-bench-config';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`[bench] ${line}`);

/** The load of each measured phase, in run order, for the report. */
const phases: Phase[] = [];
/** The Temporal dev server and the PostgreSQL cluster of this run, whose CPU time the phases report. */
let watched: Record<string, Watched> = {};

function watchServices(temporalAddress: string, databaseUrl: string): Record<string, Watched> {
  const temporalPort = temporalAddress.split(':').pop();
  const pgPort = new URL(databaseUrl).port;
  const [temporal] = findPids((cmd) => cmd.includes('start-dev') && cmd.includes(`--port ${temporalPort} `));
  const [postgres] = findPids((cmd) => /(^|\/)postgres /.test(cmd) && cmd.includes(`-p ${pgPort} `));
  const found: Record<string, Watched> = {};
  if (temporal) found.temporal = { pid: temporal, tree: false };
  if (postgres) found.postgres = { pid: postgres, tree: true };
  return found;
}

/** `count` builds, `concurrency` in flight at a time (closed loop). */
async function measure(b: Bench, path: Path, concurrency: Level, count: number, label?: string): Promise<Sample[]> {
  if (count === 0) return [];
  const samples: Sample[] = [];
  const probe = startLoadProbe(watched);
  await closedLoop(concurrency, { seconds: 3600, maxOps: count }, async () => {
    samples.push(await build(b, path, concurrency));
    return 0;
  });
  const load = probe.stop();
  const ok = samples.filter((s) => s.ok);
  const name = label ?? `${path} c${concurrency}`;
  const cpuMsPerBuild = Object.fromEntries(Object.entries(load.cpuMs).map(([k, v]) => [k, Math.round(v / count)]));
  phases.push({ label: name, builds: count, ok: ok.length, load, cpuMsPerBuild });
  const lat = summarize(ok.map((s) => s.latencyMs));
  log(
    `${name.padEnd(12)} ${ok.length}/${count} ok in ${(load.wallMs / 1000).toFixed(1)} s; ` +
      `latency p50 ${fmt(lat.p50)} ms, p99 ${fmt(lat.p99)} ms; process CPU ${load.processCpuPct}% of a core, ` +
      `machine ${load.machineBusyPct}% busy`,
  );
  for (const s of samples.filter((x) => !x.ok)) log(`  FAILED ${s.id}: ${s.error}`);
  return samples;
}

/** The commit the run measured (the worker bundles the workflow code once, at start) and whether the tree differed. */
function revision(): { commit: string; dirty: string[] } {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: import.meta.dirname, encoding: 'utf8' });
    const dirty = git('status', '--porcelain', '--untracked-files=no')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3));
    return { commit: git('rev-parse', '--short', 'HEAD').trim(), dirty };
  } catch {
    return { commit: 'unknown', dirty: [] };
  }
}

async function main() {
  const started = performance.now();
  const rev = revision();
  const loadAtStart = os.loadavg();
  const probeAtStart = cpuProbeMs();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  log(
    `${quick ? 'QUICK run' : 'full run'}; simulator: ${JSON.stringify(DELAYS)}; ` +
      `${os.cpus().length} CPUs, load ${loadAtStart.map((x) => x.toFixed(2)).join(' ')}; ` +
      `CPU probe ${probeAtStart} ms; ` +
      `commit ${rev.commit}${rev.dirty.length ? ` + changes in ${rev.dirty.join(', ')}` : ''}`,
  );
  // Everything started is stopped in reverse order, whatever fails.
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const services = await startEphemeralServices({ name: 'bench-servers' });
    stops.push(() => services.stop());
    watched = watchServices(services.temporalAddress, services.databaseUrl);
    log(`watching CPU of ${JSON.stringify(watched)}`);
    // The cloud in a process of its own (bench/lib/sim-process): its CPU is not blockflow's.
    const sim = await startSimulatorProcess({
      ...DELAYS,
      users: USERS,
      seed: simulatorSeed(POOL, { omitLast: false }),
      networks: [NETWORK],
    });
    stops.push(() => sim.stop());
    watched.simulator = { pid: sim.pid, tree: false };
    const cloud = connectCloud({
      authUrl: sim.authUrl,
      admin: SIMULATOR_ADMIN,
      userDomainName: 'Default',
      projectDomainName: 'Default',
      timeoutMs: 30_000,
    });
    const c = await compose({
      cloud,
      databaseUrl: services.databaseUrl,
      temporalAddress: services.temporalAddress,
      namespace: 'default',
      taskQueue: `bench-servers-${randomUUID().slice(0, 8)}`,
    });
    stops.push(() => c.close());
    const worker = split ? undefined : await runWorker(c, { handleSignals: false });
    if (worker) stops.push(() => worker.stop());
    else {
      const apart = await startWorkerProcess({ ...services, taskQueue: c.taskQueue, authUrl: sim.authUrl });
      stops.push(() => apart.stop());
      watched.worker = { pid: apart.pid, tree: false };
      log(`worker in a process of its own (pid ${apart.pid})`);
    }
    const apiToken = randomBytes(16).toString('hex');
    // As `npm start` runs it (role all): builds start eagerly on the worker in this process.
    const app = createApp({
      temporal: c.temporal,
      taskQueue: c.taskQueue,
      prisma: c.prisma,
      cloud,
      apiToken,
      colocatedWorker: worker && colocatedWorker(c, worker),
    });
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const run = <R>(workflow: () => Promise<R>) =>
      c.temporal.workflow.execute(workflow, { taskQueue: c.taskQueue, workflowId: `${workflow.name}-${randomUUID()}` });

    // The pool: the simulator's options are fixed at start (no runtime setter; a restart on a state
    // file would put the state saver in this process during the measurement), so the spares are
    // created at 60 s like every create from a snapshot, once, and the claims benchmark runs meanwhile.
    const fillStart = performance.now();
    await seedPoolSettings(c.prisma, POOL);
    await run(syncOsCatalog);
    const round = await run(replenishPool);
    log(`pool: ${round.created} spares of ${VOLUME_TYPE}/${HIT_OS} creating (60 s each, all at once)`);
    const claims = await claimBench(c, watched);
    log(
      `claims: ${claims.claims} in ${claims.seconds} s by ${CLAIMERS} claimers = ${claims.claimsPerSecond}/s; ` +
        `${claims.duplicateVolumes} duplicates`,
    );
    const net = await fetch(`${apiUrl}/v1/networks`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${apiToken}` },
      body: JSON.stringify({ network: NETWORK.name }),
    });
    if (net.status !== 200) throw new Error(`POST /v1/networks: ${net.status} ${await net.text()}`);
    log(`network ${NETWORK.name} managed: ${JSON.stringify(await net.json())}`);
    for (;;) {
      await run(reconcilePool);
      const available = await c.prisma.spareVolume.count({ where: { status: 'available', allocated: false } });
      if (available >= POOL.targetHighDemand) break;
      await sleep(2000);
    }
    const fillSeconds = (performance.now() - fillStart) / 1000;
    log(`pool full: ${POOL.targetHighDemand} available spares after ${fillSeconds.toFixed(1)} s`);

    const bench: Bench = { c, apiUrl, apiToken, demoToken: await keystoneToken(sim.authUrl, USERS[1]) };
    const warm = await measure(bench, 'hit', 1, WARMUP, 'warm-up');
    if (!warm.every((s) => s.ok)) throw new Error('warm-up builds failed');
    const samples: Sample[] = [];
    for (const level of CONCURRENCY) samples.push(...(await measure(bench, 'hit', level, HITS[level])));
    for (const level of CONCURRENCY) samples.push(...(await measure(bench, 'fallback', level, FALLBACKS[level])));

    const report = await analyse(bench, samples, claims, fillSeconds, phases);
    const runSeconds = (performance.now() - started) / 1000;
    const probeAtEnd = cpuProbeMs();
    log(`CPU probe ${probeAtStart} ms at the start, ${probeAtEnd} ms at the end (lower is faster)`);
    const full = {
      date: new Date().toISOString(),
      quick,
      command: ['npm run bench:servers', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(
        ' ',
      ),
      runSeconds: Math.round(runSeconds),
      revision: rev,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        loadAverageAtStart: loadAtStart.map((x) => Math.round(x * 100) / 100),
        loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
        cpuProbeMs: { start: probeAtStart, end: probeAtEnd, what: CPU_PROBE },
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
      },
      ...report,
    };
    const dir = join(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, RESULTS_FILE), `${JSON.stringify(full, null, 2)}\n`);
    log(`wrote bench/results/${RESULTS_FILE}; run time ${runSeconds.toFixed(0)} s`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => console.error(err));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
