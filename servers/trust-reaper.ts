// The server builds' reaper (issue 20, findings 4 and 11; reconcile's transfer reaper, pool/transfers,
// is the model), one pass per run of its schedule:
//   - a `building` row whose workflow Temporal does not know, BUILD_START_GRACE_MS after it was
//     written, was never started (its start failed, nobody retried): failed, nothing having been made;
//   - the trusts recorded on rows whose run has ended (active, failed, deleted) are deleted in Keystone
//     (the run deletes its own trust as it ends; this catches the runs that could not) and cleared;
//   - a trust delegated to blockflow's service user that no row records, TRUST_RECORD_GRACE_MS after it
//     was made, belongs to a request that died before writing it (or to a row gone): deleted;
//   - deleted builds past DELETED_RETENTION_MS are removed.
// Every trust also ends on its own at its expires_at (TRUST_LIFETIME_MS), should the reaper not run.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { CloudClients } from '../openstack/cloud';
import { deleteTrustIfPresent, listTrustsTo, type Trust } from '../openstack/trusts';
import type { PrismaClient } from '../prisma/client';
import {
  BUILD_START_GRACE_MS,
  DELETED_RETENTION_MS,
  TRUST_LIFETIME_MS,
  TRUST_RECORD_GRACE_MS,
  updateBuild,
} from './builds';

export interface ReaperDeps {
  prisma: PrismaClient;
  cloud: CloudClients;
  temporal: Client;
}

export interface ReapSummary {
  /** Builds failed because their workflow was never started. */
  buildsFailed: string[];
  trustsDeleted: string[];
  /** Deleted builds removed after their retention. */
  rowsExpired: number;
}

export const NEVER_STARTED = 'the build was never started (its workflow could not be started); nothing was made';

export async function reapServerBuilds(deps: ReaperDeps, now = Date.now()): Promise<ReapSummary> {
  const buildsFailed = await failUnstartedBuilds(deps, now);
  const trustsDeleted = [...(await reapRecordedTrusts(deps)), ...(await reapUnrecordedTrusts(deps, now))];
  const { count } = await deps.prisma.serverBuild.deleteMany({
    where: { status: 'deleted', finishedAt: { lt: new Date(now - DELETED_RETENTION_MS) } },
  });
  return { buildsFailed, trustsDeleted, rowsExpired: count };
}

async function failUnstartedBuilds({ prisma, temporal }: ReaperDeps, now: number): Promise<string[]> {
  const stale = await prisma.serverBuild.findMany({
    where: { status: 'building', createdAt: { lt: new Date(now - BUILD_START_GRACE_MS) } },
    select: { id: true },
    orderBy: { createdAt: 'asc' },
    take: 500,
  });
  const failed: string[] = [];
  for (const { id } of stale) {
    try {
      await temporal.workflow.getHandle(id).describe();
      continue; // started: its own run (or finding 12's stuck-build handling) ends it
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    await updateBuild(prisma, { buildId: id, status: 'failed', failureReason: NEVER_STARTED, finished: true });
    failed.push(id);
  }
  return failed;
}

/** Trusts on rows whose runs have ended: a build's once it is active, failed or deleted, a delete's once deleted. */
async function reapRecordedTrusts({ prisma, cloud }: ReaperDeps): Promise<string[]> {
  const rows = await prisma.serverBuild.findMany({
    where: {
      OR: [
        { trustId: { not: null }, status: { in: ['active', 'failed', 'deleted'] } },
        { deleteTrustId: { not: null }, status: 'deleted' },
      ],
    },
    select: { id: true, status: true, trustId: true, deleteTrustId: true },
  });
  const deleted: string[] = [];
  for (const row of rows) {
    const ids = [row.trustId, row.status === 'deleted' ? row.deleteTrustId : null].filter((t): t is string => !!t);
    for (const id of ids) await deleteTrustIfPresent(cloud, id);
    const cleared = { trustId: null, ...(row.status === 'deleted' ? { deleteTrustId: null } : {}) };
    await prisma.serverBuild.update({ where: { id: row.id }, data: cleared });
    deleted.push(...ids);
  }
  return deleted;
}

/** blockflow's trusts in Keystone that no row records, past the time a request takes to record one. */
async function reapUnrecordedTrusts({ prisma, cloud }: ReaperDeps, now: number): Promise<string[]> {
  const trusts = await listTrustsTo(cloud.admin.session, await cloud.adminUserId());
  if (!trusts.length) return [];
  const ids = trusts.map((t) => t.id);
  const rows = await prisma.serverBuild.findMany({
    where: { OR: [{ trustId: { in: ids } }, { deleteTrustId: { in: ids } }] },
    select: { trustId: true, deleteTrustId: true },
  });
  const recorded = new Set(rows.flatMap((r) => [r.trustId, r.deleteTrustId]));
  const busyProjects = await projectsInFlight(prisma, trusts);
  const orphans = trusts.filter((t) => !recorded.has(t.id) && unrecordedTooLong(t, now, busyProjects));
  for (const trust of orphans) await deleteTrustIfPresent(cloud, trust.id);
  return orphans.map((t) => t.id);
}

/**
 * A trust's age follows from its expiry (every trust the API makes lives TRUST_LIFETIME_MS and up to
 * TRUST_EXPIRY_SPREAD_MS more: it was made at expiry - TRUST_LIFETIME_MS at the latest). One
 * without an expiry was made before trusts had one, when rows did not record them: it is left while
 * a build or delete of its project is in flight.
 */
function unrecordedTooLong(trust: Trust, now: number, busyProjects: Set<string | null>): boolean {
  if (!trust.expiresAt) return !busyProjects.has(trust.projectId);
  return Date.parse(trust.expiresAt) - TRUST_LIFETIME_MS < now - TRUST_RECORD_GRACE_MS;
}

async function projectsInFlight(prisma: PrismaClient, trusts: Trust[]): Promise<Set<string | null>> {
  const projects = trusts.filter((t) => !t.expiresAt && t.projectId).map((t) => t.projectId!);
  if (!projects.length) return new Set();
  const rows = await prisma.serverBuild.findMany({
    where: { projectId: { in: projects }, status: { in: ['building', 'deleting'] } },
    select: { projectId: true },
    distinct: ['projectId'],
  });
  return new Set(rows.map((r) => r.projectId));
}
