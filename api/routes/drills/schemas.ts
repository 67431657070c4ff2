// Request and response bodies of the drill routes (routes/drills.ts). The request is checked with
// the same rules the worker applies (drillParamProblems), so bad parameters are a 400 here.
import { z } from '@hono/zod-openapi';
import { drillParamProblems, type DrillParams } from '../../../drills/drill-params';
import { DRILL_RUN_STATUSES } from '../../../drills/run-statuses';

const Form = z.enum(['libvirt', 'storage-daemon']);
const Scenario = z.enum(['snapshot', 'commit']);
const RunStatus = z.enum(DRILL_RUN_STATUSES);
const nonNegativeInt = z.number().int();

export const DrillRequest = z
  .object({
    scenario: Scenario.openapi({
      description: "'snapshot' (seed case 1) or 'commit' (case 2: snapshot, then a blockcommit)",
    }),
    form: Form.default('libvirt').openapi({
      description: 'a guest under libvirt, or the fast qemu-storage-daemon form',
    }),
    records: z.number().int().openapi({ description: 'N, records the writer writes (1 … 4194304)' }),
    snapshotAtRecords: z.number().int().openapi({
      description: 'snapshot once the writer acknowledged this many records (1 … N-1)',
    }),
    commitMode: z.enum(['active-pivot', 'top-base']).optional().openapi({
      description: "commit scenario: 'active-pivot' (into base) or 'top-base' (overlay2 into overlay1)",
    }),
    domainName: z.string().optional().openapi({
      description: 'libvirt: name for the throwaway domain (must not exist)',
    }),
    guest: z.object({ kernel: z.string(), initrd: z.string() }).strict().optional().openapi({
      description: 'libvirt: guest images (default: the cached drill guest)',
    }),
    pauseUs: nonNegativeInt.optional(),
    chunkPauseMs: nonNegativeInt.optional(),
    bootTimeoutMs: nonNegativeInt.optional(),
    writerTimeoutMs: nonNegativeInt.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    for (const problem of drillParamProblems(paramsOf(body), body.scenario)) {
      ctx.addIssue({ code: 'custom', path: problem.field.split('.'), message: problem.message });
    }
  })
  .openapi('DrillRequest');
export type DrillRequest = z.infer<typeof DrillRequest>;

/** The workflow's parameters: the request without the scenario (which picks the workflow). */
export function paramsOf(body: DrillRequest): DrillParams {
  const { scenario: _scenario, ...params } = body;
  return params;
}

const LiveProgress = z.object({
  step: z.string(),
  timings: z.record(z.string(), z.number()),
  progress: z.record(z.string(), z.number()),
  failures: z.array(z.string()),
});

export const DrillRunView = z
  .object({
    id: z.string(),
    form: z.string(),
    scenario: z.string(),
    commitMode: z.string().nullable(),
    parameters: z.unknown(),
    status: z.string().openapi({ description: 'running | completed | errored | cancelled | rejected' }),
    verdict: z.string().nullable().openapi({ description: 'pass | fail, once the drill reached one' }),
    k: z.number().nullable(),
    n: z.number(),
    stepTimings: z.record(z.string(), z.number()).nullable(),
    progress: z.unknown(),
    verification: z.unknown(),
    failures: z.array(z.string()).nullable(),
    failureReason: z.string().nullable(),
    restore: z.unknown(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    workflowStatus: z.string().optional(),
    live: LiveProgress.optional(),
  })
  .openapi('DrillRun');
export const DrillRuns = z.object({ runs: z.array(DrillRunView) }).openapi('DrillRunList');

export const DrillStarted = z
  .object({ id: z.string(), workflow: z.string(), status: z.string(), poll: z.string() })
  .openapi('DrillStarted');
export const CancelRequested = z.object({ id: z.string(), message: z.string() }).openapi('DrillCancelRequested');
export const RunId = z.object({ id: z.string().min(1).max(200) });
export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  form: Form.optional(),
  scenario: Scenario.optional(),
  status: RunStatus.optional(),
});
