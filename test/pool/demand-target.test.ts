// Issue 23's demand-aware target, decided from the demand's timestamps with time as an input (no clock).
import { describe, expect, it } from 'vitest';
import { decideTarget, DEFAULT_DEMAND_MODEL, type TargetDecision, type TargetInput } from '../../pool/demand/target';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-03-02T00:00:00Z'); // a Monday, midnight

/** Claims every `everyMs` in [fromMs, toMs). */
const evenly = (fromMs: number, toMs: number, everyMs: number) => {
  const out: Date[] = [];
  for (let t = fromMs; t < toMs; t += everyMs) out.push(new Date(t));
  return out;
};

/** Days of a daily cycle: 10/h all day, 120/h from 09:00 to 11:00. */
const dailyCycle = (fromMs: number, toMs: number) => {
  const out: Date[] = [];
  for (let day = fromMs; day < toMs; day += 24 * HOUR) {
    out.push(...evenly(day, Math.min(toMs, day + 9 * HOUR), 6 * MIN));
    out.push(...evenly(day + 9 * HOUR, Math.min(toMs, day + 11 * HOUR), 30_000));
    out.push(...evenly(day + 11 * HOUR, Math.min(toMs, day + 24 * HOUR), 6 * MIN));
  }
  return out.filter((d) => d.getTime() < toMs);
};

const input = (over: Partial<TargetInput> & { now: Date }): TargetInput => ({
  demand: [],
  leadTimeSeconds: 120,
  floor: 0,
  ceiling: 100,
  previous: null,
  ...over,
});

