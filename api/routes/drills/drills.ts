// Live snapshot / blockcommit drills (seed 003): start one (a snapshotDrill or blockcommitDrill
// workflow), poll it (its drill_runs row, and while it runs the workflow's live progress), list
// past runs, cancel one (the workflow restores before it ends). Bad parameters → 400 before any
// workflow starts; what only the worker's host can check (a domain name already taken) makes the
// run end as `rejected`, also before anything is touched.
import { drillProgressQuery } from '../../../workflows/drills/run-state';
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { createRoute } from '@hono/zod-openapi';
import { recordDrillRun } from '../../../drills/drill-runs';
import type { DrillProgress } from '../../../workflows/drills/run-state';
import type { ApiDeps } from '../../deps';
import { blockcommitDrill, snapshotDrill } from '../../../workflows';
import { jsonBody, operatorRead, response, security } from '../../openapi';
import { conflict, invalidRequest, notFound, problemResponse } from '../../problem';
import { createRouter } from '../../router';
import { describeWorkflowOf } from '../../temporal';
import {
  CancelRequested,
  DrillRequest,
  DrillRuns,
  DrillRunView,
  DrillStarted,
  ListQuery,
  paramsOf,
  RunId,
} from './schemas';

const DRILL_WORKFLOWS = ['snapshotDrill', 'blockcommitDrill'] as const;

const routes = {
  start: createRoute({
    method: 'post',
    path: '/',
    summary: 'Start a live snapshot / blockcommit drill',
    security,
    request: jsonBody(DrillRequest),
    responses: {
      202: response('started', DrillStarted),
      400: problemResponse('bad parameters, nothing started'),
    },
  }),
  list: createRoute({
    method: 'get',
    path: '/',
    summary: 'Past and running drill runs, newest first',
    security: operatorRead,
    request: { query: ListQuery },
    responses: { 200: response('runs', DrillRuns) },
  }),
  get: createRoute({
    method: 'get',
    path: '/{id}',
    summary: 'One drill run: parameters, step timings, k, N, verdict; live progress while it runs',
    security: operatorRead,
    request: { params: RunId },
    responses: {
      200: response('run', DrillRunView),
      404: problemResponse('no such run'),
    },
  }),
  cancel: createRoute({
    method: 'post',
    path: '/{id}/cancel',
    summary: 'Cancel a running drill; its restore runs before it ends',
    security,
    request: { params: RunId },
    responses: {
      202: response('cancellation requested', CancelRequested),
      404: problemResponse('no such run'),
      409: problemResponse('the run already ended'),
    },
  }),
};

const CANCEL_MESSAGE =
  'cancellation requested: the drill stops its current step, restores the original chain, then ends as cancelled';

export function drillRoutes(deps: ApiDeps) {
  const { prisma, temporal, taskQueue } = deps;
  const noSuchRun = (id: string) => notFound(`no drill run ${id}`);
  const drillStatus = async (id: string) => (await describeWorkflowOf(temporal, id, DRILL_WORKFLOWS))?.status.name;

  return createRouter()
    .openapi(routes.start, async (c) => {
      const body = c.req.valid('json');
      const params = paramsOf(body);
      // Checked here too so a wrong path is a 400, not a rejected run (the worker checks again).
      for (const key of ['kernel', 'initrd'] as const) {
        const path = params.guest?.[key];
        if (path && !(await stat(path).catch(() => undefined))?.isFile()) {
          return c.json(invalidRequest(`guest.${key}`, `${path} does not exist`), 400);
        }
      }
      const workflow = body.scenario === 'snapshot' ? snapshotDrill : blockcommitDrill;
      const id = `drill-${body.scenario}-${body.form === 'libvirt' ? 'lv' : 'sd'}-${randomUUID().slice(0, 8)}`;
      const run = { id, scenario: body.scenario, params };
      // The row first, so a poll right after this answer finds the run (the workflow upserts it again).
      await recordDrillRun(prisma, { ...run, status: 'running' });
      try {
        await temporal.workflow.start(workflow, { taskQueue, workflowId: id, args: [params] });
      } catch (error) {
        const failureReason = `not started: ${(error as Error).message}`;
        await recordDrillRun(prisma, { ...run, status: 'errored', failureReason, finished: true });
        throw error;
      }
      return c.json({ id, workflow: workflow.name, status: 'running', poll: `/v1/drills/${id}` }, 202);
    })
    .openapi(routes.list, async (c) => {
      const { limit, ...where } = c.req.valid('query');
      const runs = await prisma.drillRun.findMany({ where, orderBy: { startedAt: 'desc' }, take: limit });
      return c.json({ runs: runs.map(view) }, 200);
    })
    .openapi(routes.get, async (c) => {
      const { id } = c.req.valid('param');
      const row = await prisma.drillRun.findUnique({ where: { id } });
      if (!row) return c.json(noSuchRun(id), 404);
      // The workflow's own state: a run whose worker died shows here before its row is final.
      const workflowStatus = await drillStatus(id);
      const live =
        workflowStatus === 'RUNNING'
          ? await temporal.workflow
              .getHandle(id)
              .query(drillProgressQuery)
              .catch(() => undefined)
          : undefined;
      return c.json({ ...view(row), workflowStatus, live }, 200);
    })
    .openapi(routes.cancel, async (c) => {
      const { id } = c.req.valid('param');
      const status = await drillStatus(id);
      if (!status) return c.json(noSuchRun(id), 404);
      if (status !== 'RUNNING') return c.json(conflict(`drill run ${id} already ended (${status})`), 409);
      await temporal.workflow.getHandle(id).cancel();
      return c.json({ id, message: CANCEL_MESSAGE }, 202);
    });
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
