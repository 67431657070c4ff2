// The server_builds rows: what a tenant asked for and how far its build got (GET /v1/servers).
// The API writes the row before the workflow starts; the workflow updates it at the moments
// that matter (system disk known, active, failed, deleting, deleted).
import { oneOf } from '../lib/vocabulary';
import type { Prisma, PrismaClient } from '../prisma/client';

/** A build's status: the API's enum, this type and server_builds' CHECK (migration status_vocabularies). */
export const BUILD_STATUSES = ['building', 'active', 'failed', 'deleting', 'deleted'] as const;
export type BuildStatus = (typeof BUILD_STATUSES)[number];

/**
 * What bounds a build's run, its undo included (workflows/server-waits: 30 min for a fallback disk,
 * 15 for the boot, 15 for the undo's server delete; each step's retries a few minutes more), and
 * what bounds a delete (it waits for a build still running to end, then the same deletes).
 */
export const BUILD_DEADLINE_MS = 2 * 60 * 60_000;
/** A build's (or delete's) trust outlives that deadline by this much, then Keystone ends it anyway. */
export const TRUST_LIFETIME_MS = BUILD_DEADLINE_MS + 30 * 60_000;
/**
 * Keystone refuses a trust equal to one it has (trustor, trustee, project, impersonation and
 * expires_at, kept in whole seconds): two builds of one user in the same second would clash. Each
 * trust ends a random second of this spread after TRUST_LIFETIME_MS; another is drawn on a clash.
 */
export const TRUST_EXPIRY_SPREAD_MS = 5 * 60_000;
/**
 * A `building` row whose workflow Temporal does not know this long after it was last written was
 * never started (the start failed and nobody retried it): the reaper fails it. Well beyond a start's own
 * time-out, so a start still in flight is never overtaken.
 */
export const BUILD_START_GRACE_MS = 5 * 60_000;
/**
 * Why a build is stuck (cleanup pending; the reaper retries it): its undo gave up (`undo_failed`),
 * its delete's steps gave up (`delete_failed`), its run (or its delete's) ended without recording
 * its end (`run_lost`, `delete_lost`), found BUILD_START_GRACE_MS after the row was last written.
 */
export const STUCK_REASONS = ['undo_failed', 'delete_failed', 'run_lost', 'delete_lost'] as const;
export type StuckReason = (typeof STUCK_REASONS)[number];
/**
 * A stuck build's retries back off: the reaper starts the first at its next pass, the n-th retry's next
 * STUCK_RETRY_BASE_MS · 2^(n-1) after it, at most STUCK_RETRY_MAX_MS (one whose trust has expired gives
 * up every time: not a workflow and a warning a minute for ever).
 */
export const STUCK_RETRY_BASE_MS = 60_000;
export const STUCK_RETRY_MAX_MS = 60 * 60_000;
export const stuckRetryDelayMs = (retries: number) =>
  Math.min(STUCK_RETRY_BASE_MS * 2 ** Math.max(0, retries - 1), STUCK_RETRY_MAX_MS);
/** A deleted build stays listed (and readable) this long after its delete ended, then goes. */
export const DELETED_RETENTION_MS = 7 * 24 * 60 * 60_000;
/** How the system disk was obtained: a pool spare, built on demand, or a tenant volume of its name. */
export const SYSTEM_DISK_PATHS = ['pool-hit', 'fallback', 'reused'] as const;
export type SystemDiskPath = (typeof SYSTEM_DISK_PATHS)[number];

export interface BuildRequest {
  name: string;
  osName: string;
  volumeType: string;
  flavorId: string;
  swapGb: number;
  dataGb: number;
  networkId: string;
  fixedIp?: string;
}

export interface BuildUpdate {
  buildId: string;
  status?: BuildStatus;
  step?: string;
  path?: SystemDiskPath;
  stepTimings?: Record<string, number>;
  serverId?: string;
  systemVolumeId?: string;
  swapVolumeId?: string;
  dataVolumeId?: string;
  address?: string;
  failureReason?: string;
  compensation?: unknown;
  /** The trusts acting for the build's run and its delete's, once the run started; null once reaped. */
  trustId?: string | null;
  deleteTrustId?: string | null;
  finished?: boolean;
  /** Marks the build stuck (the first time only: `since` stays), or clears the marks of these reasons. */
  stuck?: { reason: StuckReason } | { cleared: StuckReason[] };
}

export async function insertBuild(
  prisma: PrismaClient,
  row: BuildRequest & { buildId: string; projectId: string; userId: string; trustId?: string; idempotencyKey?: string },
): Promise<void> {
  await prisma.serverBuild.create({
    data: {
      id: row.buildId,
      projectId: row.projectId,
      userId: row.userId,
      trustId: row.trustId ?? null,
      idempotencyKey: row.idempotencyKey ?? null,
      name: row.name,
      osName: row.osName,
      volumeType: row.volumeType,
      flavorId: row.flavorId,
      swapGb: row.swapGb,
      dataGb: row.dataGb,
      networkId: row.networkId,
      status: 'building',
      step: 'accepted',
    },
  });
}