describe('decideTarget', () => {
  it('flat demand: the forecast is its rate and the target covers it over the lead time with a margin', () => {
    const now = T0 + 6 * HOUR;
    const d = decideTarget(input({ now: new Date(now), demand: evenly(T0, now, MIN) }));
    expect(d.recentPerHour).toBeGreaterThan(54);
    expect(d.recentPerHour).toBeLessThan(66);
    expect(d.seasonalPerHour).toBeNull(); // 6 h of history: no seasonal profile yet
    expect(d.forecastPerHour).toBe(d.recentPerHour);
    // 60/h over 120 s is 2 claims expected: more than 2 spares (the margin), far fewer than 60.
    expect(d.target).toBeGreaterThanOrEqual(4);
    expect(d.target).toBeLessThanOrEqual(8);
    expect(d.reason).toMatch(/forecast/);
    // No demand at all: nothing to cover.
    expect(decideTarget(input({ now: new Date(now) })).target).toBe(0);
  });

  it('a daily cycle: with 24 h+ of history the target rises before the peak hour, not with less', () => {
    const beforePeak = T0 + 3 * 24 * HOUR + 8 * HOUR + 45 * MIN; // day 4, 08:45
    const night = T0 + 3 * 24 * HOUR + 4 * HOUR;
    const atNight = decideTarget(input({ now: new Date(night), demand: dailyCycle(T0, night) }));
    const ahead = decideTarget(input({ now: new Date(beforePeak), demand: dailyCycle(T0, beforePeak) }));
    expect(ahead.seasonalPerHour).not.toBeNull();
    expect(ahead.seasonalPerHour!).toBeGreaterThan(40);
    expect(ahead.target).toBeGreaterThan(atNight.target + 2);
    // The same morning with only its own 8 h 45 min of history: the recent rate only, no rise yet.
    const firstDay = T0 + 8 * HOUR + 45 * MIN;
    const young = decideTarget(input({ now: new Date(firstDay), demand: dailyCycle(T0, firstDay) }));
    expect(young.seasonalPerHour).toBeNull();
    expect(young.target).toBeLessThanOrEqual(atNight.target + 1);
  });

  it('bursts that recur at a time of day: spares for the busiest lead time seen then, before the next one', () => {
    const now = T0 + 3 * 24 * HOUR + 9 * HOUR + 50 * MIN; // day 4, 09:50
    const demand = [...evenly(T0, now, 6 * MIN)]; // 10/h
    const tenOClock = (day: number) => T0 + day * 24 * HOUR + 10 * HOUR;
    // 30 claims in 2 minutes at 10:00 each day
    for (let day = 0; day < 3; day++) demand.push(...evenly(tenOClock(day), tenOClock(day) + 2 * MIN, 4_000));
    const d = decideTarget(input({ now: new Date(now), demand }));
    expect(d.peakPerLead).toBe(30 + 1); // the burst and the flat rate's claim beside it
    expect(d.target).toBeGreaterThanOrEqual(30);
    expect(d.reason).toMatch(/busiest/);
    // At 03:00 the same history asks for no such number.
    const night = decideTarget(input({ now: new Date(T0 + 3 * 24 * HOUR + 3 * HOUR), demand }));
    expect(night.target).toBeLessThan(8);
  });

  it("a quiet day after busy ones scales the busy days' bursts down by how much quieter it is", () => {
    const tenOClock = (day: number) => T0 + day * 24 * HOUR + 10 * HOUR;
    const demand: Date[] = [];
    for (let day = 0; day < 3; day++) {
      demand.push(...evenly(T0 + day * 24 * HOUR, T0 + (day + 1) * 24 * HOUR, 3 * MIN)); // 20/h
      demand.push(...evenly(tenOClock(day), tenOClock(day) + 2 * MIN, 4_000)); // 30 in 2 min
    }
    const now = tenOClock(3) - 10 * MIN; // day 4 09:50, its night and morning at a fifth of the rate
    demand.push(...evenly(T0 + 3 * 24 * HOUR, now, 15 * MIN));
    const quiet = decideTarget(input({ now: new Date(now), demand }));
    // The last 12 h (with the evening before) at ~0.4 of the same hours the days before.
    expect(quiet.peakPerLead).toBeLessThanOrEqual(15);
    expect(quiet.target).toBeLessThanOrEqual(15);
    // Scaled by nothing, the busy days' bursts would hold 30 spares.
    const unscaled = decideTarget(input({ now: new Date(now), demand }), {
      ...DEFAULT_DEMAND_MODEL,
      peakLevelHours: 0,
    });
    expect(unscaled.target).toBeGreaterThanOrEqual(30);
  });

  it('floor and ceiling bound the target, and the reason says which', () => {
    const now = T0 + 6 * HOUR;
    const demand = evenly(T0, now, MIN);
    const floored = decideTarget(input({ now: new Date(now), demand, floor: 20 }));
    expect(floored.target).toBe(20);
    expect(floored.reason).toMatch(/floor/);
    const capped = decideTarget(input({ now: new Date(now), demand, ceiling: 2 }));
    expect(capped.target).toBe(2);
    expect(capped.reason).toMatch(/ceiling/);
  });

  it('scales in gradually: one spare per scale-in step, not at the first dip', () => {
    const peak = T0 + 6 * HOUR;
    const demand = evenly(T0, peak, 15_000); // 240/h, then nothing
    let d = decideTarget(input({ now: new Date(peak), demand }));
    const high = d.target;
    expect(high).toBeGreaterThan(10);
    const seen: number[] = [];
    for (let t = peak + MIN; t <= peak + 30 * MIN; t += MIN) {
      d = decideTarget(input({ now: new Date(t), demand, previous: d }));
      seen.push(d.target);
    }
    // Never more than one spare lower per minute, and about one per 5 minutes over the half hour.
    [high, ...seen].slice(1).forEach((n, i) => expect([high, ...seen][i] - n).toBeLessThanOrEqual(1));
    expect(high - d.target).toBeGreaterThanOrEqual(4);
    expect(high - d.target).toBeLessThanOrEqual(7);
    expect(seen[0]).toBe(high);
    expect(d.reason).toMatch(/scale-in/);
  });

  it('a burst opens a window in which the target covers the burst rate and does not fall', () => {
    const now = T0 + 6 * HOUR;
    const calm = evenly(T0, now - MIN, 6 * MIN); // 10/h
    const before = decideTarget(input({ now: new Date(now - MIN), demand: calm }));
    const burst = [...calm, ...evenly(now - 50_000, now, 2_000)]; // 25 claims in the last 50 s
    const d = decideTarget(input({ now: new Date(now), demand: burst, previous: before }));
    expect(d.burstUntil).not.toBeNull();
    expect(d.burstUntil!.getTime()).toBeGreaterThan(now + 5 * MIN);
    expect(d.target).toBeGreaterThan(before.target + 10);
    expect(d.reason).toMatch(/burst/);
    // 8 minutes later (past a scale-in step), no more claims: inside the window the target holds.
    const later = decideTarget(input({ now: new Date(now + 8 * MIN), demand: burst, previous: d }));
    expect(later.target).toBe(d.target);
    expect(later.burstUntil).toEqual(d.burstUntil);
    // After the window it scales in, one step: a tenth of the target (at least one spare).
    const after = decideTarget(
      input({ now: new Date(d.burstUntil!.getTime() + 6 * MIN), demand: burst, previous: later }),
    );
    expect(after.burstUntil).toBeNull();
    expect(after.target).toBe(d.target - Math.max(1, Math.floor(d.target / 10)));
  });
});
