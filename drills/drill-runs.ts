// A row per drill run (drill_runs): what was asked, how each step went, and the verdict, for
// the API's poll and history. Written by the workflow at start and at the end (idempotent upserts).
import type { PrismaClient } from '../prisma/client';
import type { DrillParams, DrillScenario } from './drill-params';
import type { CommitMode } from './live-blockcommit';
import type { DrillRunStatus } from './run-statuses';

export type { DrillRunStatus } from './run-statuses';
export type DrillVerdict = 'pass' | 'fail';

export interface WriterProgressAround {
  beforeSnapshot?: number;
  afterSnapshot?: number;
  afterCommit?: number;
}

export interface DrillRunRecord {
  id: string;
  scenario: DrillScenario;
  params: DrillParams;
  status: DrillRunStatus;
  verdict?: DrillVerdict;
  k?: number;
  timings?: Record<string, number>;
  progress?: WriterProgressAround;
  verification?: unknown;
  failures?: string[];
  failureReason?: string;
  restore?: unknown;
  finished?: boolean;
}

export async function recordDrillRun(prisma: PrismaClient, run: DrillRunRecord): Promise<void> {
  const json = (value: unknown) => (value === undefined ? undefined : (value as object));
  const outcome = {
    status: run.status,
    verdict: run.verdict ?? null,
    k: run.k ?? null,
    stepTimings: json(run.timings),
    progress: json(run.progress),
    verification: json(run.verification),
    failures: json(run.failures),
    failureReason: run.failureReason ?? null,
    restore: json(run.restore),
    finishedAt: run.finished ? new Date() : null,
  };
  const identity = {
    id: run.id,
    // Also rejected runs are recorded, whatever junk they were started with.
    form: String(run.params.form),
    scenario: run.scenario,
    commitMode: (run.params.commitMode ?? null) as CommitMode | null,
    parameters: run.params as unknown as object,
    n: Number.isInteger(run.params.records) && Math.abs(run.params.records) < 2 ** 31 ? run.params.records : 0,
  };
  await prisma.drillRun.upsert({ where: { id: run.id }, create: { ...identity, ...outcome }, update: outcome });
}
