// The adaptive throttle's controller, driven by a model of a backend whose throughput stops
// growing at `slots` concurrent creates (each create takes base × max(1, n / slots)).
import { describe, expect, it } from 'vitest';
import { canSend, initialAdaptiveState, onCompletion, INITIAL_WINDOW, type AdaptiveState } from '../../workflows/throttle';

const BASE = 1000;
const duration = (inFlight: number, slots: number) => BASE * Math.max(1, inFlight / slots);

/** Runs the window against the model at steady state: every completion admitted at n = window. */
function settle(slots: number, rounds = 200): AdaptiveState {
  let s = initialAdaptiveState();
  for (let i = 0; i < rounds; i++) s = onCompletion(s, { status: 'available', durationMs: duration(Math.floor(s.window), slots) });
  return s;
}

describe('adaptive throttle', () => {
  it('starts small and grows while creates finish at full speed', () => {
    let s = initialAdaptiveState();
    expect(s.window).toBe(INITIAL_WINDOW);
    for (let i = 0; i < 4; i++) s = onCompletion(s, { status: 'available', durationMs: BASE });
    expect(s.window).toBe(INITIAL_WINDOW + 4);
    expect(s.slowStart).toBe(true);
  });

  it.each([2, 4, 8, 16])('settles just above the backend\'s %i parallel slots (queue of 1–2), not far beyond', (slots) => {
    const s = settle(slots);
    expect(s.window).toBeGreaterThanOrEqual(slots);
    expect(s.window).toBeLessThanOrEqual(slots + 3);
  });

  it('halves the window when a create ends in error and leaves slow start', () => {
    const s = onCompletion({ window: 10, slowStart: true, baseDurationMs: BASE }, { status: 'failed' });
    expect(s).toMatchObject({ window: 5, slowStart: false });
    expect(onCompletion({ window: 1, slowStart: false, baseDurationMs: BASE }, { status: 'failed' }).window).toBe(1);
  });

  it('shrinks when creates slow down (queueing) even without errors', () => {
    const s = onCompletion({ window: 12, slowStart: false, baseDurationMs: BASE }, { status: 'available', durationMs: 3 * BASE });
    expect(s.window).toBe(11);
  });

  it('learns the fastest create as its base', () => {
    let s = onCompletion(initialAdaptiveState(), { status: 'available', durationMs: 1500 });
    s = onCompletion(s, { status: 'available', durationMs: 900 });
    expect(s.baseDurationMs).toBe(900);
  });

  it('gates sends on the window', () => {
    const s: AdaptiveState = { window: 3.7, slowStart: false, baseDurationMs: BASE };
    expect(canSend(s, 2)).toBe(true);
    expect(canSend(s, 3)).toBe(false);
  });
});
