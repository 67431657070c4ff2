// Benchmark (not a test), issue 23: a synthetic week of server requests for three kinds (daily cycle,
// weekends, random bursts, an image update on Wednesday 10:30) replayed on a simulated clock against
// the real sizing code (pool/demand: decideTarget, isBurst, leadTimeSeconds) and the rolling refresh's
// rules (floorOf, surgeOf), with a week before it to warm up the pool and the demand history. Static
// targets are swept per kind and combined into the cheapest static pool for each hit rate (the
// static curve); demand-aware runs with `rolling` and `immediate` refresh. Prints a table, writes
// bench/results/pool-demand.json.
//
//   npm run bench:pool-demand -- [--seed N] [--create-seconds 240] [--throttle 2] [--replenish 60] [--out F]
// --out names the results file in bench/results/ (default pool-demand.json), for runs of other timings.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { formatTable } from './lib/table';
import { DAY_S, KINDS, WEEK_S, generateRequests } from './lib/pool-demand-workload';
import { simulatePool, worstWindowHitRate, type SimResult, type SimRun, type Sizing } from './lib/pool-demand-sim';
import { argNumber, argValue } from './lib/args';
import { staticCurve } from './lib/pool-demand-curve';

const arg = argNumber;
const seed = arg('seed', 23);
const timing = {
  // A real cloud's create from a snapshot with rbd flatten takes minutes (issue 23, seed 001).
  createSeconds: arg('create-seconds', 240),
  throttleSeconds: arg('throttle', 2), // bench/results/pool-fill.json's best fixed interval
  replenishSeconds: arg('replenish', 60),
};
const FLOOR = 1;
const CEILING = 60;
const MAX_STATIC = 60;
const measureFrom = WEEK_S;
const end = 2 * WEEK_S;
const updateAt = WEEK_S + 2 * DAY_S + 10.5 * 3600; // Wednesday 10:30 of the measured week

const started = Date.now();
console.log(
  `pool-demand: seed ${seed}, create ${timing.createSeconds} s, throttle ${timing.throttleSeconds} s, ` +
    `rounds every ${timing.replenishSeconds} s; week 1 warms up, week 2 is measured (update ${hm(updateAt)})`,
);
const requests = KINDS.map((k, i) => generateRequests(k, 2, seed + i));
const base = (i: number): Omit<SimRun, 'sizing' | 'refresh'> => ({
  timing,
  requests: requests[i],
  measureFrom,
  end,
  updateAt,
  minHealthyPercent: 100,
});
const runAll = (sizing: (i: number) => Sizing, refresh: SimRun['refresh']) =>
  KINDS.map((_, i) => simulatePool({ ...base(i), sizing: sizing(i), refresh }));

// The static curve: every static target per kind (rolling refresh), combined cheapest-first.
const sweeps = KINDS.map((_, i) =>
  Array.from({ length: MAX_STATIC + 1 }, (_, target) =>
    simulatePool({ ...base(i), sizing: { kind: 'static', target }, refresh: 'rolling' }),
  ),
);
const curve = staticCurve(sweeps);
const demandAware = (refresh: SimRun['refresh']) =>
  runAll(() => ({ kind: 'demand-aware', floor: FLOOR, ceiling: CEILING }), refresh);
const daRolling = demandAware('rolling');
const daImmediate = demandAware('immediate');
const da = summarize(daRolling);
const daPurge = summarize(daImmediate);
// Today: static targets with the purge, at the static point that matches demand-aware's hit rate.
const match = curve.find((p) => p.hitRate >= da.hitRate) ?? curve[curve.length - 1];
const today = runAll((i) => ({ kind: 'static', target: match.targets[i] }), 'immediate');
const atEqualCost = [...curve].reverse().find((p) => p.spareHours <= da.spareHours) ?? curve[0];

