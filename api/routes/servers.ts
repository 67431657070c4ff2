// The tenant's servers: create one from the spare pool (createServer), look at it, list them,
// delete one (deleteServer). Callers authenticate with their own Keystone token and see only
// their project's builds (another project's build → 404). Work done later on the caller's behalf
// runs through a Keystone trust created here, with the caller's token, from the caller to
// blockflow's service user, for the member role only and for a bounded time (servers/builds:
// TRUST_LIFETIME_MS); the token itself goes nowhere else. A reader may read, a member create and
// delete (tenant-auth). A build whose workflow could not be started is started by the retry with
// its Idempotency-Key, or failed by the reaper (servers/trust-reaper).
import { buildProgressQuery } from '../../workflows/server-build-state';
import { createHash, randomUUID } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { deleteTrustIfPresent } from '../../openstack/trusts';
import { findBuild, insertBuild, listBuilds, MAX_PAGE, updateBuild, type BuildRow } from '../../servers/builds';
import { createServer, deleteServer } from '../../workflows';
import type { CreateServerInput } from '../../workflows/create-server';
import type { ApiDeps } from '../deps';
import { jsonBody, response } from '../openapi';
import { invalidRequest, notFound, problemResponse } from '../problem';
import { createRouter } from '../router';
import { isProblem } from '../server-request';
import { refusedAs403, resolveWithTrust, trustFor, warmUpTrust } from '../server-trust';
import {
  BuildId,
  ListQuery,
  ServerAccepted,
  ServerBuildList,
  ServerBuildView,
  ServerRequest,
} from '../schemas/servers';
import { cannotDelegate, requireKeystoneToken, type TenantEnv } from '../tenant-auth';
import { ValidatedTokens } from '../token-cache';
import { FlavorCatalog } from '../flavor-catalog';
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { createLogger } from '../../observability/logger';

const log = createLogger('api');

const keystone = [{ keystone: [] }];
const IdempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .openapi({ description: 'a retried request with the same key maps to the same build' }),
});

