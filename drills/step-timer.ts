// Measures named drill steps so reports (and test output) show where the time goes.

export type StepTimings = Record<string, number>;

export class StepTimer {
  readonly timings: StepTimings = {};

  /** Runs `action`, records its wall time in ms under `step` (also when it throws). */
  async step<T>(step: string, action: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await action();
    } finally {
      this.timings[step] = Math.round((performance.now() - started) * 10) / 10;
    }
  }

  /** Records an interval measured elsewhere. */
  record(step: string, ms: number): void {
    this.timings[step] = Math.round(ms * 10) / 10;
  }
}

export function formatTimings(timings: StepTimings): string {
  return Object.entries(timings)
    .map(([step, ms]) => `${step}=${ms >= 1000 ? `${(ms / 1000).toFixed(2)}s` : `${ms}ms`}`)
    .join(' ');
}
