// The analysis of bench/server-create.ts: latency, overhead and its parts per path and concurrency
// from the samples, the targets' verdicts; prints the tables and returns what the JSON file holds.
import { formatTable } from './table';
import { median, summarize, type Summary } from './stats';
import type { ClaimsReport } from './claims-bench';
import { historyStats, type HistoryStats } from './server-bench-history';
import {
  CONCURRENCY,
  DELAYS,
  FALLBACK_CLOUD_MS,
  FALLBACK_OS,
  FALLBACKS,
  HIT_CLOUD_MS,
  HIT_OS,
  HITS,
  NETWORK,
  OVERHEAD_FORMULA,
  POOL,
  TARGETS,
  VOLUME_TYPE,
  WARMUP,
  split,
  type Bench,
  type Level,
  type Path,
  type Phase,
  type Sample,
} from './server-bench-config';

export const fmt = (x: number | undefined, digits = 0) =>
  x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits);

const STEPS = ['system-disk', 'disks', 'fixed-ip', 'boot'];

/**
 * Where a hit's overhead goes, per build (ms), parts that add up to it: the API's part, the
 * volumes phase (system disk, swap + data disks and fixed IP side by side: the longest of them)
 * minus its cloud delay, the boot minus its cloud delay, the rest.
 */
function overheadParts(s: Sample): Record<string, number> {
  const t = s.stepTimings ?? {};
  const volumes = Math.max(t['system-disk'] ?? NaN, t['disks'] ?? NaN, t['fixed-ip'] ?? NaN);
  return {
    'api (POST → 202)': s.acceptMs,
    'volumes (system disk ∥ disks ∥ fixed IP) − plainCreateDelayMs': volumes - DELAYS.plainCreateDelayMs,
    'boot (create + wait ACTIVE) − serverBootDelayMs': (t['boot'] ?? NaN) - DELAYS.serverBootDelayMs,
    'rest (workflow start, trust delete, build row, result)': s.latencyMs - s.acceptMs - volumes - (t['boot'] ?? NaN),
  };
}

