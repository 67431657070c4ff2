// The server_builds rows: what a tenant asked for and how far its build got (GET /v1/servers).
// The API writes the row before the workflow starts; the workflow updates it at the moments
// that matter (system disk known, active, failed, deleting, deleted).
import type { Prisma, PrismaClient } from '../prisma/client';

export type BuildStatus = 'building' | 'active' | 'failed' | 'deleting' | 'deleted';
/** How the system disk was obtained: a pool spare, built on demand, or a tenant volume of its name. */
export type SystemDiskPath = 'pool-hit' | 'fallback' | 'reused';

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
  finished?: boolean;
}

export async function insertBuild(
  prisma: PrismaClient,
  row: BuildRequest & { buildId: string; projectId: string; userId: string; idempotencyKey?: string },
): Promise<void> {
  await prisma.serverBuild.create({
    data: {
      id: row.buildId,
      projectId: row.projectId,
      userId: row.userId,
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
  const { buildId, finished, compensation, stepTimings, status, step, ...fields } = u;
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

/** The build if it belongs to `projectId` (another project's build does not exist for the caller). */
export async function findBuild(prisma: PrismaClient, projectId: string, buildId: string): Promise<BuildRow | null> {
  return prisma.serverBuild.findFirst({ where: { id: buildId, projectId } });
}