const policies = [
  ...curve.map((p) => ({
    name: `static ${p.targets.join('/')}`,
    kind: 'static' as const,
    refresh: 'rolling',
    targets: p.targets,
    ...summarize(p.runs),
  })),
  {
    name: `today: static ${match.targets.join('/')}, immediate purge`,
    kind: 'static' as const,
    refresh: 'immediate',
    targets: match.targets,
    ...summarize(today),
  },
  {
    name: 'demand-aware, rolling',
    kind: 'demand-aware' as const,
    refresh: 'rolling',
    ...da,
    perKind: perKind(daRolling),
  },
  {
    name: 'demand-aware, immediate purge',
    kind: 'demand-aware' as const,
    refresh: 'immediate',
    ...daPurge,
    perKind: perKind(daImmediate),
  },
];
const acceptance = {
  cheapestStaticAtSameHitRate: { targets: match.targets, hitRate: match.hitRate, spareHours: match.spareHours },
  spareHoursRatio: da.spareHours / match.spareHours,
  staticAtEqualCost: { targets: atEqualCost.targets, hitRate: atEqualCost.hitRate, spareHours: atEqualCost.spareHours },
  sameHitRateWithin70Percent: match.hitRate >= da.hitRate && da.spareHours <= 0.7 * match.spareHours,
  ninetyNineWhereStaticLess: da.hitRate >= 0.99 && atEqualCost.hitRate < da.hitRate,
  rollingWorstWindowAboveZeroWhereImmediateZero:
    da.refreshWorstWindowHitRate > 0 && daPurge.refreshWorstWindowHitRate === 0,
};

const shown = [
  ...policies.filter((p) => p.kind === 'static' && p.refresh === 'rolling').filter(thin),
  ...policies.slice(-3),
];
console.log(
  formatTable(
    ['policy', 'hit rate', 'spare-hours', 'fallbacks', 'worst 5 min (update)', 'no spare (s, update)', 'bursts'],
    shown.map((p) => [
      p.name,
      pct(p.hitRate),
      p.spareHours.toFixed(0),
      String(p.fallbacks),
      pct(p.refreshWorstWindowHitRate),
      String(p.emptyAfterUpdateSeconds),
      String(p.bursts),
    ]),
  ),
);
console.log(
  `\nstatic targets are per kind (${KINDS.map((k) => k.name).join(', ')}); the curve has ${curve.length} points`,
);
console.log(
  `cheapest static with demand-aware's hit rate: ${match.targets.join('/')} (${pct(match.hitRate)}, ` +
    `${match.spareHours.toFixed(0)} spare-hours): demand-aware uses ${pct(acceptance.spareHoursRatio)} of it`,
);
console.log(`static at demand-aware's cost: ${atEqualCost.targets.join('/')} ${pct(atEqualCost.hitRate)}`);
console.log(`acceptance: ${JSON.stringify(acceptance)}`);

const out = {
  date: new Date().toISOString(),
  seed,
  timing,
  floor: FLOOR,
  ceiling: CEILING,
  kinds: KINDS,
  requests: requests.map((r) => r.filter((t) => t >= measureFrom).length),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
  seconds: (Date.now() - started) / 1000,
  acceptance,
  policies,
};
const outFile = argValue('out') ?? 'pool-demand.json';
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', outFile), `${JSON.stringify(out, null, 2)}\n`);
console.log(`\nwrote bench/results/${outFile} in ${out.seconds.toFixed(1)} s`);

function summarize(runs: SimResult[]) {
  const claims = runs.reduce((n, r) => n + r.claims, 0);
  const hits = runs.reduce((n, r) => n + r.hits, 0);
  const around = runs.flatMap((r) => r.aroundUpdate).sort((a, b) => a.t - b.t);
  return {
    hitRate: hits / claims,
    spareHours: runs.reduce((n, r) => n + r.spareSeconds, 0) / 3600,
    fallbacks: claims - hits,
    refreshWorstWindowHitRate: worstWindowHitRate(around),
    bursts: runs.reduce((n, r) => n + r.bursts, 0),
    /** Seconds in the hour after the update with some kind out of spares (summed over kinds). */
    emptyAfterUpdateSeconds: Math.round(runs.reduce((n, r) => n + r.emptyAfterUpdateSeconds, 0)),
  };
}

function perKind(runs: SimResult[]) {
  return runs.map((r, i) => ({
    kind: KINDS[i].name,
    ...summarize([r]),
    meanTarget: Number(r.meanTarget.toFixed(2)),
    maxTarget: r.maxTarget,
  }));
}

/** Every few points of the curve, for the printed table (the file has them all). */
function thin(p: { hitRate: number }, i: number, all: { hitRate: number }[]) {
  return i === all.length - 1 || i % 6 === 0 || (p.hitRate >= 0.9 && i % 2 === 0);
}

function pct(x: number) {
  return `${(x * 100).toFixed(2)} %`;
}

function hm(t: number) {
  const s = t % DAY_S;
  const two = (n: number) => String(Math.floor(n)).padStart(2, '0');
  return `day ${Math.floor(t / DAY_S) % 7} ${two(s / 3600)}:${two((s % 3600) / 60)}`;
}
