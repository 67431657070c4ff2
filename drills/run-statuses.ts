// A drill run's status, spelled once: the type (drill-runs.ts), the API's enum and drill_runs' CHECK
// (migration status_vocabularies) all come from this array.

export const DRILL_RUN_STATUSES = ['running', 'completed', 'errored', 'cancelled', 'rejected'] as const;
export type DrillRunStatus = (typeof DRILL_RUN_STATUSES)[number];