/** `phases`: the load of each measured phase, in the order they ran. */
export async function analyse(b: Bench, samples: Sample[], claims: ClaimsReport, fillSeconds: number, phases: Phase[]) {
  const ok = (path: Path, level: Level) => samples.filter((s) => s.ok && s.path === path && s.concurrency === level);
  const latencyMs: Record<Path, Partial<Record<`c${Level}`, Summary>>> = { hit: {}, fallback: {} };
  const acceptMs: Partial<Record<`c${Level}`, Summary>> = {};
  const overheadMs: Partial<Record<`c${Level}`, Summary>> = {};
  const fallbackOverheadMs: Partial<Record<`c${Level}`, Summary>> = {};
  const activeVisibleOverheadMs: Partial<Record<`c${Level}`, Summary>> = {};
  const breakdown: Record<string, unknown> = {};
  const finishedAt = await finishTimes(b, samples);
  for (const level of CONCURRENCY) {
    const hits = ok('hit', level);
    const falls = ok('fallback', level);
    const key = `c${level}` as const;
    if (hits.length) {
      latencyMs.hit[key] = summarize(hits.map((s) => s.latencyMs));
      acceptMs[key] = summarize(hits.map((s) => s.acceptMs));
      overheadMs[key] = summarize(hits.map((s) => s.latencyMs - HIT_CLOUD_MS));
      activeVisibleOverheadMs[key] = summarize(
        hits.map((s) => (finishedAt.get(s.id) ?? NaN) - s.sentAt - HIT_CLOUD_MS),
      );
      const parts = hits.map(overheadParts);
      breakdown[key] = {
        overheadPartsMedianMs: Object.fromEntries(
          Object.keys(parts[0]).map((k) => [k, median(parts.map((p) => p[k]))]),
        ),
        stepTimingsMedianMs: Object.fromEntries(
          STEPS.map((k) => [k, median(hits.map((s) => s.stepTimings?.[k] ?? NaN))]),
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
        fmt(path === 'hit' ? activeVisibleOverheadMs[`c${level}`]?.p50 : NaN),
        fmt(path === 'hit' ? activeVisibleOverheadMs[`c${level}`]?.p99 : NaN),
      ]);
    }
  }
  console.log('');
  console.log(`cloud on the critical path: hit ${HIT_CLOUD_MS} ms, fallback ${FALLBACK_CLOUD_MS} ms`);
  console.log(OVERHEAD_FORMULA);
  console.log(
    formatTable(
      ['path, concurrency', 'n', 'latency p50', 'p99', 'overhead p50', 'p99', 'POST→202 p50', 'to active p50', 'p99'],
      rows,
    ),
  );
  console.log(
    'to active: the overhead until the build reads "active" through GET /v1/servers/{id} (its row\'s finishedAt, ' +
      "written by the build's last step), before the workflow's result reaches the client",
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
    const hist = (l: Level) => (breakdown[`c${l}`] as { history: HistoryStats }).history;
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
    const localTypes = [...new Set(levels.flatMap((l) => Object.keys(hist(l).localActivities)))];
    console.log('');
    console.log('hit local activities: per build; median completion after the run started (ms); retries:');
    console.log(
      formatTable(
        ['local activity', ...levels.flatMap((l) => [`c${l} n`, 'done at', 'retries'])],
        localTypes.map((t) => [
          t,
          ...levels.flatMap((l) => {
            const a = hist(l).localActivities[t];
            return a ? [String(a.perBuild), fmt(a.completedAfterStartMs), String(a.retries)] : ['-', '-', '-'];
          }),
        ]),
      ),
    );
    console.log(
      levels
        .map((l) => {
          const h = hist(l);
          return (
            `c${l}: ${h.activitiesPerBuild} activities, ${h.localActivitiesPerBuild} local activities, ` +
            `${h.workflowTasksPerBuild} workflow tasks ` +
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
    'phases: CPU ms per build of this process (worker + API + load generator), the Temporal server, PostgreSQL, ' +
      'the simulated cloud, anything else on the machine (other work); event-loop delay of this process; busy share:',
  );
  const cpu = (p: Phase, k: string) => p.cpuMsPerBuild[k] ?? NaN;
  // --split: the worker's own process, its column (else the worker is in "this").
  const apart = phases.some((p) => p.cpuMsPerBuild.worker !== undefined) ? ['worker'] : [];
  const parts = ['thisProcess', ...apart, 'temporal', 'postgres', 'simulator'];
  const rest = (p: Phase) => parts.reduce((left, k) => left - cpu(p, k), cpu(p, 'machine'));
  console.log(
    formatTable(
      [
        'phase',
        'builds',
        'wall s',
        'CPU: this',
        ...apart,
        'temporal',
        'postgres',
        'sim',
        'other',
        'loop p99',
        'busy %',
        'load',
      ],
      phases.map((p) => [
        p.label,
        `${p.ok}/${p.builds}`,
        fmt(p.load.wallMs / 1000, 1),
        fmt(cpu(p, 'thisProcess')),
        ...apart.map((k) => fmt(cpu(p, k))),
        fmt(cpu(p, 'temporal')),
        fmt(cpu(p, 'postgres')),
        fmt(cpu(p, 'simulator')),
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
      activeVisible:
        "overhead until the build's row reads active (GET /v1/servers/{id}): its finishedAt − the POST's send time " +
        '− the cloud on the critical path',
      worker:
        (split
          ? 'the worker in a process of its own (`bin/start.ts --role worker`), the API and the client in this one ' +
            '(builds start through the task queue, as an `api` replica starts them); '
          : 'one in-process worker (bin/compose runWorker) and the API in this process, builds started eagerly ' +
            'on it (as `npm start` runs them, role all); ') +
        'the simulated cloud in a process of its own (bench/lib/sim-process)',
    },
    latencyMs,
    acceptMs,
    overheadMs,
    activeVisibleOverheadMs,
    fallbackOverheadMs,
    targets,
    breakdown,
    claimsPerSecond: claims.claimsPerSecond,
    claims,
    phases,
    failures,
  };
}

/** When each build's row was marked ended (epoch ms), read after the timed part. */
async function finishTimes(b: Bench, samples: Sample[]): Promise<Map<string, number>> {
  const rows = await b.c.prisma.serverBuild.findMany({
    where: { id: { in: samples.map((s) => s.id) } },
    select: { id: true, finishedAt: true },
  });
  return new Map(rows.filter((r) => r.finishedAt).map((r) => [r.id, r.finishedAt!.getTime()]));
}
