// Burst (issue 23): the last minute's claims beyond what the forecast makes plausible (Knative's panic
// mode, judged on a minute: spares take minutes to build, so a 6 s panic window would only flood).
import { DEFAULT_DEMAND_MODEL, MINUTE_MS, poissonQuantile, type DemandModel } from './model';

/** Claims in the minute up to and including `nowMs`. */
export function lastMinuteClaims(times: readonly number[], nowMs: number): number {
  let n = 0;
  for (const t of times) if (t > nowMs - MINUTE_MS && t <= nowMs) n++;
  return n;
}

/** A burst now: more claims in the last minute than the forecast allows (the claim path calls it after each claim). */
export function isBurst(
  demand: readonly Date[],
  now: Date,
  forecastPerHour: number,
  model: DemandModel = DEFAULT_DEMAND_MODEL,
): boolean {
  const lastMinute = lastMinuteClaims(
    demand.map((d) => d.getTime()),
    now.getTime(),
  );
  return burstAt(lastMinute, forecastPerHour, model);
}

/** Whether `lastMinute` claims are more than the forecast allows in a minute. */
export function burstAt(lastMinute: number, forecastPerHour: number, model: DemandModel) {
  const allowed = Math.max(model.burstMinClaims, poissonQuantile(forecastPerHour / 60, model.burstQuantile));
  return lastMinute > allowed;
}
