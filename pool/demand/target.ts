// Issue 23's demand-aware target of one kind: forecast × lead time + a margin, within the operator's
// bounds, scaled in gradually and held through a burst. Pure: time is an input, nothing is read or written.
import { burstAt } from './burst';
import { countIn, recentPerHour, seasonalPeakPerLead, seasonalPerHour } from './forecast';
import { DEFAULT_DEMAND_MODEL, MINUTE_MS, poissonQuantile, type DemandModel } from './model';

export { isBurst } from './burst';
export { DEFAULT_CREATE_SECONDS, leadTimeSeconds } from './lead-time';
export { DEFAULT_DEMAND_MODEL, type DemandModel } from './model';

export const SIZING_MODES = ['static', 'forecastOnly', 'forecastAndScale'] as const;
export type SizingMode = (typeof SIZING_MODES)[number];

export interface TargetInput {
  now: Date;
  /** When its system disks were handed out (pool hits AND fallbacks: the demand), any order, up to ~8 days back. */
  demand: Date[];
  /** Create-to-available time plus the throttle's pace for one more spare (see leadTimeSeconds). */
  leadTimeSeconds: number;
  /** Operator's bounds: the decided target is never below floor nor above ceiling (the ceiling wins a conflict). */
  floor: number;
  ceiling: number;
  /** The previous decision for this kind (null: first): the state of gradual scale-in and the burst window. */
  previous: Pick<TargetDecision, 'target' | 'targetSince' | 'burstUntil'> | null;
  /** Since when the demand is recorded (default: the oldest claim in `demand`): the seasonal profile needs 24 h. */
  historyStart?: Date;
}

export interface TargetDecision {
  target: number;
  /** Demand expected per hour over the lead time (the forecast), and its parts. */
  forecastPerHour: number;
  seasonalPerHour: number | null; // null when history < 24 h
  recentPerHour: number;
  leadTimeSeconds: number;
  /** Set while a burst window is open (claims faster than the forecast allows). */
  burstUntil: Date | null;
  /** One sentence an operator reads: why this target. */
  reason: string;
  /** The busiest lead time (claims) around this time of day on earlier days (null when history < 24 h). */
  peakPerLead: number | null;
  /** When this target was first decided (unchanged since): gradual scale-in counts from it. */
  targetSince: Date;
}

export function decideTarget(input: TargetInput, model: DemandModel = DEFAULT_DEMAND_MODEL): TargetDecision {
  const nowMs = input.now.getTime();
  const times = input.demand
    .map((d) => d.getTime())
    .filter((t) => t <= nowMs)
    .sort((a, b) => a - b);
  const historyStartMs = input.historyStart?.getTime() ?? times[0] ?? nowMs;
  const recent = recentPerHour(times, nowMs, model);
  const seasonal = seasonalPerHour(times, nowMs, historyStartMs, model);
  // The higher of the two, as EC2 does with predictive and dynamic scaling together: a missed claim
  // costs a slow create, a spare too many costs only its spare-hours.
  const forecast = Math.max(seasonal ?? 0, recent);
  const lead = Math.max(0, input.leadTimeSeconds);
  // The minute up to and including now, counted once in the sorted times (whole milliseconds).
  const lastMinute = countIn(times, nowMs - MINUTE_MS + 1, nowMs + 1);
  const burstNow = burstAt(lastMinute, forecast, model);
  const openUntil = input.previous?.burstUntil?.getTime() ?? 0;
  const burstUntilMs = burstNow ? nowMs + model.burstWindowSeconds * 1000 : openUntil > nowMs ? openUntil : null;
  const lastMinutePerHour = lastMinute * 60;
  const burstExcess = burstNow ? (Math.max(0, lastMinutePerHour - forecast) * model.burstHorizonSeconds) / 3600 : 0;
  const expected = (forecast * lead) / 3600 + burstExcess;
  const peak = seasonalPeakPerLead(times, nowMs, historyStartMs, lead * 1000, model);
  const covered = poissonQuantile(expected, model.coverQuantile);
  const need = Math.max(covered, (peak ?? 0) + Math.ceil(burstExcess));
  const bounded = Math.min(input.ceiling, Math.max(input.floor, need));

  const why = [
    `forecast ${rate(forecast)}/h (seasonal ${seasonal === null ? 'n/a: < 24 h of history' : `${rate(seasonal)}/h`}, ` +
      `recent ${rate(recent)}/h) over a ${Math.round(lead)} s lead time: ${expected.toFixed(1)} claims expected, ` +
      `${covered} spare(s) cover ${(model.coverQuantile * 100).toFixed(1)} %`,
  ];
  if (need > covered)
    why.push(`raised to ${need}: the busiest lead time at this hour on earlier days had ${peak} claims`);
  if (burstNow)
    why.push(`burst: ${lastMinutePerHour / 60} claims in the last minute, target held until the window ends`);
  if (need < input.floor) why.push(`raised to the floor ${input.floor}`);
  if (need > input.ceiling || input.floor > input.ceiling) why.push(`capped at the ceiling ${input.ceiling}`);

  let target = bounded;
  const prev = input.previous;
  if (prev && bounded < prev.target) {
    const held = Math.min(input.ceiling, prev.target); // a lowered ceiling applies at once
    const stepMs = model.scaleInStepSeconds * 1000;
    if (burstUntilMs !== null) {
      target = held;
      if (!burstNow) why.push(`burst window open until ${new Date(burstUntilMs).toISOString()}: held at ${held}`);
    } else if (nowMs - prev.targetSince.getTime() >= stepMs) {
      target = Math.max(bounded, held - Math.max(1, Math.floor(held * model.scaleInFraction)));
      if (target > bounded) why.push(`scale-in gradual: ${held} → ${target}, the next step in ${stepMs / 60_000} min`);
    } else {
      target = held;
      const nextMs = prev.targetSince.getTime() + stepMs;
      why.push(`scale-in held at ${held} until ${new Date(nextMs).toISOString()}`);
    }
  }
  const changed = !prev || target !== prev.target;
  return {
    target,
    forecastPerHour: forecast,
    seasonalPerHour: seasonal,
    recentPerHour: recent,
    leadTimeSeconds: lead,
    burstUntil: burstUntilMs === null ? null : new Date(burstUntilMs),
    reason: why.join('; '),
    peakPerLead: peak,
    targetSince: changed ? input.now : prev.targetSince,
  };
}

const rate = (perHour: number) => perHour.toFixed(1);
