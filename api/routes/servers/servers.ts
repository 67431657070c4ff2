// The tenant's servers: create one from the spare pool (createServer), look at it, list them,
// delete one (deleteServer). Callers authenticate with their own Keystone token and see only
// their project's builds (another project's build → 404). Work done later on the caller's behalf
// runs through a Keystone trust created here, with the caller's token, from the caller to
// blockflow's service user, for the member role only and for a bounded time (servers/builds:
// TRUST_LIFETIME_MS); the token itself goes nowhere else. A reader may read, a member create and
// delete (tenant-auth). A build whose workflow could not be started is started by the retry with
// its Idempotency-Key, or failed by the reaper (servers/trust-reaper).
import { buildProgressQuery } from '../../../workflows/servers/build-state';
import { createHash, randomUUID } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { deleteTrustIfPresent } from '../../../openstack/trusts';
import {
  buildStatusOf,
  findBuild,
  insertBuild,
  listBuilds,
  MAX_PAGE,
  stuckReasonOf,
  systemDiskPathOf,
  systemDiskSnapshots,
  updateBuild,
  type BuildRow,
  type BuildStatus,
} from '../../../servers/builds';
import { deleteServer } from '../../../workflows';
import type { ApiDeps } from '../../deps';
import { jsonBody, response } from '../../openapi';
import { invalidRequest, notFound, problemResponse } from '../../problem';
import { createRouter } from '../../router';
import { isProblem } from './request';
import { differingField, neverStarted, startBuild, unavailable } from './start';
import { refusedAs403, resolveWithTrust, trustFor, warmUpTrust } from './trust';
import { BuildId, ListQuery, ServerAccepted, ServerBuildList, ServerBuildView, ServerRequest } from './schemas';
import { cannotDelegate, requireKeystoneToken, type TenantEnv } from '../../tenant-auth';
import { ValidatedTokens } from '../../token-cache';
import { FlavorCatalog } from './flavor-catalog';
import { z } from '@hono/zod-openapi';

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
    path: '/',
    summary: 'Create a server, its system disk from the spare pool',
    description:
      'With an Idempotency-Key, a retry gets the build its first request started (or starts it, if that ' +
      "start failed) and never builds anything else: a body differing from the build's (name, osName, " +
      'volumeType, flavor, swapGb, dataGb, network) is a 422 naming the field. A key is kept with its build ' +
      '(deleted builds: DELETED_RETENTION_MS).',
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
      422: problemResponse("the Idempotency-Key's first request asked for something else (the field named)"),
      503: problemResponse('the build could not be started now: retry with the same Idempotency-Key'),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/{id}',
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
    path: '/',
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
    path: '/{id}',
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
      503: problemResponse('the delete could not be started now: retry'),
    },
  }),
};

