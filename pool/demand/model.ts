// The demand model's knobs (issue 23), with the anchors' names for them: docs/pool-demand.md argues the values.

export interface DemandModel {
  /** Time constant of the recent rate's exponential smoothing (Knative's stable window, longer: claims are sparse). */
  recentWindowSeconds: number;
  /** How far ahead of now the seasonal profile also looks (EC2 predictive scaling's SchedulingBufferTime). */
  schedulingBufferSeconds: number;
  /** Width of the slice of each earlier day the seasonal profile counts (smooths a sparse hour). */
  seasonalSliceSeconds: number;
  /** History needed before the seasonal profile is used (EC2's forecast needs 24 h). */
  seasonalMinHistorySeconds: number;
  /** Around now on each earlier day, the slice searched for its busiest lead time (bursts recur by the hour). */
  peakSliceSeconds: number;
  /** Which of the earlier days' busiest lead times the target covers (0.5: the median day; 1: the worst). */
  peakDayQuantile: number;
  /** An earlier day's busiest lead time is scaled down by how much quieter the last this-many hours are than
   * the same hours that day (a Saturday after a Friday); 0: not scaled. */
  peakLevelHours: number;
  /** The share of the forecast's claims over the lead time the spares cover (a Poisson quantile). */
  coverQuantile: number;
  /** The target falls at most one step per this long (Knative's scale-down-delay; EC2 never scales in). */
  scaleInStepSeconds: number;
  /** One step is this fraction of the target (at least one spare). */
  scaleInFraction: number;
  /** A burst holds the target up for this long after its last sign (Knative's panic window, as a hold). */
  burstWindowSeconds: number;
  /** A burst adds its rate above the forecast over this long (not the lead time: a burst spent floods the pool). */
  burstHorizonSeconds: number;
  /** A minute with more claims than this quantile of the forecast's is a burst (Knative: panic threshold). */
  burstQuantile: number;
  /** ... and more than this many claims: one or two claims in a quiet kind are no burst. */
  burstMinClaims: number;
}

export const DEFAULT_DEMAND_MODEL: Readonly<DemandModel> = {
  recentWindowSeconds: 20 * 60,
  schedulingBufferSeconds: 30 * 60,
  seasonalSliceSeconds: 60 * 60,
  seasonalMinHistorySeconds: 24 * 3600,
  peakSliceSeconds: 2 * 3600,
  peakDayQuantile: 1,
  peakLevelHours: 12,
  coverQuantile: 0.995,
  scaleInStepSeconds: 5 * 60,
  scaleInFraction: 0.1,
  burstWindowSeconds: 10 * 60,
  burstHorizonSeconds: 120,
  burstQuantile: 0.999,
  burstMinClaims: 3,
};

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** The smallest k with P(X ≤ k) ≥ q for X ~ Poisson(mean) (normal approximation past where e^-mean underflows). */
export function poissonQuantile(mean: number, q: number): number {
  if (!(mean > 0)) return 0;
  q = Math.min(q, 1 - 1e-12); // the CDF reaches 1 only in the limit
  if (mean > 500) return Math.ceil(mean + normalQuantile(q) * Math.sqrt(mean));
  let p = Math.exp(-mean);
  let cdf = p;
  let k = 0;
  while (cdf < q) {
    k++;
    p *= mean / k;
    cdf += p;
  }
  return k;
}

/** Acklam's rational approximation of the standard normal quantile (enough for a margin). */
function normalQuantile(q: number): number {
  const t = Math.sqrt(-2 * Math.log(Math.min(q, 1 - q)));
  const z =
    t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t ** 3);
  return q < 0.5 ? -z : z;
}
