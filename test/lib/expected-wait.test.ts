// The usual-duration learning behind server builds' waits (lib/expected-wait): it learns when the
// operation ended, not when the polling happened to see it, and it probes around that moment.
import { describe, expect, it } from 'vitest';
import { DurationEstimator, waitExpected } from '../../lib/expected-wait';

describe('DurationEstimator', () => {
  it('records the middle of the bracket a wait saw', () => {
    const e = new DurationEstimator();
    e.record('volume', { notDoneAtMs: 990, doneAtMs: 1010 });
    expect(e.expectedMs('volume')).toBe(1000);
  });

  it("does not learn the polling's lateness: seen 15 ms late every time, it still expects the end", () => {
    const e = new DurationEstimator();
    // The operation ends at 1000 ms; each wait probes at 995 (running) and 1015 (done).
    for (let i = 0; i < 30; i++) e.record('boot', { notDoneAtMs: 995, doneAtMs: 1015 });
    expect(e.expectedMs('boot')).toBeGreaterThanOrEqual(1000);
    expect(e.expectedMs('boot')).toBeLessThanOrEqual(1006);
  });

  it('follows an operation that got faster, and learns how much it varies', () => {
    const e = new DurationEstimator();
    e.record('volume', { doneAtMs: 2000 });
    for (let i = 0; i < 30; i++) e.record('volume', { doneAtMs: 1000 }); // done at the first probe
    expect(e.expectedMs('volume')).toBeLessThan(1010);
    for (let i = 0; i < 30; i++) e.record('volume', { notDoneAtMs: 998, doneAtMs: 1002 });
    expect(e.deviationMs('volume')).toBeLessThan(5);
  });
});

describe('waitExpected', () => {
  it('once it knows the duration, sees the operation done with few probes', async () => {
    const e = new DurationEstimator();
    const learn = { kind: 'op', estimator: e };
    const probes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const startedAt = Date.now();
      probes.push(0);
      const done = await waitExpected({
        learn,
        startedAt,
        withinMs: 5_000,
        probe: async () => {
          probes[i]!++;
          return Date.now() - startedAt >= 200;
        },
        done: (v) => v,
      });
      expect(done).toBe(true);
    }
    // The first wait knows nothing (a probe every 200 ms); the last ones start near the end.
    expect(e.expectedMs('op')).toBeGreaterThan(150);
    expect(e.expectedMs('op')).toBeLessThan(320);
    expect(probes.at(-1)).toBeLessThanOrEqual(8);
  });

  it('gives up at the deadline with the last value', async () => {
    const value = await waitExpected({
      startedAt: Date.now(),
      withinMs: 300,
      probe: async () => 'creating',
      done: () => false,
    });
    expect(value).toBe('creating');
  });
});