export function serverRoutes(deps: ApiDeps) {
  const { prisma, temporal, taskQueue, cloud } = deps;
  const router = createRouter<TenantEnv>();
  const tokens = new ValidatedTokens();
  const flavors = new FlavorCatalog(() => cloud.admin.nova.listFlavors());
  // Every route of this router is a tenant's: the Keystone token is checked here, for all of them.
  router.use('*', requireKeystoneToken(cloud, tokens));
  const accepted = (id: string, status: BuildStatus) => ({
    id,
    status,
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
      const body = c.req.valid('json');
      const differs = earlier && differingField(earlier, body);
      if (differs) return c.json(differs, 422);
      const unstarted = earlier && (await neverStarted(deps, earlier));
      if (unstarted === 'unknown') return unavailable(c);
      if (earlier && !unstarted) return answerAccepted(accepted(earlier.id, buildStatusOf(earlier)));
      const refused = cannotDelegate(tenant);
      if (refused) return c.json(refused, 403);
      const checked = await resolveWithTrust({ ...deps, flavors }, tenant, body).catch(refusedAs403);
      if (isProblem(checked)) return c.json(checked, checked.error === 'forbidden' ? 403 : 400);
      const { request, trustId } = checked;
      const changed = earlier && differingField(earlier, body, request);
      if (changed) {
        await deleteTrustIfPresent(cloud, trustId);
        return c.json(changed, 422);
      }
      if (deps.colocatedWorker) warmUpTrust(deps, trustId);
      if (earlier) {
        // Recorded before the start, as read: whichever run starts, the row names its trust (and the
        // reaper, failing the row only as it read it, leaves a build a retry is starting).
        const { count } = await prisma.serverBuild.updateMany({
          where: { id: buildId, status: 'building', trustId: earlier.trustId },
          data: { trustId },
        });
        if (!count) {
          await deleteTrustIfPresent(cloud, trustId); // another retry, or the reaper, got there first
          const now = await findBuild(prisma, tenant.projectId, buildId);
          return answerAccepted(accepted(buildId, buildStatusOf(now ?? earlier)));
        }
      } else {
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
          if (winner) return answerAccepted(accepted(winner.id, buildStatusOf(winner)));
          throw err;
        }
      }
      const started = await startBuild(deps, buildId, { ...request, projectId: tenant.projectId, trustId });
      if (started === 'raced') {
        // An earlier start landed after all: its run holds the trust the row had.
        if (earlier)
          await prisma.serverBuild.updateMany({ where: { id: buildId, trustId }, data: { trustId: earlier.trustId } });
        await deleteTrustIfPresent(cloud, trustId);
      }
      // The start may have reached Temporal before failing: the build's trust stays for it (the reaper
      // deletes it if no workflow shows up), and the retry with the key finds the build or starts it.
      if (started === 'failed') return unavailable(c);
      // The trust of the start that failed before: no run uses it (an unrecorded one ends at its expiry).
      if (started === 'started' && earlier?.trustId) await deleteTrustIfPresent(cloud, earlier.trustId);
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
      const snapshots = await systemDiskSnapshots(prisma, builds);
      const servers = builds.map((b) => buildView(b, snapshots.get(b.id)));
      return c.json({ servers, ...(next ? { servers_links: [next] } : {}) }, 200);
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
      // Started first, the row marked after: a start that fails changes nothing.
      try {
        await temporal.workflow.start(deleteServer, {
          taskQueue,
          workflowId: `${build.id}-delete`,
          args: [{ buildId: build.id, trustId }],
        });
      } catch (err) {
        // A failed start may have reached Temporal: its trust stays (unrecorded, it ends at its expiry).
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) return unavailable(c, 'delete');
        await deleteTrustIfPresent(cloud, trustId);
        return c.json(accepted(build.id, 'deleting'), 202);
      }
      // Recorded once its run has started: a delete already running keeps its own trust on the row. The
      // run marks the row deleting too (after stopping a running build); here it shows at once.
      await updateBuild(prisma, { buildId: build.id, status: 'deleting', step: 'deleting', deleteTrustId: trustId });
      // A stuck delete started again (its run had closed): the trust it had is no run's now, and goes, so
      // the row's is the only one (one expired is renewed so; the reaper would retry with the row's).
      if (build.deleteTrustId && build.deleteTrustId !== trustId)
        await deleteTrustIfPresent(cloud, build.deleteTrustId);
      return c.json(accepted(build.id, 'deleting'), 202);
    });
}

const digest = (projectId: string, key: string) =>
  createHash('sha256').update(`${projectId}\u0000${key}`).digest('hex').slice(0, 32);

type StuckView = NonNullable<z.infer<typeof ServerBuildView>['stuck']>;

export function buildView(b: BuildRow, systemDiskSnapshotId: string | null = null): z.infer<typeof ServerBuildView> {
  return {
    id: b.id,
    name: b.name,
    status: buildStatusOf(b),
    path: systemDiskPathOf(b),
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
    systemDiskSnapshotId,
    address: b.address,
    failureReason: b.failureReason,
    compensation: (b.compensation as Record<string, string> | null) ?? null,
    stuck: stuckView(b),
    createdAt: b.createdAt.toISOString(),
    finishedAt: b.finishedAt?.toISOString() ?? null,
  };
}

function stuckView(b: BuildRow): StuckView | null {
  const reason = stuckReasonOf(b);
  if (!b.stuckSince || !reason) return null;
  return {
    since: b.stuckSince.toISOString(),
    reason,
    retries: b.stuckRetries,
    nextRetryAt: b.stuckRetryAt?.toISOString() ?? null,
  };
}

/**
 * The row, with the delete workflow's live step and timings while it runs. A build's own steps are
 * on its row: they run as local activities inside one workflow task, and a query would wait for
 * that task to end (the whole build, on a pool hit).
 */
async function liveView(deps: ApiDeps, b: BuildRow) {
  const view = buildView(b, (await systemDiskSnapshots(deps.prisma, [b])).get(b.id));
  if (b.status !== 'deleting') return view;
  const live = await deps.temporal.workflow
    .getHandle(`${b.id}-delete`)
    .query(buildProgressQuery)
    .catch(() => undefined);
  return live ? { ...view, step: live.step, stepTimings: { ...view.stepTimings, ...live.stepTimings } } : view;
}
