// bench/pool-demand.ts's synthetic demand (issue 23): server requests per kind over whole weeks, a
// daily cycle (morning and afternoon peaks, a lunch dip), weekends at a fraction of weekdays, each
// day's level varying, and random bursts (a CI job or a class starting many servers at once).
// Non-homogeneous Poisson arrivals by thinning from a seeded PRNG: the same seed, the same week.
import { mulberry32 } from '../../lib/prng';

export const DAY_S = 86_400;
export const WEEK_S = 7 * DAY_S;

export interface KindLoad {
  name: string;
  /** Requests per hour at night and at a weekday's peak. */
  basePerHour: number;
  peakPerHour: number;
  /** Weekend days run at this fraction of a weekday. */
  weekendFactor: number;
  /** Bursts per weekday (office hours), and their size (requests) and span (seconds). */
  burstsPerWeekday: number;
  burstSize: [number, number];
  burstSeconds: [number, number];
}

/** One kind's load; bursts last 1–5 minutes. */
const load = (name: string, [base, peak]: [number, number], weekend: number, bursts: number, size: [number, number]) =>
  ({
    name,
    basePerHour: base,
    peakPerHour: peak,
    weekendFactor: weekend,
    burstsPerWeekday: bursts,
    burstSize: size,
    burstSeconds: [60, 300],
  }) satisfies KindLoad;

/** A busy kind, a middling one and a quiet one (requests per hour at night and at a weekday's peak). */
export const KINDS: KindLoad[] = [
  load('ssd/Debian9', [4, 90], 0.25, 1.5, [15, 40]),
  load('sas/Centos7.3', [2, 30], 0.3, 0.7, [8, 20]),
  load('sas/Windows2019', [0.5, 6], 0.2, 0.2, [4, 10]),
];

/** A weekday's shape by hour (0..1 of the way from base to peak): peaks 9–12 and 14–17, a lunch dip. */
const SHAPE = [
  0, 0, 0, 0, 0, 0.02, 0.1, 0.35, 0.75, 1, 1, 0.95, 0.6, 0.85, 1, 1, 0.9, 0.6, 0.35, 0.25, 0.15, 0.08, 0.03, 0,
];

/** Time 0 is a Monday 00:00; a day's level (0.8–1.2 of its profile) varies day to day. */
function rateAt(load: KindLoad, t: number, dayLevel: number[]): number {
  const day = Math.floor(t / DAY_S);
  const hour = (t % DAY_S) / 3600;
  const h = Math.floor(hour);
  const shape = SHAPE[h] + (SHAPE[(h + 1) % 24] - SHAPE[h]) * (hour - h); // linear between hours
  const weekend = day % 7 >= 5 ? load.weekendFactor : 1;
  return (load.basePerHour + (load.peakPerHour - load.basePerHour) * shape) * weekend * dayLevel[day];
}

/** Request times (seconds from a Monday 00:00, sorted) of one kind over `weeks` weeks. */
export function generateRequests(load: KindLoad, weeks: number, seed: number): number[] {
  const random = mulberry32(seed);
  const end = weeks * WEEK_S;
  const days = weeks * 7;
  const dayLevel = Array.from({ length: days }, () => 0.8 + 0.4 * random());
  const maxRate = load.peakPerHour * 1.2;
  const out: number[] = [];
  // Thinning: candidates at the highest rate, each kept with probability rate(t) / highest.
  for (let t = exponential(random, maxRate); t < end; t += exponential(random, maxRate)) {
    if (random() < rateAt(load, t, dayLevel) / maxRate) out.push(t);
  }
  for (let day = 0; day < days; day++) {
    if (day % 7 >= 5) continue;
    for (let n = poisson(random, load.burstsPerWeekday); n > 0; n--) {
      const start = day * DAY_S + (8 + 10 * random()) * 3600;
      const size = between(random, load.burstSize);
      const span = between(random, load.burstSeconds);
      for (let i = 0; i < size; i++) out.push(start + random() * span);
    }
  }
  return out.sort((a, b) => a - b);
}

const exponential = (random: () => number, perHour: number) => (-Math.log(1 - random()) * 3600) / perHour;
const between = (random: () => number, [lo, hi]: [number, number]) => Math.round(lo + (hi - lo) * random());

function poisson(random: () => number, mean: number): number {
  let k = 0;
  for (let p = Math.exp(-mean), s = p, u = random(); u > s; s += p) p *= mean / ++k;
  return k;
}
