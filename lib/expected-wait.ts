// Waiting for a cloud operation whose duration is much the same each time (an empty volume
// becoming available, a server booting): poll rarely while it cannot be done yet and finely
// around the moment it usually is. A fixed interval has to choose between many reads (fine)
// and up to a whole interval of lateness (coarse); learning the usual duration gives both a
// few reads and a few milliseconds of lateness. The learning corrects itself: an operation
// that got faster is seen done at the first probe, which pulls the expectation down.
import { sleep } from './wait-until';

/** The usual duration of each kind of operation, as an exponentially weighted mean of what was seen. */
export class DurationEstimator {
  private readonly means = new Map<string, number>();

  constructor(private readonly weight = 0.3) {}

  expectedMs(kind: string): number | undefined {
    return this.means.get(kind);
  }

  record(kind: string, ms: number): void {
    const mean = this.means.get(kind);
    this.means.set(kind, mean === undefined ? ms : mean + this.weight * (ms - mean));
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
  /** Without an expectation, and once past it by half again: the interval between probes. */
  coarseMs?: number;
  /** Around the expected end: the interval between probes. */
  fineMs?: number;
}

/**
 * Probes until `done` or until `withinMs` after `startedAt`, returning the last value seen. The
 * first probe is at 90 % of the expected duration (none when it is not known yet), then every
 * `fineMs` up to 150 % of it, then every `coarseMs`. A wait that ends done is recorded.
 */
export async function waitExpected<T>(w: ExpectedWait<T>): Promise<T> {
  const coarse = w.coarseMs ?? 200;
  const fine = w.fineMs ?? 20;
  const expected = w.learn?.estimator.expectedMs(w.learn.kind);
  const deadline = w.startedAt + w.withinMs;
  if (expected !== undefined) await sleep(Math.max(0, Math.min(w.startedAt + 0.9 * expected, deadline) - Date.now()));
  for (;;) {
    const value = await w.probe();
    const elapsed = Date.now() - w.startedAt;
    if (w.done(value)) {
      w.learn?.estimator.record(w.learn.kind, elapsed);
      return value;
    }
    const interval = expected !== undefined && elapsed < 1.5 * expected ? fine : coarse;
    if (Date.now() + interval > deadline) return value;
    w.onPoll?.();
    await sleep(interval);
  }
}
