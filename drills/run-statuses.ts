// A drill run's status as a const array, for the API's enum and drill_runs' CHECK (migration
// status_vocabularies). The compiler holds it to drill-runs.ts's DrillRunStatus both ways.
import type { DrillRunStatus } from './drill-runs';

export const DRILL_RUN_STATUSES = [
  'running',
  'completed',
  'errored',
  'cancelled',
  'rejected',
] as const satisfies readonly DrillRunStatus[];

/** Fails to compile when DrillRunStatus has a word the array lacks. */
type Missing = Exclude<DrillRunStatus, (typeof DRILL_RUN_STATUSES)[number]>;
export const DRILL_RUN_STATUSES_COMPLETE: [Missing] extends [never] ? true : never = true;
