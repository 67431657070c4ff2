// The server builds' reaper (issue 20, findings 4 and 11; reconcile's transfer reaper, pool/transfers,
// is the model), one pass per run of its schedule:
//   - a `building` row whose workflow was never started, BUILD_START_GRACE_MS after it was last
//     written (its start failed, nobody retried): failed, nothing having been made;
//   - the trusts recorded on rows whose run has ended (active, failed, deleted) are deleted in Keystone
//     (the run deletes its own trust as it ends; this catches the runs that could not) and cleared;
//   - deleted builds past DELETED_RETENTION_MS are removed, with what else their id keys;
//   - stuck builds are found and retried (servers/stuck-builds), when the pass is given `runs`.
// A stuck build keeps its trusts (its retry acts with them) until its retry clears the mark.
// Only trusts a row records are ever deleted: Keystone's list of trusts to the service user holds other
// tools' too. A trust made by a request that died before recording it ends at its own expires_at
// (TRUST_LIFETIME_MS); so does every trust, should the reaper not run.
import type { CloudClients } from '../openstack/cloud';
import { deleteTrustIfPresent } from '../openstack/trusts';
import type { PrismaClient } from '../prisma/client';
import { BUILD_START_GRACE_MS, expiredDelete } from './builds';
import { retryStuckBuilds, type StuckRuns, type StuckSummary } from './stuck-builds';

export interface ReaperDeps {
  prisma: PrismaClient;
  cloud: CloudClients;
  /** Whether the build's workflow was ever started (Temporal knows it); throws when that cannot be told. */
  isStarted: (buildId: string) => Promise<boolean>;
  /** Temporal's runs, to find and retry stuck builds; without them the pass leaves stuck builds alone. */
  runs?: StuckRuns;
}

export interface ReapSummary extends StuckSummary {
  /** Builds failed because their workflow was never started. */
  buildsFailed: string[];
  trustsDeleted: string[];
  /** Deleted builds removed after their retention. */
  rowsExpired: number;
}

export const NEVER_STARTED = 'the build was never started (its workflow could not be started); nothing was made';

export async function reapServerBuilds(deps: ReaperDeps, now = Date.now()): Promise<ReapSummary> {
  const buildsFailed = await failUnstartedBuilds(deps, now);
  const stuck = deps.runs
    ? await retryStuckBuilds(deps.prisma, deps.runs, now)
    : { stuckMarked: [], retried: [], unretryable: [] };
  const trustsDeleted = await reapRecordedTrusts(deps);
  return { buildsFailed, ...stuck, trustsDeleted, rowsExpired: await dropExpiredRows(deps.prisma, now) };
}

async function failUnstartedBuilds({ prisma, isStarted }: ReaperDeps, now: number): Promise<string[]> {
  // By the last write: a retry records its new trust on the row (bumping updatedAt) before its start.
  const stale = await prisma.serverBuild.findMany({
    where: { status: 'building', updatedAt: { lt: new Date(now - BUILD_START_GRACE_MS) } },
    select: { id: true, trustId: true },
    orderBy: { createdAt: 'asc' },
    take: 500,
  });
  const failed: string[] = [];
  for (const { id, trustId } of stale) {
    if (await isStarted(id)) continue; // its own run ends it
    // Only as read: a retry that recorded its own trust meanwhile is starting the build. The trust
    // of a row failed here is deleted by reapRecordedTrusts, next in this pass.
    const { count } = await prisma.serverBuild.updateMany({
      where: { id, status: 'building', trustId },
      data: { status: 'failed', failureReason: NEVER_STARTED, finishedAt: new Date() },
    });
    if (count) failed.push(id);
  }
  return failed;
}

/**
 * Trusts on rows whose runs have ended: a build's once it is active, failed or deleted, a delete's once
 * deleted; never a stuck row's (its retry acts with them).
 */
async function reapRecordedTrusts({ prisma, cloud }: ReaperDeps): Promise<string[]> {
  const rows = await prisma.serverBuild.findMany({
    where: {
      stuckSince: null,
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

/**
 * Deleted builds past their retention, and their system_disk_handouts rows: the build id is the
 * Idempotency-Key's digest, so a new POST with the key must find nothing of the old build.
 */
async function dropExpiredRows(prisma: PrismaClient, now: number): Promise<number> {
  const expired = await prisma.serverBuild.findMany({ where: expiredDelete(now), select: { id: true }, take: 1000 });
  const ids = expired.map((r) => r.id);
  if (!ids.length) return 0;
  const [, { count }] = await prisma.$transaction([
    prisma.systemDiskHandout.deleteMany({ where: { buildId: { in: ids } } }),
    prisma.serverBuild.deleteMany({ where: { id: { in: ids }, ...expiredDelete(now) } }),
  ]);
  return count;
}
