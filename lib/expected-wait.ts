// Waiting for a cloud operation whose duration is much the same each time (an empty volume
// becoming available, a server booting): poll rarely while it cannot be done yet and finely
// around the moment it usually is. A fixed interval has to choose between many reads (fine)
// and up to a whole interval of lateness (coarse); learning the usual duration and how much it
// varies gives both a few reads and a few milliseconds of lateness. The learning corrects
// itself: an operation that got faster is seen done at the first probe, which pulls the
// expectation down; one that got slower is bracketed later, which pushes it up.
import { sleep } from './wait-until';

/** What one wait saw: done at the probe at `doneAtMs`, not yet at the one before (if any). */
export interface Sighting {
  doneAtMs: number;
  notDoneAtMs?: number;
}

/**
 * The usual duration of each kind of operation and its spread, as exponentially weighted means.
 * A sighting records the middle of the bracket it saw (the operation ended between the last probe
 * that found it running and the first that found it done), not the probe that happened to see it:
 * recording probe times would learn the polling's own lateness and drift later with every wait.
 */
export class DurationEstimator {
  private readonly stats = new Map<string, { mean: number; deviation: number }>();

  constructor(private readonly weight = 0.3) {}

  expectedMs(kind: string): number | undefined {
    return this.stats.get(kind)?.mean;
  }

  /** The mean absolute difference between what was expected and what was seen. */
  deviationMs(kind: string): number | undefined {
    return this.stats.get(kind)?.deviation;
  }

  record(kind: string, seen: Sighting): void {
    const ms = seen.notDoneAtMs === undefined ? seen.doneAtMs : (seen.notDoneAtMs + seen.doneAtMs) / 2;
    const previous = this.stats.get(kind);
    if (!previous) {
      this.stats.set(kind, { mean: ms, deviation: ms / 20 });
      return;
    }
    const miss = Math.abs(ms - previous.mean);
    this.stats.set(kind, {
      mean: previous.mean + this.weight * (ms - previous.mean),
      deviation: previous.deviation + this.weight * (miss - previous.deviation),
    });
  }
}

export interface ExpectedWait<T> {
  /** What is waited for and who learns its duration (e.g. `volume:ssd`); none: a plain poll every `coarseMs`. */
  learn?: { kind: string; estimator: DurationEstimator };
  /** When the operation began (ms since the epoch): its duration counts from there. */
  startedAt: number;
  /** Give up (return the last value) this long after `startedAt`. */
  withinMs: number;
  probe: () => Promise<T>;
  done: (value: T) => boolean;
  /** Called between probes (an activity's heartbeat). */
  onPoll?: () => void;
  /** Without an expectation, and once well past it: the interval between probes. */
  coarseMs?: number;
}

/** Around the expected end: probes this far apart, within these bounds (half the usual spread). */
const FINE_MS = { min: 2, max: 50 };

/**
 * Probes until `done` or until `withinMs` after `startedAt`, returning the last value seen. With a
 * learned duration the first probe is two spreads before it, then every half spread (2–50 ms) up
 * to 150 % of it, then every `coarseMs`. A wait that ends done is recorded.
 */
export async function waitExpected<T>(w: ExpectedWait<T>): Promise<T> {
  const coarse = w.coarseMs ?? 200;
  const expected = w.learn?.estimator.expectedMs(w.learn.kind);
  const deviation = w.learn?.estimator.deviationMs(w.learn.kind) ?? 0;
  const fine = Math.min(FINE_MS.max, Math.max(FINE_MS.min, deviation / 2));
  const deadline = w.startedAt + w.withinMs;
  if (expected !== undefined) {
    const firstProbe = w.startedAt + expected - Math.max(2 * deviation, 2 * fine);
    await sleep(Math.max(0, Math.min(firstProbe, deadline) - Date.now()));
  }
  let notDoneAtMs: number | undefined;
  for (;;) {
    const probedAt = Date.now() - w.startedAt;
    const value = await w.probe();
    if (w.done(value)) {
      w.learn?.estimator.record(w.learn.kind, { doneAtMs: probedAt, notDoneAtMs });
      return value;
    }
    notDoneAtMs = probedAt;
    const interval = expected !== undefined && probedAt < 1.5 * expected ? fine : coarse;
    if (Date.now() + interval > deadline) return value;
    w.onPoll?.();
    await sleep(interval);
  }
}
