// The adaptive throttle's controller against a model backend: `slots` workers, each create
// takes `base` once a worker is free (first come, first served) — throughput stops growing at
// `slots`; past `errorsAbove` creates in flight, creates fail (the overload of seed 000).
import { describe, expect, it } from 'vitest';
import {
  canSend,
  createDeadlineMs,
  initialAdaptiveState,
  onCompletion,
  INITIAL_WINDOW,
  QUEUE_MARGIN,
  type AdaptiveState,
} from '../../workflows/pool/throttle';

const BASE = 8000;

/** Event-driven run of `total` creates; returns the peak in flight, fill time and failures. */
function simulate(slots: number, total: number, errorsAbove = Infinity) {
  let state: AdaptiveState = initialAdaptiveState();
  const workerFree = new Array(slots).fill(0);
  let inFlight: { finish: number; failed: boolean; start: number }[] = [];
  let now = 0;
  let sent = 0;
  let peak = 0;
  let failures = 0;
  let lastFinish = 0;
  const windows: number[] = [];
  while (sent < total || inFlight.length > 0) {
    while (sent < total && canSend(state, inFlight.length)) {
      const w = workerFree.indexOf(Math.min(...workerFree));
      const start = Math.max(now, workerFree[w]);
      workerFree[w] = start + BASE;
      inFlight.push({ start: now, finish: start + BASE, failed: inFlight.length >= errorsAbove });
      sent++;
      peak = Math.max(peak, inFlight.length);
    }
    now += 1000; // the workflow looks once a second
    const done = inFlight.filter((c) => c.finish <= now).sort((a, b) => a.finish - b.finish);
    inFlight = inFlight.filter((c) => c.finish > now);
    for (const c of done) {
      if (c.failed) failures++;
      lastFinish = Math.max(lastFinish, c.finish);
      state = onCompletion(
        state,
        c.failed
          ? { status: 'failed' }
          : { status: 'available', durationMs: c.finish - c.start, finishedAtMs: c.finish },
      );
    }
    windows.push(state.window);
  }
  return { peak, fillMs: lastFinish, failures, finalWindow: state.window, windows };
}

describe('adaptive throttle', () => {
  it.each([2, 4, 8, 16])("with %i backend workers: fills at the backend's full rate, keeps a short queue", (slots) => {
    const total = 40;
    const { peak, fillMs, failures } = simulate(slots, total);
    expect(failures).toBe(0);
    expect(peak).toBeLessThanOrEqual(slots + QUEUE_MARGIN + 1);
    // The ideal: total/slots batches of BASE each. Ramp-up costs at most a few BASE.
    const ideal = Math.ceil(total / slots) * BASE;
    expect(fillMs).toBeLessThanOrEqual(ideal + 4 * BASE);
  });

  it("never reaches twice the backend's workers, where seed 000's overload failures start", () => {
    for (const slots of [2, 4, 8]) expect(simulate(slots, 60, 2 * slots).failures).toBe(0);
  });

  it('starts with a small window', () => {
    expect(initialAdaptiveState().window).toBe(INITIAL_WINDOW);
  });

  it('halves on a failed create and climbs back one success at a time', () => {
    let s: AdaptiveState = { window: 10, ceiling: 64, baseDurationMs: BASE, recentFinishes: [] };
    s = onCompletion(s, { status: 'failed' });
    expect(s).toMatchObject({ window: 5, ceiling: 5 });
    s = onCompletion(s, { status: 'available', durationMs: BASE, finishedAtMs: 100_000 });
    expect(s.ceiling).toBe(6);
    expect(s.window).toBeLessThanOrEqual(6);
  });

  it('counts only creates finished within one base duration as served at once', () => {
    let s = initialAdaptiveState();
    for (const t of [10_000, 10_500, 11_000, 30_000]) {
      s = onCompletion(s, { status: 'available', durationMs: BASE, finishedAtMs: t });
    }
    expect(s.recentFinishes).toEqual([30_000]);
    expect(s.window).toBe(Math.max(INITIAL_WINDOW, 1 + QUEUE_MARGIN));
  });

  it('gates sends on the window', () => {
    const s: AdaptiveState = { window: 3, ceiling: 64, baseDurationMs: BASE, recentFinishes: [] };
    expect(canSend(s, 2)).toBe(true);
    expect(canSend(s, 3)).toBe(false);
  });
});

describe('per-create deadline', () => {
  it('is the configured createDeadlineSeconds when set, whatever the round has seen', () => {
    expect(createDeadlineMs(2, null)).toBe(2000);
    expect(createDeadlineMs(2, 10 * 60_000)).toBe(2000);
  });

  it('derived: 5 minutes until a create is seen succeed, and while creates stay well under that', () => {
    expect(createDeadlineMs(null, null)).toBe(5 * 60_000);
    expect(createDeadlineMs(null, 8000)).toBe(5 * 60_000);
    expect(createDeadlineMs(null, 75_000)).toBe(5 * 60_000);
  });

  it('derived: 4 × the slowest successful create, once that product passes 5 minutes', () => {
    expect(createDeadlineMs(null, 2 * 60_000)).toBe(8 * 60_000);
    expect(createDeadlineMs(null, 76_000)).toBe(304_000);
  });
});
