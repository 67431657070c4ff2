import { mulberry32 } from '../lib/prng';

/**
 * Overload model: a storage backend that degrades under concurrent load.
 *
 * When a volume create is admitted while `n` other creates are still in flight
 * (status `creating`), it will end in `error` with probability
 *
 *     p(error) = clamp((n - capacity) * errorSlope, 0, 1)
 *
 * so up to `capacity` concurrent creates are safe, and each one beyond that adds
 * `errorSlope` to the failure probability. Optionally the create also takes
 * `latencyPerInflightMs * n` longer, and with `serviceSlots` the backend has that many
 * workers (e.g. parallel rbd flattens): a create waits, first come first served, for a
 * free worker before its own delay starts, so throughput stops growing at `serviceSlots`
 * and extra load only lengthens the queue. The draw comes from a seeded PRNG
 * (mulberry32), so the same sequence of admissions gives the same outcomes run
 * after run. With no options the model is off: nothing fails, nothing slows.
 */
export interface OverloadOptions {
  capacity: number;
  errorSlope: number;
  latencyPerInflightMs?: number;
  serviceSlots?: number;
  seed?: number;
}

export interface Admission {
  fails: boolean;
  extraLatencyMs: number;
}

export class OverloadModel {
  private readonly random: () => number;
  /** When each backend worker is next free (epoch ms); empty without serviceSlots. */
  private readonly workerFreeAt: number[];

  constructor(private readonly options?: OverloadOptions) {
    this.random = mulberry32(options?.seed ?? 1);
    this.workerFreeAt = new Array(options?.serviceSlots ?? 0).fill(0);
  }

  errorProbability(inFlight: number): number {
    if (!this.options) return 0;
    const p = (inFlight - this.options.capacity) * this.options.errorSlope;
    return Math.min(1, Math.max(0, p));
  }

  /** `serviceMs`: the create's own duration, which holds a worker when serviceSlots is set. */
  admit(inFlight: number, serviceMs = 0, now = Date.now()): Admission {
    if (!this.options) return { fails: false, extraLatencyMs: 0 };
    // Always draw, even when p is 0 or 1, so outcomes depend only on the admission order.
    const fails = this.random() < this.errorProbability(inFlight);
    return {
      fails,
      extraLatencyMs: this.queueWait(serviceMs, now) + (this.options.latencyPerInflightMs ?? 0) * inFlight,
    };
  }

  /** Books the worker that frees first; returns how long the create waits for it. */
  private queueWait(serviceMs: number, now: number): number {
    if (this.workerFreeAt.length === 0) return 0;
    const worker = this.workerFreeAt.indexOf(Math.min(...this.workerFreeAt));
    const start = Math.max(now, this.workerFreeAt[worker]!);
    this.workerFreeAt[worker] = start + serviceMs;
    return start - now;
  }
}
