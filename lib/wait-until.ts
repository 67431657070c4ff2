// Bounded polling, the one helper for it: every wait (a server starting, a guest writing, a
// block job ending) has a deadline, so a stuck process becomes an error the caller can clean
// up after instead of a hung start, test or activity. A probe that throws ends the wait.

export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number, lastState?: string) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${lastState ? ` (last: ${lastState})` : ''}`);
    this.name = 'WaitTimeoutError';
  }
}

export interface WaitOptions {
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Called after each unsuccessful probe, e.g. to heartbeat a Temporal activity. */
  onPoll?: (lastState: string | undefined) => void;
}

export interface Probe<T> {
  done: boolean;
  value?: T;
  /** Human-readable state for the timeout message and heartbeats. */
  state?: string;
}

/** Probes until it reports done, or throws WaitTimeoutError at the deadline. */
export async function waitUntil<T>(probe: () => Promise<Probe<T>> | Probe<T>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 50;
  let lastState: string | undefined;
  for (;;) {
    const result = await probe();
    if (result.done) return result.value as T;
    lastState = result.state;
    options.onPoll?.(lastState);
    if (Date.now() >= deadline) throw new WaitTimeoutError(options.what, options.timeoutMs, lastState);
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects when `promise` has not settled within `timeoutMs`. */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(what, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
