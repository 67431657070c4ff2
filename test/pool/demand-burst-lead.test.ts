// Issue 23's burst test (the claim path's) and the lead time the target covers.
import { describe, expect, it } from 'vitest';
import { isBurst, leadTimeSeconds, DEFAULT_CREATE_SECONDS } from '../../pool/demand/target';

const NOW = Date.parse('2026-03-02T12:00:00Z');
const lastSeconds = (count: number, spanMs: number) =>
  Array.from({ length: count }, (_, i) => new Date(NOW - (i * spanMs) / count));

describe('isBurst', () => {
  it('more claims in the last minute than the forecast allows is a burst; the forecast rate is not', () => {
    expect(isBurst(lastSeconds(1, 60_000), new Date(NOW), 60)).toBe(false);
    expect(isBurst(lastSeconds(4, 60_000), new Date(NOW), 60)).toBe(false); // 60/h: 4 in a minute happens
    expect(isBurst(lastSeconds(12, 60_000), new Date(NOW), 60)).toBe(true);
    expect(isBurst(lastSeconds(12, 60_000), new Date(NOW), 600)).toBe(false); // 10 a minute expected
    // No forecast (a quiet kind): one or two claims are not a burst, a handful is.
    expect(isBurst(lastSeconds(2, 30_000), new Date(NOW), 0)).toBe(false);
    expect(isBurst(lastSeconds(5, 30_000), new Date(NOW), 0)).toBe(true);
    // Claims older than a minute, or in the future of `now`, do not count.
    const old = Array.from({ length: 20 }, (_, i) => new Date(NOW - 61_000 - i));
    expect(isBurst(old, new Date(NOW), 0)).toBe(false);
  });
});

describe('leadTimeSeconds', () => {
  it('a slow create (the 90th percentile) plus the throttle interval; a default without measurements', () => {
    expect(leadTimeSeconds([], 2)).toBe(DEFAULT_CREATE_SECONDS + 2);
    const times = [...Array(9).fill(10_000), 100_000]; // one slow create in ten
    expect(leadTimeSeconds(times, 2)).toBeGreaterThanOrEqual(12);
    expect(leadTimeSeconds(times, 2)).toBeLessThan(100);
    expect(leadTimeSeconds(Array(20).fill(30_000), 0.5)).toBe(30.5);
    expect(leadTimeSeconds([30_000, -5, Number.NaN], 0)).toBe(30); // nonsense measurements ignored
  });

  it('with the replenish interval: a claim waits for the next round, and for a running round to end', () => {
    // A claim just after a round started: that round ends when its creates do (overlap SKIP), the
    // next tick starts the replacement, which takes a create time and the throttle's pace.
    expect(leadTimeSeconds(Array(20).fill(30_000), 2, 60)).toBe(30 + 60 + 30 + 2);
    expect(leadTimeSeconds(Array(20).fill(30_000), 2, 0)).toBe(32);
  });
});
