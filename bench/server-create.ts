// Benchmark (not a test): VM create latency through the real HTTP API (POST /v1/servers with a
// tenant's Keystone token) on real Temporal + PostgreSQL against the simulator, for a pool hit
// and for a fallback (create from the snapshot, 60 s) at concurrency 1, 10 and 50; the
// orchestration overhead of a hit (its latency minus the simulated cloud delays on its critical
// path) with what it is made of; and claims per second of claimSpareVolume on a large table.
// Prints tables; writes bench/results/server-create.json.
//
//   node --import tsx bench/server-create.ts [--quick]     (npm run bench:servers [-- --quick])
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { DEFAULT_NETWORK_ID, DEFAULT_USERS, startSimulator, type SimulatorOptions } from '../openstack-sim';
import { connectCloud } from '../openstack/cloud';
import { seedPoolSettings, type PoolConfig } from '../pool/settings';
import { claimSpareVolume } from '../pool/claim';
import { startEphemeralServices } from '../infra/ephemeral';
import { SIMULATOR_ADMIN, simulatorSeed } from '../infra/stack';
import { compose, runWorker, type Composition } from '../bin/compose';
import { createApp } from '../api/app';
import { reconcilePool, replenishPool, syncOsCatalog } from '../workflows';
import type { CreateServerResult } from '../workflows/create-server';
import { closedLoop } from './lib/closed-loop';
import { formatTable } from './lib/table';
import { median, summarize, type Summary } from './lib/stats';
import { timelineOf, type Timeline } from './lib/workflow-timeline';
import { findPids, startLoadProbe, type LoadReport, type Watched } from './lib/load-probe';

const quick = process.argv.includes('--quick');

/**
 * The cloud. A create from a snapshot takes 60 s (a full copy of the image, as Cinder does on a
 * backend without fast clones: why the pool exists). The rest is realistic but small: an empty
 * volume in 1 s, a boot from volume to ACTIVE in 3 s. No overload model.
 */
const DELAYS = {
  createDelayMs: 60_000,
  plainCreateDelayMs: 1_000,
  serverBootDelayMs: 3_000,
  deleteDelayMs: 500,
  serverDeleteDelayMs: 1_000,
} satisfies SimulatorOptions;
/** What a pool hit must wait for in the cloud: swap + data disks (created in parallel: once), then the boot. */
const HIT_CLOUD_MS = DELAYS.plainCreateDelayMs + DELAYS.serverBootDelayMs;
/** A fallback also waits for its system disk from the snapshot, before the other disks. */
const FALLBACK_CLOUD_MS = DELAYS.createDelayMs + HIT_CLOUD_MS;
const OVERHEAD_FORMULA =
  'overhead = latency − (plainCreateDelayMs + serverBootDelayMs), latency = POST /v1/servers sent → ' +
  "createServer's result received (Temporal client, handle.result() on the build id); swap and data disks " +
  'are created in parallel, so plainCreateDelayMs counts once; transfer, accept, rename, IP, trust: no delay';

const CONCURRENCY = [1, 10, 50] as const;
type Level = (typeof CONCURRENCY)[number];
const HITS: Record<Level, number> = quick ? { 1: 5, 10: 20, 50: 50 } : { 1: 20, 10: 50, 50: 100 };
/** Fallbacks take ≥ 64 s each: a few one after the other at c1, one wave each at c10 and c50. */
const FALLBACKS: Record<Level, number> = quick ? { 1: 1, 10: 0, 50: 50 } : { 1: 2, 10: 10, 50: 50 };
const WARMUP = 2;
const CLAIM_ROWS = 20_000;
const CLAIMERS = 32;
const CLAIM_SECONDS = quick ? 3 : 10;
const TARGETS = { overheadC1P50Ms: 100, overheadC50P99Ms: 500, claimsPerSecond: 500 };

