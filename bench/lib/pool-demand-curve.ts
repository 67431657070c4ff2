// bench/pool-demand.ts's static curve: per kind, each static target's run; combined, the cheapest
// static pool for each hit rate, raising one kind's target at a time where it buys the most hits per
// spare-hour (a greedy frontier: static at its best, each kind sized on its own demand).
import type { SimResult } from './pool-demand-sim';

export interface CurvePoint {
  targets: number[];
  runs: SimResult[];
  hitRate: number;
  spareHours: number;
}

export function staticCurve(sweeps: SimResult[][]): CurvePoint[] {
  const targets = sweeps.map(() => 0);
  const claims = sweeps.reduce((n, s) => n + s[0].claims, 0);
  const point = (): CurvePoint => {
    const runs = sweeps.map((s, i) => s[targets[i]]);
    return {
      targets: [...targets],
      runs,
      hitRate: runs.reduce((n, r) => n + r.hits, 0) / claims,
      spareHours: runs.reduce((n, r) => n + r.spareSeconds, 0) / 3600,
    };
  };
  const curve = [point()];
  for (;;) {
    let best = -1;
    let bestGain = -Infinity;
    sweeps.forEach((s, i) => {
      // Look a few steps ahead: one more spare may buy nothing until the next one does.
      for (let step = 1; step <= 3 && targets[i] + step < s.length; step++) {
        const hits = s[targets[i] + step].hits - s[targets[i]].hits;
        const cost = Math.max(1, s[targets[i] + step].spareSeconds - s[targets[i]].spareSeconds);
        if (hits / cost > bestGain) {
          bestGain = hits / cost;
          best = i;
        }
      }
    });
    if (best < 0 || bestGain <= 0) return curve;
    targets[best]++;
    curve.push(point());
  }
}
