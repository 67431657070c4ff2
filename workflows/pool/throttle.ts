// How fast a replenish round sends creates to Cinder. Pure and deterministic (it runs inside
// workflow code, fed by Cinder's own answers).
//
// fixed    — seed 001's remedy: one create, then a durable sleep of `intervalSeconds`
//            (0 = no throttle at all).
// adaptive — a window of creates in flight, sized from what Cinder actually serves:
//            * service: Little's law — the creates Cinder finished within the last `base`
//              (its fastest create) is how many it works on at once. Sending more than that
//              only queues; sending fewer leaves it idle. window = served + QUEUE_MARGIN keeps
//              it busy with a short queue, and grows by that margin per `base` while Cinder
//              keeps up (the probe), so no fixed guess of its size is needed.
//            * errors: an AIMD ceiling on the window — halved by a create that ends in
//              `error`, +1 per create that succeeds.

export const INITIAL_WINDOW = 2;
export const QUEUE_MARGIN = 2;
export const MAX_WINDOW = 64;

export interface AdaptiveState {
  window: number;
  /** AIMD bound from errors. */
  ceiling: number;
  /** Fastest create seen (ms); the unit of "at once". */
  baseDurationMs: number | null;
  /** Finish times (Cinder's clock, ms) of recent successful creates, newest last. */
  recentFinishes: number[];
}

export const initialAdaptiveState = (): AdaptiveState => ({
  window: INITIAL_WINDOW,
  ceiling: MAX_WINDOW,
  baseDurationMs: null,
  recentFinishes: [],
});

export type Completion = { status: 'available'; durationMs: number; finishedAtMs: number } | { status: 'failed' };

export function onCompletion(state: AdaptiveState, done: Completion): AdaptiveState {
  if (done.status === 'failed') {
    const ceiling = Math.max(1, Math.floor(state.window / 2));
    return { ...state, ceiling, window: Math.min(state.window, ceiling) };
  }
  const base = Math.max(1, Math.min(state.baseDurationMs ?? done.durationMs, done.durationMs));
  const latest = Math.max(done.finishedAtMs, state.recentFinishes.at(-1) ?? 0);
  const recentFinishes = [...state.recentFinishes, done.finishedAtMs]
    .filter((t) => t > latest - base)
    .sort((a, b) => a - b);
  const ceiling = Math.min(MAX_WINDOW, state.ceiling + 1);
  const window = Math.max(1, Math.min(ceiling, Math.max(INITIAL_WINDOW, recentFinishes.length + QUEUE_MARGIN)));
  return { window, ceiling, baseDurationMs: base, recentFinishes };
}

/** May another create be sent now? */
export const canSend = (state: AdaptiveState, inFlight: number) => inFlight < state.window;

/**
 * Seconds between looks at Cinder while the window is full: a fraction of the fastest create,
 * but not below Temporal's timer resolution (about a second).
 */
export function pollSeconds(state: AdaptiveState): number {
  const base = state.baseDurationMs ?? 4000;
  return Math.min(10, Math.max(1, base / 4000));
}

// Per-create deadline (adaptive rounds): a create still `creating` this long after it was sent
// counts as failed and is left to reconcile, so one stuck create cannot hold the round forever.
/** Derived deadline's floor: generous, since creates from big snapshots on full-copy backends
 *  take minutes, and a create given up too early only looks failed (reconcile still keeps it). */
export const DEADLINE_FLOOR_MS = 5 * 60_000;
/** Derived deadline per slowest create seen: room for Cinder's queue to grow meanwhile. */
export const DEADLINE_SLOWEST_FACTOR = 4;

/**
 * The deadline in ms: `configuredSeconds` when the operator set one (pool setting
 * createDeadlineSeconds); otherwise derived as max(DEADLINE_FLOOR_MS, 4 × the slowest create
 * the round has seen succeed), so it follows a cloud that is slower than the floor.
 */
export function createDeadlineMs(configuredSeconds: number | null, slowestOkMs: number | null): number {
  if (configuredSeconds !== null) return configuredSeconds * 1000;
  return Math.max(DEADLINE_FLOOR_MS, DEADLINE_SLOWEST_FACTOR * (slowestOkMs ?? 0));
}