const HIT_OS = 'Debian9 64bit';
const FALLBACK_OS = 'Centos7.3 64bit';
const VOLUME_TYPE = 'ssd';
const totalHits = WARMUP + CONCURRENCY.reduce((n, c) => n + HITS[c], 0);
/** Spares only for the hit OS; the fallback OS has a snapshot but a target of 0, so its builds fall back. */
const POOL: PoolConfig = {
  volumeTypes: [VOLUME_TYPE],
  osHighDemand: [HIT_OS],
  osLowDemand: [FALLBACK_OS],
  targetHighDemand: totalHits + 5,
  targetLowDemand: 0,
  replenishIntervalSeconds: 3600,
  reconcileIntervalSeconds: 3600,
  createIntervalSeconds: 0,
  throttleMode: 'fixed',
  snapshotNamePattern: '^sysdisk-(?<type>[a-z0-9]+)-(?<os>.+)$',
};
/** A /20: 4093 addresses for the builds (a /24 would run out). */
const NETWORK = { id: DEFAULT_NETWORK_ID, name: 'private', cidr: '10.8.0.0/20' };
const USERS = [...DEFAULT_USERS, { name: 'alt', password: 'alt-secret', project: 'alt', role: 'member' as const }];

type Path = 'hit' | 'fallback';

interface Sample {
  id: string;
  path: Path;
  concurrency: Level;
  latencyMs: number;
  /** POST sent → 202 received (token check, request checks, trust, build row, workflow start). */
  acceptMs: number;
  ok: boolean;
  gotPath?: string;
  stepTimings?: Record<string, number>;
  error?: string;
}

interface Bench {
  c: Composition;
  apiUrl: string;
  apiToken: string;
  demoToken: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`[bench] ${line}`);
const fmt = (x: number | undefined, digits = 0) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));