const routes = {
  create: createRoute({
    method: 'post',
    path: '/v1/servers',
    summary: 'Create a server, its system disk from the spare pool',
    security: keystone,
    request: { headers: IdempotencyHeader, ...jsonBody(ServerRequest) },
    responses: {
      202: {
        ...response('build started (or the build this Idempotency-Key started)', ServerAccepted),
        headers: { Location: { schema: { type: 'string' } } },
      },
      400: problemResponse('bad request, nothing started'),
      401: problemResponse('no valid Keystone token'),
      403: problemResponse(
        'the token lacks the member role, or cannot delegate (trust-scoped, application credential)',
      ),
      503: problemResponse('the build could not be started now: retry with the same Idempotency-Key'),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/v1/servers/{id}',
    summary: 'One build: status, path, step, timings, server, volumes, address',
    security: keystone,
    request: { params: BuildId },
    responses: {
      200: response('build', ServerBuildView),
      401: problemResponse('no valid token'),
      403: problemResponse('the token lacks the reader role'),
      404: problemResponse('no such build in your project'),
    },
  }),
  list: createRoute({
    method: 'get',
    path: '/v1/servers',
    summary: "The caller's project's builds, newest first, paged as Nova pages (limit, marker, servers_links)",
    description: 'A deleted build is listed for DELETED_RETENTION_MS (7 days) after its delete ended, then removed.',
    security: keystone,
    request: { query: ListQuery },
    responses: {
      200: response('builds', ServerBuildList),
      400: problemResponse('bad limit, or a marker that is no build of your project'),
      401: problemResponse('no valid token'),
      403: problemResponse('the token lacks the reader role'),
    },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/v1/servers/{id}',
    summary: 'Delete the server with its volumes and address (deleteServer)',
    security: keystone,
    request: { params: BuildId },
    responses: {
      202: response('delete started (or already running)', ServerAccepted),
      401: problemResponse('no valid token'),
      403: problemResponse(
        'the token lacks the member role, or cannot delegate (trust-scoped, application credential)',
      ),
      404: problemResponse('no such build in your project'),
    },
  }),
};

export function serverRoutes(deps: ApiDeps) {
  const { prisma, temporal, taskQueue, cloud } = deps;
  const router = createRouter<TenantEnv>();
  const tokens = new ValidatedTokens();
  const flavors = new FlavorCatalog(() => cloud.admin.nova.listFlavors());
  router.use('/v1/servers', requireKeystoneToken(cloud, tokens));
  router.use('/v1/servers/*', requireKeystoneToken(cloud, tokens));
  const accepted = (id: string, status: BuildRow['status']) => ({
    id,
    status: status as z.infer<typeof ServerAccepted>['status'],
    links: { self: `/v1/servers/${id}` },
  });

  return router
    .openapi(routes.create, async (c) => {
      const tenant = c.get('tenant');
      const answerAccepted = (body: z.infer<typeof ServerAccepted>) => {
        c.header('Location', body.links.self);
        return c.json(body, 202);
      };
      const key = c.req.valid('header')['idempotency-key'];
      const buildId = key ? `server-${digest(tenant.projectId, key)}` : `server-${randomUUID()}`;
      const earlier = key ? await findBuild(prisma, tenant.projectId, buildId) : null;
      const unstarted = earlier && (await neverStarted(deps, earlier));
      if (unstarted === 'unknown') return unavailable(c);
      if (earlier && !unstarted) return answerAccepted(accepted(earlier.id, earlier.status));
      const refused = cannotDelegate(tenant);
      if (refused) return c.json(refused, 403);
      const checked = await resolveWithTrust({ ...deps, flavors }, tenant, c.req.valid('json')).catch(refusedAs403);
      if (isProblem(checked)) return c.json(checked, checked.error === 'forbidden' ? 403 : 400);
      const { request, trustId } = checked;
      if (deps.colocatedWorker) warmUpTrust(deps, trustId);
      if (!earlier) {
        try {
          await insertBuild(prisma, {
            ...request,
            buildId,
            projectId: tenant.projectId,
            userId: tenant.userId,
            trustId,
            idempotencyKey: key,
          });
        } catch (err) {
          await deleteTrustIfPresent(cloud, trustId);
          // The same key raced this request: its build is the answer.
          const winner = key ? await findBuild(prisma, tenant.projectId, buildId) : null;
          if (winner) return answerAccepted(accepted(winner.id, winner.status));
          throw err;
        }
      }
      const started = await startBuild(deps, buildId, { ...request, projectId: tenant.projectId, trustId });
      if (started === 'raced') await deleteTrustIfPresent(cloud, trustId);
      // The start may have reached Temporal before failing: the build's trust stays for it (the reaper
      // deletes it if no workflow shows up), and the retry with the key finds the build or starts it.
      if (started === 'failed') return unavailable(c);
      if (started === 'started' && earlier) {
        // This request's trust replaces the one of the start that failed (no run uses it).
        await updateBuild(prisma, { buildId, trustId });
        if (earlier.trustId) await deleteTrustIfPresent(cloud, earlier.trustId);
      }
      return answerAccepted(accepted(buildId, 'building'));
    })
    .openapi(routes.get, async (c) => {
      const build = await findBuild(prisma, c.get('tenant').projectId, c.req.valid('param').id);
      if (!build) return c.json(notFound('no such server build in your project'), 404);
      return c.json(await liveView(deps, build), 200);
    })
    .openapi(routes.list, async (c) => {
      const { projectId } = c.get('tenant');
      const { limit = MAX_PAGE, marker: markerId } = c.req.valid('query');
      const marker = markerId ? await findBuild(prisma, projectId, markerId) : undefined;
      if (marker === null) return c.json(invalidRequest('marker', `no build ${markerId} in your project`), 400);
      const builds = await listBuilds(prisma, projectId, { limit, marker });
      const last = builds.length === limit ? builds.at(-1) : undefined;
      const next = last && {
        rel: 'next',
        href: `/v1/servers?${new URLSearchParams({ limit: `${limit}`, marker: last.id })}`,
      };
      return c.json({ servers: builds.map(buildView), ...(next ? { servers_links: [next] } : {}) }, 200);
    })
    .openapi(routes.delete, async (c) => {
      const tenant = c.get('tenant');
      const build = await findBuild(prisma, tenant.projectId, c.req.valid('param').id);
      if (!build) return c.json(notFound('no such server build in your project'), 404);
      if (build.status === 'deleted') return c.json(accepted(build.id, 'deleted'), 202);
      const refused = cannotDelegate(tenant);
      if (refused) return c.json(refused, 403);
      const trustId = await trustFor(deps, tenant).catch(refusedAs403);
      if (typeof trustId !== 'string') return c.json(trustId, 403);
      await updateBuild(prisma, { buildId: build.id, status: 'deleting', step: 'deleting' });
      try {
        await temporal.workflow.start(deleteServer, {
          taskQueue,
          workflowId: `${build.id}-delete`,
          args: [{ buildId: build.id, trustId }],
        });
      } catch (err) {
        await deleteTrustIfPresent(cloud, trustId);
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        return c.json(accepted(build.id, 'deleting'), 202);
      }
      // Recorded once its run has started: a delete already running keeps its own trust on the row.
      await updateBuild(prisma, { buildId: build.id, deleteTrustId: trustId });
      return c.json(accepted(build.id, 'deleting'), 202);
    });
}

/**
 * Starts the build's createServer; with a worker in this process, eagerly on it. `raced`: another
 * request with the key started it; `failed`: Temporal could not be reached or refused.
 */
async function startBuild(
  deps: ApiDeps,
  buildId: string,
  input: CreateServerInput,
): Promise<'started' | 'raced' | 'failed'> {
  const colocated = deps.colocatedWorker;
  try {
    await (colocated?.client ?? deps.temporal).workflow.start(createServer, {
      taskQueue: deps.taskQueue,
      workflowId: buildId,
      args: [input],
      requestEagerStart: colocated !== undefined,
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'raced';
    log.warn('server build not started', { buildId, error: (err as Error).message });
    return 'failed';
  }
}

/** Whether a `building` row's workflow was never started (its start failed); `unknown` when Temporal cannot say. */
async function neverStarted(deps: ApiDeps, build: BuildRow): Promise<boolean | 'unknown'> {
  if (build.status !== 'building') return false;
  try {
    await deps.temporal.workflow.getHandle(build.id).describe();
    return false;
  } catch (err) {
    return err instanceof WorkflowNotFoundError ? true : 'unknown';
  }
}

const unavailable = (c: Context) => {
  c.header('Retry-After', '5');
  const message =
    'the build could not be started just now: retry in a few seconds (with the same Idempotency-Key, if you sent one)';
  return c.json({ error: 'unavailable', message }, 503);
};

const digest = (projectId: string, key: string) =>
  createHash('sha256').update(`${projectId}\u0000${key}`).digest('hex').slice(0, 32);

export function buildView(b: BuildRow): z.infer<typeof ServerBuildView> {
  return {
    id: b.id,
    name: b.name,
    status: b.status as z.infer<typeof ServerBuildView>['status'],
    path: (b.path as z.infer<typeof ServerBuildView>['path']) ?? null,
    step: b.step,
    stepTimings: b.stepTimings as Record<string, number>,
    request: {
      osName: b.osName,
      volumeType: b.volumeType,
      flavorId: b.flavorId,
      swapGb: b.swapGb,
      dataGb: b.dataGb,
      networkId: b.networkId,
    },
    server: b.serverId ? { id: b.serverId } : null,
    volumes: { system: b.systemVolumeId, swap: b.swapVolumeId, data: b.dataVolumeId },
    address: b.address,
    failureReason: b.failureReason,
    compensation: (b.compensation as Record<string, string> | null) ?? null,
    createdAt: b.createdAt.toISOString(),
    finishedAt: b.finishedAt?.toISOString() ?? null,
  };
}

/**
 * The row, with the delete workflow's live step and timings while it runs. A build's own steps are
 * on its row: they run as local activities inside one workflow task, and a query would wait for
 * that task to end (the whole build, on a pool hit).
 */
async function liveView(deps: ApiDeps, b: BuildRow) {
  const view = buildView(b);
  if (b.status !== 'deleting') return view;
  const live = await deps.temporal.workflow
    .getHandle(`${b.id}-delete`)
    .query(buildProgressQuery)
    .catch(() => undefined);
  return live ? { ...view, step: live.step, stepTimings: { ...view.stepTimings, ...live.stepTimings } } : view;
}
