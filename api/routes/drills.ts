// Live snapshot / blockcommit drills (seed 003): start one (a snapshotDrill or blockcommitDrill
// workflow), poll it (its drill_runs row, and while it runs the workflow's live progress), list
// past runs, cancel one (the workflow restores before it ends). Bad parameters → 400 before any
// workflow starts; what only the worker's host can check (a domain name already taken) makes the
// run end as `rejected`, also before anything is touched.
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { json, security } from '../openapi';
import { WorkflowNotFoundError } from '@temporalio/client';
import { recordDrillRun } from '../../activities/drill/runs';
import { drillParamProblems, type DrillParams } from '../../drills/drill-params';
import type { DrillProgress } from '../../workflows/drill-run-state';
import type { ApiDeps } from '../deps';

const nonNegativeInt = z.number().int();
const DrillRequest = z
  .object({
    scenario: z.enum(['snapshot', 'commit']).openapi({ description: "'snapshot' (seed case 1) or 'commit' (case 2: snapshot, then a blockcommit)" }),
    form: z.enum(['libvirt', 'storage-daemon']).default('libvirt').openapi({ description: 'a guest under libvirt, or the fast qemu-storage-daemon form' }),
    records: z.number().int().openapi({ description: 'N, records the writer writes (1 … 4194304)' }),
    snapshotAtRecords: z.number().int().openapi({ description: 'snapshot once the writer acknowledged this many records (1 … N-1)' }),
    commitMode: z.enum(['active-pivot', 'top-base']).optional().openapi({ description: "commit scenario: 'active-pivot' (into base) or 'top-base' (overlay2 into overlay1)" }),
    domainName: z.string().optional().openapi({ description: 'libvirt: name for the throwaway domain (must not exist)' }),
    guest: z.object({ kernel: z.string(), initrd: z.string() }).strict().optional().openapi({ description: 'libvirt: guest images (default: the cached drill guest)' }),
    pauseUs: nonNegativeInt.optional(),
    chunkPauseMs: nonNegativeInt.optional(),
    bootTimeoutMs: nonNegativeInt.optional(),
    writerTimeoutMs: nonNegativeInt.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    for (const problem of drillParamProblems(paramsOf(body), body.scenario)) ctx.addIssue({ code: 'custom', path: problem.field.split('.'), message: problem.message });
  });
type DrillRequestBody = z.infer<typeof DrillRequest>;

const Problem = z.object({ error: z.string(), field: z.string().optional(), message: z.string() });
const LiveProgress = z.object({ step: z.string(), timings: z.record(z.string(), z.number()), progress: z.record(z.string(), z.number()), failures: z.array(z.string()) });
const DrillRunView = z.object({
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
});
const Started = z.object({ id: z.string(), workflow: z.string(), status: z.string(), poll: z.string() });
const RunId = z.object({ id: z.string().min(1).max(200) });
const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  form: z.enum(['libvirt', 'storage-daemon']).optional(),
  scenario: z.enum(['snapshot', 'commit']).optional(),
  status: z.enum(['running', 'completed', 'errored', 'cancelled', 'rejected']).optional(),
});

const routes = {
  start: createRoute({
    method: 'post', path: '/v1/drills', summary: 'Start a live snapshot / blockcommit drill', security,
    request: { body: { required: true, ...json(DrillRequest) } },
    responses: { 202: { description: 'started', ...json(Started) }, 400: { description: 'bad parameters, nothing started', ...json(Problem) } },
  }),
  list: createRoute({
    method: 'get', path: '/v1/drills', summary: 'Past and running drill runs, newest first', request: { query: ListQuery },
    responses: { 200: { description: 'runs', ...json(z.object({ runs: z.array(DrillRunView) })) } },
  }),
  get: createRoute({
    method: 'get', path: '/v1/drills/{id}', summary: 'One drill run: parameters, step timings, k, N, verdict; live progress while it runs', request: { params: RunId },
    responses: { 200: { description: 'run', ...json(DrillRunView) }, 404: { description: 'no such run', ...json(Problem) } },
  }),
  cancel: createRoute({
    method: 'post', path: '/v1/drills/{id}/cancel', summary: 'Cancel a running drill; its restore runs before it ends', security, request: { params: RunId },
    responses: {
      202: { description: 'cancellation requested', ...json(z.object({ id: z.string(), message: z.string() })) },
      404: { description: 'no such run', ...json(Problem) },
      409: { description: 'the run already ended', ...json(Problem) },
    },
  }),
};

