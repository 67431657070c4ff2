// What a drill workflow knows about its run as it goes: the step it is in, the time each step
// took where it ran, the writer's progress around the live operations, the failures so far.
// Readable while running through the `drillProgress` query (the API's poll).
import { defineQuery } from '@temporalio/workflow';
import type { WriterProgressAround } from '../../drills/drill-runs';
import type { Timed } from '../../drills/step-timer';
import type { DrillVerification, VerificationSummary } from '../../drills/verify-drill-run';

export interface DrillProgress {
  step: string;
  timings: Record<string, number>;
  progress: WriterProgressAround;
  failures: string[];
}

export const drillProgressQuery = defineQuery<DrillProgress>('drillProgress');

export class DrillRunState {
  step = 'starting';
  readonly timings: Record<string, number> = {};
  progress: WriterProgressAround = {};
  readonly failures: string[] = [];
  k?: number;
  verification?: VerificationSummary;
  /** True once the closing verification ran (a verdict on the data, not just an abort). */
  verified = false;

  /** Runs one step activity and records the time it took where it ran. */
  async run<T>(step: string, call: () => Promise<Timed<T>>): Promise<T> {
    this.step = step;
    const { value, ms } = await call();
    this.timings[step] = ms;
    return value;
  }

  recordVerification(result: DrillVerification): void {
    this.failures.push(...result.failures);
    this.k = result.oldLayerRecords;
    this.verification = result.summary;
    this.verified = result.summary !== undefined;
  }

  view(): DrillProgress {
    return { step: this.step, timings: this.timings, progress: this.progress, failures: this.failures };
  }
}
