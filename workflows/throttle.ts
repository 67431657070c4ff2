// How fast a replenish round sends creates to Cinder. Pure and deterministic (runs inside
// workflow code).
//
// fixed    — seed 001's remedy: one create, then a durable sleep of `intervalSeconds`.
// adaptive — a congestion window on creates in flight, TCP-Vegas style: the controller learns
//            the fastest create (base) and, from each finished create's duration, how many of
//            its creates are queueing in Cinder instead of being served:
//                queued ≈ window × (1 − base / duration)
//            fewer than ALPHA queued → grow (doubling while in slow start, then +1 per window);
//            more than BETA → shrink by one; a create that ends in `error` halves the window.
//            Cinder's throughput stops growing once its workers are busy, so holding a small
//            queue gets the full rate without pushing it into failures.

export const ALPHA = 1;
export const BETA = 2;
export const INITIAL_WINDOW = 2;
export const MAX_WINDOW = 64;

export interface AdaptiveState {
  window: number;
  slowStart: boolean;
  baseDurationMs: number | null;
}

export const initialAdaptiveState = (): AdaptiveState => ({ window: INITIAL_WINDOW, slowStart: true, baseDurationMs: null });

export type Completion = { status: 'available'; durationMs: number } | { status: 'failed' };

export function onCompletion(state: AdaptiveState, done: Completion): AdaptiveState {
  if (done.status === 'failed') return { ...state, window: Math.max(1, Math.floor(state.window / 2)), slowStart: false };
  const base = Math.max(1, Math.min(state.baseDurationMs ?? done.durationMs, done.durationMs));
  const queued = state.window * (1 - base / Math.max(done.durationMs, base));
  let { window, slowStart } = state;
  if (queued > BETA) {
    window = Math.max(1, window - 1);
    slowStart = false;
  } else if (queued < ALPHA) {
    window = Math.min(MAX_WINDOW, window + (slowStart ? 1 : 1 / window));
  }
  return { window, slowStart, baseDurationMs: base };
}

/** May another create be sent now? */
export const canSend = (state: AdaptiveState, inFlight: number) => inFlight < Math.floor(state.window);

/** Seconds between looks at Cinder while the window is full: a fraction of the fastest create. */
export function pollSeconds(state: AdaptiveState): number {
  const base = state.baseDurationMs ?? 1000;
  return Math.min(5, Math.max(0.1, base / 4000));
}
