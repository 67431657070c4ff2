// What a drill run reports, for both forms (libvirt guest and storage daemon).
import type { RestoreResult } from './restore';
import type { LayerVerification } from './verify-layers';
import type { StepTimings } from './step-timer';

export interface DrillReport {
  ok: boolean;
  failures: string[];
  timings: StepTimings;
  progressBeforeSnapshot?: number;
  progressAfterSnapshot?: number;
  progressAfterCommit?: number;
  /** Records in the old layer read alone (the snapshot point). */
  oldLayerRecords?: number;
  verification?: LayerVerification;
  restore?: RestoreResult;
}

/** A drill that threw still reports: the error becomes its first failure. */
export function recordAbort(report: DrillReport, error: unknown): void {
  report.failures.push(`drill aborted: ${error instanceof Error ? error.message : String(error)}`);
}
