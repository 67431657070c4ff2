// Measures named drill steps so reports (and test output) show where the time goes.

export type StepTimings = Record<string, number>;

/** A step's result and its wall time where it ran (an activity's worker, this process). */
export interface Timed<T> {
  value: T;
  ms: number;
}

/** Runs `action` and returns its result with its wall time in ms. */
export async function timed<T>(action: () => Promise<T>): Promise<Timed<T>> {
  const started = performance.now();
  const value = await action();
  return { value, ms: roundMs(performance.now() - started) };
}

export class StepTimer {
  readonly timings: StepTimings = {};

  /** Runs `action`, records its wall time in ms under `step` (also when it throws). */
  async step<T>(step: string, action: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await action();
    } finally {
      this.timings[step] = roundMs(performance.now() - started);
    }
  }

  /** Records an interval measured elsewhere. */
  record(step: string, ms: number): void {
    this.timings[step] = roundMs(ms);
  }
}

function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function formatTimings(timings: StepTimings): string {
  return Object.entries(timings)
    .map(([step, ms]) => `${step}=${ms >= 1000 ? `${(ms / 1000).toFixed(2)}s` : `${ms}ms`}`)
    .join(' ');
}
