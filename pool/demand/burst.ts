// Burst (issue 23): the last minute's claims beyond what the forecast makes plausible (Knative's panic
// mode, judged on a minute: spares take minutes to build, so a 6 s panic window would only flood).
import { countIn } from './forecast';
import { DEFAULT_DEMAND_MODEL, MINUTE_MS, poissonQuantile, type DemandModel } from './model';

/** A burst now: more claims in the last minute than the forecast allows (the claim path calls it after each claim). */
export function isBurst(
  demand: readonly Date[],
  now: Date,
  forecastPerHour: number,
  model: DemandModel = DEFAULT_DEMAND_MODEL,
): boolean {
  // Callers pass the times in any order (the claim path reads them unordered): sorted for countIn.
  const sorted = demand.map((d) => d.getTime()).sort((a, b) => a - b);
  const nowMs = now.getTime();
  // The minute up to and including now, in whole milliseconds, as decideTarget counts it.
  return burstAt(countIn(sorted, nowMs - MINUTE_MS + 1, nowMs + 1), forecastPerHour, model);
}

/** Whether `lastMinute` claims are more than the forecast allows in a minute. */
export function burstAt(lastMinute: number, forecastPerHour: number, model: DemandModel) {
  const allowed = Math.max(model.burstMinClaims, poissonQuantile(forecastPerHour / 60, model.burstQuantile));
  return lastMinute > allowed;
}
