// Polling for tests: wait until a probe sees what the test expects, within a deadline.

export interface WaitForDefaults {
  /** How long a wait may take when the caller does not say. */
  timeoutMs: number;
  /** The pause between two probes. */
  intervalMs: number;
}

export type WaitFor = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs?: number) => Promise<T>;

/**
 * A `waitFor(what, probe, timeoutMs?)` with these defaults: it calls `probe` until it returns
 * a truthy value, which it returns, and throws "timed out waiting for <what>" after the deadline.
 */
export function waitForWith(defaults: WaitForDefaults): WaitFor {
  return async <T>(
    what: string,
    probe: () => Promise<T | undefined | false>,
    timeoutMs = defaults.timeoutMs,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, defaults.intervalMs));
    }
  };
}
