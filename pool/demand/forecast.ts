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

/**
 * The busiest lead time around now on earlier days: per earlier day (up to a week) the most claims in
 * any lead-time-long window of the peak slice centred on now's time of day (reaching a scheduling buffer
 * ahead), then the model's quantile across those days. Claims come in bursts a Poisson margin does not
 * foresee; the days before show how large they get at this hour. Null with less history than asked.
 */
export function seasonalPeakPerLead(
  sorted: readonly number[],
  nowMs: number,
  historyStartMs: number,
  leadMs: number,
  model: DemandModel,
): number | null {
  if (nowMs - historyStartMs < model.seasonalMinHistorySeconds * 1000 || leadMs <= 0) return null;
  const peaks: number[] = [];
  for (let day = 1; day <= 7; day++) {
    const from = nowMs - (model.peakSliceSeconds * 1000) / 2 - day * DAY_MS;
    if (from < historyStartMs) break;
    const to = nowMs + (model.peakSliceSeconds / 2 + model.schedulingBufferSeconds) * 1000 - day * DAY_MS;
    let peak = 0;
    for (let i = lowerBound(sorted, from), j = i; i < sorted.length && sorted[i] < to; i++) {
      while (j < sorted.length && sorted[j] < sorted[i] + leadMs) j++;
      peak = Math.max(peak, j - i);
    }
    peaks.push(peak * levelRatio(sorted, nowMs, day, model.peakLevelHours * HOUR_MS));
  }
  peaks.sort((a, b) => a - b);
  const peak = peaks[Math.min(peaks.length - 1, Math.ceil(model.peakDayQuantile * peaks.length) - 1)];
  return peak === undefined ? null : Math.ceil(peak);
}

/** How busy the last `spanMs` were against the same span `day` days earlier, at most 1 (+1 each: sparse hours). */
function levelRatio(sorted: readonly number[], nowMs: number, day: number, spanMs: number): number {
  if (spanMs <= 0) return 1;
  const then = nowMs - day * DAY_MS;
  return Math.min(1, (countIn(sorted, nowMs - spanMs, nowMs) + 1) / (countIn(sorted, then - spanMs, then) + 1));
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