export function drillRoutes(deps: ApiDeps) {
  const { prisma, temporal, taskQueue } = deps;
  const notFound = (id: string) => ({ error: 'not_found', message: `no drill run ${id}` });

  return new OpenAPIHono()
    .openapi(routes.start, async (c) => {
      const body = c.req.valid('json');
      const params = paramsOf(body);
      // Checked here too so a wrong path is a 400, not a rejected run (the worker checks again).
      for (const key of ['kernel', 'initrd'] as const) {
        const path = params.guest?.[key];
        if (path && !(await stat(path).catch(() => undefined))?.isFile()) {
          return c.json({ error: 'invalid_request', field: `guest.${key}`, message: `guest.${key}: ${path} does not exist` }, 400);
        }
      }
      const workflow = body.scenario === 'snapshot' ? 'snapshotDrill' : 'blockcommitDrill';
      const id = `drill-${body.scenario}-${body.form === 'libvirt' ? 'lv' : 'sd'}-${randomUUID().slice(0, 8)}`;
      // The row first, so a poll right after this answer finds the run (the workflow upserts it again).
      await recordDrillRun(prisma, { id, scenario: body.scenario, params, status: 'running' });
      try {
        await temporal.workflow.start(workflow, { taskQueue, workflowId: id, args: [params] });
      } catch (error) {
        await recordDrillRun(prisma, { id, scenario: body.scenario, params, status: 'errored', failureReason: `not started: ${(error as Error).message}`, finished: true });
        throw error;
      }
      return c.json({ id, workflow, status: 'running', poll: `/v1/drills/${id}` }, 202);
    })
    .openapi(routes.list, async (c) => {
      const { limit, ...where } = c.req.valid('query');
      const runs = await prisma.drillRun.findMany({ where, orderBy: { startedAt: 'desc' }, take: limit });
      return c.json({ runs: runs.map(view) }, 200);
    })
    .openapi(routes.get, async (c) => {
      const { id } = c.req.valid('param');
      const row = await prisma.drillRun.findUnique({ where: { id } });
      if (!row) return c.json(notFound(id), 404);
      // The workflow's own state: a run whose worker died shows here before its row is final.
      const workflow = await describeWorkflow(deps, id);
      const live = workflow?.status === 'RUNNING' ? await temporal.workflow.getHandle(id).query<DrillProgress>('drillProgress').catch(() => undefined) : undefined;
      return c.json({ ...view(row), workflowStatus: workflow?.status, live }, 200);
    })
    .openapi(routes.cancel, async (c) => {
      const { id } = c.req.valid('param');
      const workflow = await describeWorkflow(deps, id);
      if (!workflow) return c.json(notFound(id), 404);
      if (workflow.status !== 'RUNNING') return c.json({ error: 'conflict', message: `drill run ${id} already ended (${workflow.status})` }, 409);
      await temporal.workflow.getHandle(id).cancel();
      return c.json({ id, message: 'cancellation requested: the drill stops its current step, restores the original chain, then ends as cancelled' }, 202);
    });
}

function paramsOf(body: DrillRequestBody): DrillParams {
  const { scenario: _scenario, ...params } = body;
  return params;
}

type DrillRunRow = NonNullable<Awaited<ReturnType<ApiDeps['prisma']['drillRun']['findUnique']>>>;

function view(row: DrillRunRow) {
  return {
    ...row,
    stepTimings: row.stepTimings as Record<string, number> | null,
    failures: row.failures as string[] | null,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

async function describeWorkflow(deps: ApiDeps, id: string): Promise<{ status: string } | undefined> {
  try {
    const description = await deps.temporal.workflow.getHandle(id).describe();
    if (description.type !== 'snapshotDrill' && description.type !== 'blockcommitDrill') return undefined;
    return { status: description.status.name };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}
