// The server builds' reads for /metrics and the dashboard, as plain functions of a Prisma client.
import { SECONDS_SHORT, type HistogramSource } from '../observability/sql-histogram';
import type { PrismaClient } from '../prisma/client';

export const BUILD_HISTOGRAMS: HistogramSource[] = [
  {
    name: 'blockflow_server_build_seconds',
    help: 'Server builds that are active now: from the request to ACTIVE, by system-disk path',
    labels: ['path'],
    buckets: [...SECONDS_SHORT, 300, 600],
    sql: `SELECT path, EXTRACT(EPOCH FROM finished_at - created_at) AS v FROM server_builds
          WHERE status = 'active' AND path IS NOT NULL AND finished_at IS NOT NULL`,
  },
];

export interface BuildCounters {
  buildsFailedAtSystemDisk: number;
  buildsInFlight: { step: string; n: number }[];
  /** Builds marked stuck (cleanup pending, retried by the reaper: servers/stuck-builds). */
  buildsStuck: number;
}

type Row = Record<string, unknown>;

export async function readBuildCounters(prisma: PrismaClient): Promise<BuildCounters> {
  const [systemDisk, inFlight, stuck] = await Promise.all([
    prisma.$queryRaw<Row[]>`SELECT count(*) AS n FROM server_builds
      WHERE status = 'failed' AND step LIKE '%system-disk%'`,
    prisma.$queryRaw<Row[]>`SELECT step, count(*) AS n FROM server_builds WHERE status = 'building'
      GROUP BY 1 ORDER BY 1`,
    stuckBuildCount(prisma),
  ]);
  return {
    buildsFailedAtSystemDisk: Number(systemDisk[0]?.n ?? 0),
    buildsInFlight: inFlight.map((r) => ({ step: String(r.step), n: Number(r.n) })),
    buildsStuck: stuck,
  };
}

/** A count only: which builds are stuck is the tenants' (GET /v1/servers) and the operator's log. */
export const stuckBuildCount = (prisma: PrismaClient) =>
  prisma.serverBuild.count({ where: { stuckSince: { not: null } } });

export const runningBuildCount = (prisma: PrismaClient) => prisma.serverBuild.count({ where: { status: 'building' } });

/** The builds running now, oldest first (at most 200), as the operator's dashboard lists them. */
export async function runningBuilds(prisma: PrismaClient) {
  const builds = await prisma.serverBuild.findMany({
    where: { status: 'building' },
    orderBy: { createdAt: 'asc' },
    take: 200,
  });
  return builds.map((b) => ({
    id: b.id,
    name: b.name,
    osName: b.osName,
    volumeType: b.volumeType,
    step: b.step,
    path: b.path,
    startedAt: b.createdAt.toISOString(),
  }));
}
