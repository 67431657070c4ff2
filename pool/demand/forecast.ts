// Demand forecast (issue 23): a seasonal profile from the same time on earlier days (the same hour of
// week counting as much as all other days together) and an exponentially smoothed recent rate.
import { DAY_MS, HOUR_MS, type DemandModel } from './model';

/** Claims per hour, smoothed exponentially over the model's recent window (no state: summed from the times). */
export function recentPerHour(times: readonly number[], nowMs: number, model: DemandModel): number {
  const tauMs = model.recentWindowSeconds * 1000;
  let sum = 0;
  for (const t of times) if (t <= nowMs) sum += Math.exp(-(nowMs - t) / tauMs);
  return (sum / tauMs) * HOUR_MS;
}

/**
 * The seasonal rate: per hour, the higher of now's slice and the slice a scheduling buffer ahead, each
 * averaged over the earlier days with that slice in the history (the same day last week weighing
 * half when there is one). Null with less history than the model asks for.
 */
export function seasonalPerHour(
  sorted: readonly number[],
  nowMs: number,
  historyStartMs: number,
  model: DemandModel,
): number | null {
  if (nowMs - historyStartMs < model.seasonalMinHistorySeconds * 1000) return null;
  const sliceMs = model.seasonalSliceSeconds * 1000;
  const at = (centerMs: number) => {
    const daily: number[] = [];
    let weekly: number | null = null;
    for (let day = 1; day <= 7; day++) {
      const from = centerMs - sliceMs / 2 - day * DAY_MS;
      if (from < historyStartMs) break;
      const rate = (countIn(sorted, from, from + sliceMs) / sliceMs) * HOUR_MS;
      if (day === 7) weekly = rate;
      else daily.push(rate);
    }
    const dailyMean = daily.reduce((a, b) => a + b, 0) / Math.max(1, daily.length);
    return weekly === null ? dailyMean : (weekly + dailyMean) / 2;
  };
  return Math.max(at(nowMs), at(nowMs + model.schedulingBufferSeconds * 1000));
}

/** Claims in [fromMs, toMs) of a sorted list (binary search). */
export function countIn(sorted: readonly number[], fromMs: number, toMs: number): number {
  return lowerBound(sorted, toMs) - lowerBound(sorted, fromMs);
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