/**
 * Applies an update. Once a delete has begun (`deleting`, then `deleted`), the build's own run can
 * no longer change its status or step (a late "active" must not hide the delete), but what it
 * made is still recorded, so the delete finds it; nothing changes a `deleted` build.
 */
export async function updateBuild(prisma: PrismaClient, u: BuildUpdate): Promise<void> {
  const { buildId, finished, compensation, stepTimings, status, step, stuck, ...fields } = u;
  if (stuck) await markStuck(prisma, buildId, stuck);
  const data: Prisma.ServerBuildUpdateManyMutationInput = {
    ...fields,
    ...(stepTimings ? { stepTimings } : {}),
    ...(compensation !== undefined ? { compensation: compensation as Prisma.InputJsonValue } : {}),
    ...(finished ? { finishedAt: new Date() } : {}),
  };
  await prisma.serverBuild.updateMany({ where: { id: buildId, status: { not: 'deleted' } }, data });
  if (status === undefined && step === undefined) return;
  const deleting = status === 'deleting' || status === 'deleted';
  await prisma.serverBuild.updateMany({
    where: { id: buildId, status: { notIn: deleting ? ['deleted'] : ['deleting', 'deleted'] } },
    data: { ...(status ? { status } : {}), ...(step ? { step } : {}) },
  });
}

export type BuildRow = NonNullable<Awaited<ReturnType<PrismaClient['serverBuild']['findUnique']>>>;

/** The row's vocabulary columns checked (the database's CHECKs hold them to the same words), not cast. */
export const buildStatusOf = (b: Pick<BuildRow, 'status'>) => oneOf(BUILD_STATUSES, b.status, 'server_builds.status');
export const systemDiskPathOf = (b: Pick<BuildRow, 'path'>) =>
  b.path === null ? null : oneOf(SYSTEM_DISK_PATHS, b.path, 'server_builds.path');
export const stuckReasonOf = (b: Pick<BuildRow, 'stuckReason'>) =>
  b.stuckReason === null ? null : oneOf(STUCK_REASONS, b.stuckReason, 'server_builds.stuck_reason');

/** The build if it belongs to `projectId` (another project's build does not exist for the caller). */
export async function findBuild(prisma: PrismaClient, projectId: string, buildId: string): Promise<BuildRow | null> {
  return prisma.serverBuild.findFirst({ where: { id: buildId, projectId } });
}

/** The largest page of GET /v1/servers (Nova's max_limit), and the page when no limit is given. */
export const MAX_PAGE = 1000;

/** Each build's system-disk snapshot (its handout's: a spare's generation), by build id; one query for a page. */
export async function systemDiskSnapshots(
  prisma: PrismaClient,
  builds: { id: string }[],
): Promise<Map<string, string>> {
  const handouts = await prisma.systemDiskHandout.findMany({
    where: { buildId: { in: builds.map((b) => b.id) } },
    select: { buildId: true, snapshotId: true },
  });
  return new Map(handouts.map((h) => [h.buildId, h.snapshotId]));
}

/** A page of the project's builds, newest first (the id breaks ties), after the build `marker`. */
export async function listBuilds(
  prisma: PrismaClient,
  projectId: string,
  page: { limit: number; marker?: BuildRow },
  now = Date.now(),
): Promise<BuildRow[]> {
  const { marker } = page;
  const kept = { finishedAt: { gte: new Date(now - DELETED_RETENTION_MS) } };
  const after: Prisma.ServerBuildWhereInput = marker
    ? {
        OR: [{ createdAt: { lt: marker.createdAt } }, { createdAt: marker.createdAt, id: { lt: marker.id } }],
      }
    : {};
  return prisma.serverBuild.findMany({
    where: { projectId, AND: [after, { OR: [{ status: { not: 'deleted' } }, { finishedAt: null }, kept] }] },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: page.limit,
  });
}

/** Deleted builds past DELETED_RETENTION_MS, not stuck: removed by the reaper. */
export const expiredDelete = (now: number): Prisma.ServerBuildWhereInput => ({
  status: 'deleted',
  stuckSince: null, // kept, and listed, until its retry has left nothing behind
  finishedAt: { lt: new Date(now - DELETED_RETENTION_MS) },
});

async function markStuck(prisma: PrismaClient, buildId: string, stuck: NonNullable<BuildUpdate['stuck']>) {
  if ('cleared' in stuck) {
    await prisma.serverBuild.updateMany({
      where: { id: buildId, stuckReason: { in: stuck.cleared } },
      data: { stuckSince: null, stuckReason: null, stuckRetries: 0, stuckRetryAt: null },
    });
    return;
  }
  // The first mark stays until cleared: `since` says how long the build has been stuck, and an undo's
  // mark is not replaced by its delete's (the undo alone removes a claimed spare or a fallback disk; once
  // it is cleared, the reaper finds the delete closed and starts it again: delete_lost).
  await prisma.$executeRaw`
    UPDATE server_builds SET stuck_since = COALESCE(stuck_since, now()),
      stuck_reason = COALESCE(stuck_reason, ${stuck.reason})
    WHERE id = ${buildId}`;
}