async function keystoneToken(authUrl: string, user: { name: string; password: string; project: string }) {
  const res = await fetch(`${authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: user.name, password: user.password, domain: { id: 'default' } } },
        },
        scope: { project: { name: user.project, domain: { id: 'default' } } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`Keystone refused ${user.name}: ${res.status}`);
  return res.headers.get('X-Subject-Token')!;
}

let seq = 0;
/** One build through the API; its latency ends when the Temporal client has createServer's result. */
async function build(b: Bench, path: Path, concurrency: Level): Promise<Sample> {
  const name = `${path}-c${concurrency}-${String(seq++).padStart(4, '0')}`;
  const body = {
    name,
    osName: path === 'hit' ? HIT_OS : FALLBACK_OS,
    volumeType: VOLUME_TYPE,
    flavor: 'm1.small',
    swapGb: 1,
    dataGb: 2,
  };
  const t0 = performance.now();
  const res = await fetch(`${b.apiUrl}/v1/servers`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Auth-Token': b.demoToken },
    body: JSON.stringify(body),
  });
  const accepted = performance.now();
  const answer = (await res.json()) as { id?: string };
  const base = { path, concurrency, acceptMs: accepted - t0 };
  if (res.status !== 202 || !answer.id) {
    return { ...base, id: name, latencyMs: NaN, ok: false, error: `POST ${res.status}: ${JSON.stringify(answer)}` };
  }
  try {
    const result = (await b.c.temporal.workflow.getHandle(answer.id).result()) as CreateServerResult;
    const latencyMs = performance.now() - t0;
    const expected = path === 'hit' ? 'pool-hit' : 'fallback';
    const ok = result.path === expected;
    return {
      ...base,
      id: answer.id,
      latencyMs,
      ok,
      gotPath: result.path,
      stepTimings: result.stepTimings,
      ...(ok ? {} : { error: `path ${result.path}, expected ${expected}` }),
    };
  } catch (err) {
    const cause = (err as { cause?: Error }).cause?.message;
    return { ...base, id: answer.id, latencyMs: NaN, ok: false, error: cause ?? (err as Error).message };
  }
}

interface Phase {
  label: string;
  builds: number;
  ok: number;
  load: LoadReport;
  /** CPU ms per build: this process (worker, API, simulator, clients), Temporal, PostgreSQL, the machine. */
  cpuMsPerBuild: Record<string, number>;
}
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

/** Where a hit's overhead goes, per build (ms): the API's part, each step minus its cloud delay, the rest. */
function overheadParts(s: Sample): Record<string, number> {
  const t = s.stepTimings ?? {};
  const steps = ['system-disk', 'disks', 'fixed-ip', 'boot', 'wait-active'].reduce((n, k) => n + (t[k] ?? 0), 0);
  return {
    'api (POST → 202)': s.acceptMs,
    'system-disk (claim, transfer+accept, rename, handout)': t['system-disk'] ?? NaN,
    'disks − plainCreateDelayMs': (t['disks'] ?? NaN) - DELAYS.plainCreateDelayMs,
    'fixed-ip': t['fixed-ip'] ?? NaN,
    'boot + wait-active − serverBootDelayMs': (t['boot'] ?? 0) + (t['wait-active'] ?? NaN) - DELAYS.serverBootDelayMs,
    'rest (workflow start, trust delete, build row, result)': s.latencyMs - s.acceptMs - steps,
  };
}

interface ActivityStats {
  perBuild: number;
  scheduleToStartMs: number;
  startToCloseMs: number;
  retries: number;
}

/** Activity counts and medians, workflow tasks, from the builds' histories (read after the timed part). */
async function historyStats(b: Bench, samples: Sample[]) {
  const timelines: Timeline[] = [];
  for (let i = 0; i < samples.length; i += 20) {
    const batch = samples.slice(i, i + 20);
    timelines.push(
      ...(await Promise.all(
        batch.map(async (s) => timelineOf(await b.c.temporal.workflow.getHandle(s.id).fetchHistory())),
      )),
    );
  }
  const byType = new Map<string, { starts: number[]; runs: number[]; count: number; retries: number }>();
  for (const t of timelines) {
    for (const a of t.activities) {
      const e = byType.get(a.type) ?? { starts: [], runs: [], count: 0, retries: 0 };
      e.count++;
      e.retries += a.attempt - 1;
      if (a.startedMs !== undefined) e.starts.push(a.startedMs - a.scheduledMs);
      if (a.startedMs !== undefined && a.closedMs !== undefined) e.runs.push(a.closedMs - a.startedMs);
      byType.set(a.type, e);
    }
  }
  const activities: Record<string, ActivityStats> = {};
  for (const [type, e] of byType) {
    activities[type] = {
      perBuild: Math.round((e.count / timelines.length) * 100) / 100,
      scheduleToStartMs: median(e.starts),
      startToCloseMs: median(e.runs),
      retries: e.retries,
    };
  }
  const tasks = timelines.flatMap((t) => t.workflowTaskMs);
  return {
    builds: timelines.length,
    activitiesPerBuild: median(timelines.map((t) => t.activities.length)),
    activities,
    workflowTasksPerBuild: median(timelines.map((t) => t.workflowTaskMs.length)),
    workflowTaskMs: summarize(tasks),
    workflowTaskMsPerBuild: median(timelines.map((t) => t.workflowTaskMs.reduce((n, x) => n + x, 0))),
    timersPerBuild: median(timelines.map((t) => t.timers)),
    workflowRunMs: median(timelines.map((t) => (t.closedMs ?? NaN) - t.startedMs)),
  };
}

/** claimSpareVolume against CLAIM_ROWS available spares of one kind, CLAIMERS at once, for CLAIM_SECONDS. */
async function claimBench(c: Composition) {
  const kind = { volumeType: VOLUME_TYPE, osName: 'Claim Bench OS' };
  const rows = Array.from({ length: CLAIM_ROWS }, (_, i) => ({
    name: `claim-bench-${i}`,
    volumeId: randomUUID(),
    volumeType: kind.volumeType,
    osName: kind.osName,
    snapshotId: 'claim-bench-snapshot',
    status: 'available',
  }));
  for (let i = 0; i < rows.length; i += 5000) await c.prisma.spareVolume.createMany({ data: rows.slice(i, i + 5000) });
  // What one claim costs the database: the plans of its two statements (the idempotency look-up by
  // claimant, the locked pick), then claims one after the other.
  const explain = async (sql: string) =>
    (await c.prisma.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN ANALYZE ${sql}`)).map((r) => r['QUERY PLAN']);
  const plans = {
    findByClaimant: await explain(`SELECT * FROM spare_volumes WHERE claimed_by = 'nobody' AND allocated LIMIT 1`),
    pickSpare: await explain(
      `SELECT id FROM spare_volumes WHERE volume_type = '${kind.volumeType}' AND os_name = '${kind.osName}' ` +
        `AND status = 'available' AND allocated = false AND volume_id IS NOT NULL ORDER BY created_at, id LIMIT 1 ` +
        'FOR UPDATE SKIP LOCKED',
    ),
  };
  const serial = await closedLoop(1, { seconds: 1, maxOps: 100 }, async () => {
    await claimSpareVolume(c.prisma, kind, `claim-bench-serial-${randomUUID()}`);
    return 0;
  });
  const serialMsPerClaim = Math.round((serial.seconds * 10000) / serial.ios) / 10;
  const volumeIds: string[] = [];
  let empty = 0;
  let n = 0;
  const probe = startLoadProbe(watched);
  const load = await closedLoop(CLAIMERS, { seconds: CLAIM_SECONDS, maxOps: CLAIM_ROWS }, async (caller) => {
    const claimed = await claimSpareVolume(c.prisma, kind, `claim-bench-${caller}-${n++}`);
    if (claimed) volumeIds.push(claimed.volumeId);
    else empty++;
    return 0;
  });
  const machine = probe.stop();
  const [db] = await c.prisma.$queryRaw<{ allocated: bigint; claimants: bigint }[]>`
    SELECT count(*) FILTER (WHERE allocated) AS allocated, count(DISTINCT claimed_by) AS claimants
    FROM spare_volumes WHERE os_name = ${kind.osName}`;
  await c.prisma.spareVolume.deleteMany({ where: { osName: kind.osName } });
  const claims = volumeIds.length;
  return {
    rows: CLAIM_ROWS,
    serialMsPerClaim,
    serialClaims: serial.ios,
    claimers: CLAIMERS,
    seconds: Math.round(load.seconds * 100) / 100,
    claims,
    claimsPerSecond: Math.round(claims / load.seconds),
    duplicateVolumes: claims - new Set(volumeIds).size,
    emptyAnswers: empty,
    rowsAllocatedInDb: Number(db.allocated),
    distinctClaimantsInDb: Number(db.claimants),
    dbConnections: 'node-postgres pool default (10), the client createPrisma gives the activities',
    plans,
    load: machine,
  };
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
  Runtime.install({ logger: new DefaultLogger('WARN') });
  log(
    `${quick ? 'QUICK run' : 'full run'}; simulator: ${JSON.stringify(DELAYS)}; ` +
      `${os.cpus().length} CPUs, load ${loadAtStart.map((x) => x.toFixed(2)).join(' ')}; ` +
      `commit ${rev.commit}${rev.dirty.length ? ` + changes in ${rev.dirty.join(', ')}` : ''}`,
  );
  // Everything started is stopped in reverse order, whatever fails.
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const services = await startEphemeralServices({ name: 'bench-servers' });
    stops.push(() => services.stop());
    watched = watchServices(services.temporalAddress, services.databaseUrl);
    log(`watching CPU of ${JSON.stringify(watched)}`);
    const sim = await startSimulator({
      ...DELAYS,
      users: USERS,
      seed: simulatorSeed(POOL, { omitLast: false }),
      networks: [NETWORK],
    });
    stops.push(() => sim.stop());
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
    const worker = await runWorker(c, { handleSignals: false });
    stops.push(() => worker.stop());
    const apiToken = randomBytes(16).toString('hex');
    const app = createApp({ temporal: c.temporal, taskQueue: c.taskQueue, prisma: c.prisma, cloud, apiToken });
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
    const claims = await claimBench(c);
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

    const report = await analyse(bench, samples, claims, fillSeconds);
    const runSeconds = (performance.now() - started) / 1000;
    const full = {
      date: new Date().toISOString(),
      quick,
      command: `npm run bench:servers${quick ? ' -- --quick' : ''}`,
      runSeconds: Math.round(runSeconds),
      revision: rev,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        loadAverageAtStart: loadAtStart.map((x) => Math.round(x * 100) / 100),
        loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
      },
      ...report,
    };
    const dir = join(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'server-create.json'), `${JSON.stringify(full, null, 2)}\n`);
    log(`wrote bench/results/server-create.json; run time ${runSeconds.toFixed(0)} s`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => console.error(err));
  }
}

