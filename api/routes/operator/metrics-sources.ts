// What /metrics reports, read from the database at scrape time (so a restart or a second API
// process reports the same): the pool's event history (spare_volume_events, written by a trigger),
// the round records, the system-disk hand-outs and the server builds.
import type { PrismaClient } from '../../../prisma/client';
import type { HistogramFamily } from '../../../observability/prometheus-histogram';

/** A histogram's source: SQL returning label columns and `v` (seconds), rows to count. */
interface HistogramSource {
  name: string;
  help: string;
  labels: string[];
  buckets: number[];
  sql: string;
}

const SECONDS_SHORT = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
export const SECONDS_LONG = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600];

export const HISTOGRAMS: HistogramSource[] = [
  {
    name: 'blockflow_spare_create_seconds',
    help: "Cinder creates of spares: from the intent's record to the spare seen available (reconcile or the round)",
    labels: ['volume_type', 'os'],
    buckets: SECONDS_LONG,
    sql: `SELECT volume_type, os_name AS os, age_ms / 1000.0 AS v FROM spare_volume_events
          WHERE old_status = 'creating' AND new_status = 'available'`,
  },
  {
    name: 'blockflow_system_disk_handover_seconds',
    help: "A build's system disk: from the claim (or the fallback create's start) to the tenant's renamed volume",
    labels: ['volume_type', 'os', 'path'],
    buckets: [...SECONDS_SHORT, 300],
    sql: `SELECT volume_type, os_name AS os, path, handover_ms / 1000.0 AS v FROM system_disk_handouts`,
  },
  {
    name: 'blockflow_server_build_seconds',
    help: 'Server builds that are active now: from the request to ACTIVE, by system-disk path',
    labels: ['path'],
    buckets: [...SECONDS_SHORT, 300, 600],
    sql: `SELECT path, EXTRACT(EPOCH FROM finished_at - created_at) AS v FROM server_builds
          WHERE status = 'active' AND path IS NOT NULL AND finished_at IS NOT NULL`,
  },
  {
    name: 'blockflow_pool_round_seconds',
    help: 'Finished pool rounds (replenish, reconcile, sync-os): from start to finish',
    labels: ['kind'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    sql: `SELECT kind, EXTRACT(EPOCH FROM finished_at - started_at) AS v FROM pool_rounds
          WHERE finished_at IS NOT NULL`,
  },
];

type Row = Record<string, unknown>;

export async function readHistogram(prisma: PrismaClient, h: HistogramSource): Promise<HistogramFamily> {
  // Bounds and columns are this file's constants, never input: safe to place in the text.
  const perBucket = h.buckets.map((b, i) => `count(*) FILTER (WHERE v <= ${b}) AS b${i}`).join(', ');
  const cols = h.labels.join(', ');
  const rows = await prisma.$queryRawUnsafe<Row[]>(
    `SELECT ${cols}, ${perBucket}, count(*) AS n, COALESCE(sum(v), 0)::float8 AS s
     FROM (${h.sql}) src GROUP BY ${cols} ORDER BY ${cols}`,
  );
  return {
    name: h.name,
    help: h.help,
    buckets: h.buckets,
    series: rows.map((r) => ({
      labels: Object.fromEntries(h.labels.map((l) => [l, String(r[l] ?? '')])),
      cumulative: h.buckets.map((_, i) => Number(r[`b${i}`])),
      count: Number(r.n),
      sum: Number(r.s),
    })),
  };
}

export interface CounterValues {
  sparesCreated: { volume_type: string; os: string; n: number }[];
  createsFailed: number;
  dropped: { reason: string; n: number }[];
  claims: { volume_type: string; os: string; path: string; n: number }[];
  buildsFailedAtSystemDisk: number;
  transfersReaped: number;
  rounds: { kind: string; n: number }[];
  buildsInFlight: { step: string; n: number }[];
  /** Builds marked stuck (cleanup pending, retried by the reaper: servers/stuck-builds). */
  buildsStuck: number;
}

const num = <T extends Row>(rows: T[]) => rows.map((r) => ({ ...r, n: Number(r.n) }));

export async function readCounters(prisma: PrismaClient): Promise<CounterValues> {
  const [created, failed, dropped, claims, systemDisk, reaped, rounds, inFlight, stuck] = await Promise.all([
    prisma.$queryRaw<Row[]>`SELECT volume_type, os_name AS os, count(*) AS n FROM spare_volume_events
      WHERE old_status = 'creating' AND new_status = 'available' GROUP BY 1, 2 ORDER BY 1, 2`,
    prisma.$queryRaw<Row[]>`SELECT COALESCE(sum(failed), 0) AS n FROM pool_rounds WHERE kind = 'replenish'`,
    prisma.$queryRaw<Row[]>`SELECT d->>'reason' AS reason, count(*) AS n
      FROM pool_rounds, jsonb_array_elements(summary->'dropped') d
      WHERE kind = 'reconcile' AND jsonb_typeof(summary->'dropped') = 'array' GROUP BY 1 ORDER BY 1`,
    prisma.$queryRaw<Row[]>`SELECT volume_type, os_name AS os, path, count(*) AS n FROM system_disk_handouts
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    prisma.$queryRaw<Row[]>`SELECT count(*) AS n FROM server_builds
      WHERE status = 'failed' AND step LIKE '%system-disk%'`,
    prisma.$queryRaw<Row[]>`SELECT COALESCE(sum(jsonb_array_length(summary->'transfersReaped')), 0) AS n
      FROM pool_rounds WHERE kind = 'reconcile' AND jsonb_typeof(summary->'transfersReaped') = 'array'`,
    prisma.$queryRaw<Row[]>`SELECT kind, count(*) AS n FROM pool_rounds GROUP BY 1 ORDER BY 1`,
    prisma.$queryRaw<Row[]>`SELECT step, count(*) AS n FROM server_builds WHERE status = 'building'
      GROUP BY 1 ORDER BY 1`,
    prisma.$queryRaw<Row[]>`SELECT count(*) AS n FROM server_builds WHERE stuck_since IS NOT NULL`,
  ]);
  return {
    sparesCreated: num(created) as CounterValues['sparesCreated'],
    createsFailed: Number(failed[0]?.n ?? 0),
    dropped: num(dropped) as CounterValues['dropped'],
    claims: num(claims) as CounterValues['claims'],
    buildsFailedAtSystemDisk: Number(systemDisk[0]?.n ?? 0),
    transfersReaped: Number(reaped[0]?.n ?? 0),
    rounds: num(rounds) as CounterValues['rounds'],
    buildsInFlight: num(inFlight) as CounterValues['buildsInFlight'],
    buildsStuck: Number(stuck[0]?.n ?? 0),
  };
}