async function analyse(
  b: Bench,
  samples: Sample[],
  claims: Awaited<ReturnType<typeof claimBench>>,
  fillSeconds: number,
) {
  const ok = (path: Path, level: Level) => samples.filter((s) => s.ok && s.path === path && s.concurrency === level);
  const latencyMs: Record<Path, Partial<Record<`c${Level}`, Summary>>> = { hit: {}, fallback: {} };
  const acceptMs: Partial<Record<`c${Level}`, Summary>> = {};
  const overheadMs: Partial<Record<`c${Level}`, Summary>> = {};
  const fallbackOverheadMs: Partial<Record<`c${Level}`, Summary>> = {};
  const breakdown: Record<string, unknown> = {};
  for (const level of CONCURRENCY) {
    const hits = ok('hit', level);
    const falls = ok('fallback', level);
    const key = `c${level}` as const;
    if (hits.length) {
      latencyMs.hit[key] = summarize(hits.map((s) => s.latencyMs));
      acceptMs[key] = summarize(hits.map((s) => s.acceptMs));
      overheadMs[key] = summarize(hits.map((s) => s.latencyMs - HIT_CLOUD_MS));
      const parts = hits.map(overheadParts);
      const steps = ['system-disk', 'disks', 'fixed-ip', 'boot', 'wait-active'];
      breakdown[key] = {
        overheadPartsMedianMs: Object.fromEntries(
          Object.keys(parts[0]).map((k) => [k, median(parts.map((p) => p[k]))]),
        ),
        stepTimingsMedianMs: Object.fromEntries(
          steps.map((k) => [k, median(hits.map((s) => s.stepTimings?.[k] ?? NaN))]),
        ),
        history: await historyStats(b, hits),
      };
    }
    if (falls.length) {
      latencyMs.fallback[key] = summarize(falls.map((s) => s.latencyMs));
      fallbackOverheadMs[key] = summarize(falls.map((s) => s.latencyMs - FALLBACK_CLOUD_MS));
    }
  }
  const failures = samples
    .filter((s) => !s.ok)
    .map(({ id, path, concurrency, error }) => ({ id, path, concurrency, error }));

  // The tables.
  const rows: string[][] = [];
  for (const path of ['hit', 'fallback'] as const) {
    for (const level of CONCURRENCY) {
      const l = latencyMs[path][`c${level}`];
      if (!l) continue;
      const o = path === 'hit' ? overheadMs[`c${level}`] : fallbackOverheadMs[`c${level}`];
      rows.push([
        `${path} c${level}`,
        String(l.n),
        fmt(l.p50),
        fmt(l.p99),
        fmt(o?.p50),
        fmt(o?.p99),
        fmt(path === 'hit' ? acceptMs[`c${level}`]?.p50 : NaN),
      ]);
    }
  }
  console.log('');
  console.log(`cloud on the critical path: hit ${HIT_CLOUD_MS} ms, fallback ${FALLBACK_CLOUD_MS} ms`);
  console.log(OVERHEAD_FORMULA);
  console.log(
    formatTable(['path, concurrency', 'n', 'latency p50', 'p99', 'overhead p50', 'p99', 'POST→202 p50'], rows),
  );
  const c1 = overheadMs.c1;
  const c50 = overheadMs.c50;
  const targets = {
    overheadC1P50: {
      targetMs: TARGETS.overheadC1P50Ms,
      measuredMs: c1?.p50,
      met: (c1?.p50 ?? Infinity) <= TARGETS.overheadC1P50Ms,
    },
    overheadC50P99: {
      targetMs: TARGETS.overheadC50P99Ms,
      measuredMs: c50?.p99,
      met: (c50?.p99 ?? Infinity) <= TARGETS.overheadC50P99Ms,
    },
    claimsPerSecond: {
      target: TARGETS.claimsPerSecond,
      measured: claims.claimsPerSecond,
      met: claims.claimsPerSecond >= TARGETS.claimsPerSecond,
    },
  };
  console.log('');
  const verdict = (t: { met: boolean }) => (t.met ? 'met' : 'MISSED');
  console.log(
    `targets: overhead p50 at c1 ${fmt(c1?.p50)} ms ` +
      `(≤ ${TARGETS.overheadC1P50Ms}: ${verdict(targets.overheadC1P50)}); ` +
      `p99 at c50 ${fmt(c50?.p99)} ms (≤ ${TARGETS.overheadC50P99Ms}: ${verdict(targets.overheadC50P99)}); ` +
      `claims ${claims.claimsPerSecond}/s (≥ ${TARGETS.claimsPerSecond}: ${verdict(targets.claimsPerSecond)}), ` +
      `${claims.duplicateVolumes} duplicates`,
  );
  // Where the overhead goes: medians per part, per concurrency.
  const levels = CONCURRENCY.filter((l) => breakdown[`c${l}`]);
  const partsOf = (l: Level) =>
    (breakdown[`c${l}`] as { overheadPartsMedianMs: Record<string, number> }).overheadPartsMedianMs;
  if (levels.length) {
    console.log('');
    console.log('hit overhead, median per part (ms):');
    console.log(
      formatTable(
        ['part', ...levels.map((l) => `c${l}`)],
        Object.keys(partsOf(levels[0])).map((k) => [k, ...levels.map((l) => fmt(partsOf(l)[k]))]),
      ),
    );
    type H = Awaited<ReturnType<typeof historyStats>>;
    const hist = (l: Level) => (breakdown[`c${l}`] as { history: H }).history;
    const types = [...new Set(levels.flatMap((l) => Object.keys(hist(l).activities)))];
    console.log('');
    console.log('hit activities: per build; median schedule→start / start→close (ms), from the histories:');
    console.log(
      formatTable(
        ['activity', ...levels.flatMap((l) => [`c${l} n`, 'queue', 'run'])],
        types.map((t) => [
          t,
          ...levels.flatMap((l) => {
            const a = hist(l).activities[t];
            return a ? [String(a.perBuild), fmt(a.scheduleToStartMs), fmt(a.startToCloseMs)] : ['-', '-', '-'];
          }),
        ]),
      ),
    );
    console.log(
      levels
        .map((l) => {
          const h = hist(l);
          return (
            `c${l}: ${h.activitiesPerBuild} activities, ${h.workflowTasksPerBuild} workflow tasks ` +
            `(median ${fmt(h.workflowTaskMs.p50)} ms, p99 ${fmt(h.workflowTaskMs.p99)} ms; ` +
            `${fmt(h.workflowTaskMsPerBuild)} ms per build), ` +
            `${h.timersPerBuild} timers per build`
          );
        })
        .join('\n'),
    );
  }
  console.log('');
  console.log(
    'phases: CPU ms per build of this process (worker + API + simulator), the Temporal server, PostgreSQL, ' +
      'anything else on the machine (other work); event-loop delay of this process; machine busy share:',
  );
  const cpu = (p: Phase, k: string) => p.cpuMsPerBuild[k] ?? NaN;
  const rest = (p: Phase) => cpu(p, 'machine') - cpu(p, 'thisProcess') - cpu(p, 'temporal') - cpu(p, 'postgres');
  console.log(
    formatTable(
      ['phase', 'builds', 'wall s', 'CPU: this', 'temporal', 'postgres', 'other', 'loop delay p99', 'busy %', 'load'],
      phases.map((p) => [
        p.label,
        `${p.ok}/${p.builds}`,
        fmt(p.load.wallMs / 1000, 1),
        fmt(cpu(p, 'thisProcess')),
        fmt(cpu(p, 'temporal')),
        fmt(cpu(p, 'postgres')),
        fmt(rest(p)),
        fmt(p.load.eventLoopDelayMs.p99, 1),
        fmt(p.load.machineBusyPct),
        fmt(p.load.loadAverage1m, 1),
      ]),
    ),
  );
  console.log(
    `claims: ${claims.serialMsPerClaim} ms per claim alone; the pick's plan: ` +
      claims.plans.pickSpare
        .filter((l) => /Sort|Scan|Execution/.test(l))
        .map((l) => l.trim())
        .join(' | '),
  );
  return {
    settings: {
      simulator: DELAYS,
      hitCloudMs: HIT_CLOUD_MS,
      fallbackCloudMs: FALLBACK_CLOUD_MS,
      overheadFormula: OVERHEAD_FORMULA,
      fallbackOverheadFormula: 'fallback overhead = latency − (createDelayMs + plainCreateDelayMs + serverBootDelayMs)',
      measurement:
        "POST /v1/servers (demo's Keystone token) → createServer's result awaited with the Temporal client " +
        '(handle.result() on the build id: no poll granularity); closed loop, `concurrency` builds in flight',
      percentiles: 'nearest rank (p99 of n < 100 is the largest sample)',
      samples: { warmup: WARMUP, hits: HITS, fallbacks: FALLBACKS },
      request: {
        osHit: HIT_OS,
        osFallback: FALLBACK_OS,
        volumeType: VOLUME_TYPE,
        flavor: 'm1.small',
        swapGb: 1,
        dataGb: 2,
      },
      pool: { ...POOL, fillSeconds: Math.round(fillSeconds) },
      network: NETWORK,
      worker: 'one in-process worker (bin/compose runWorker, SDK defaults), API and simulator in the same process',
    },
    latencyMs,
    acceptMs,
    overheadMs,
    fallbackOverheadMs,
    targets,
    breakdown,
    claimsPerSecond: claims.claimsPerSecond,
    claims,
    phases,
    failures,
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
