// The pool's reads for /metrics and the dashboard, as plain functions of a Prisma client: spare creates
// (spare_volume_events, written by a trigger), system-disk hand-outs (hits and fallbacks) and the rounds.
import { SECONDS_LONG, SECONDS_SHORT, type HistogramSource } from '../observability/sql-histogram';
import type { PrismaClient } from '../prisma/client';

type Row = Record<string, unknown>;
const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const counted = <T extends Row>(rows: T[]) => rows.map((r) => ({ ...r, n: Number(r.n) }));

/** A spare's create finished: its row went from creating to available. */
const CREATE_FINISHED = `old_status = 'creating' AND new_status = 'available'`;

export const POOL_HISTOGRAMS: HistogramSource[] = [
  {
    name: 'blockflow_spare_create_seconds',
    help: "Cinder creates of spares: from the intent's record to the spare seen available (reconcile or the round)",
    labels: ['volume_type', 'os'],
    buckets: SECONDS_LONG,
    sql: `SELECT volume_type, os_name AS os, age_ms / 1000.0 AS v FROM spare_volume_events WHERE ${CREATE_FINISHED}`,
  },
  {
    name: 'blockflow_system_disk_handover_seconds',
    help: "A build's system disk: from the claim (or the fallback create's start) to the tenant's renamed volume",
    labels: ['volume_type', 'os', 'path'],
    buckets: [...SECONDS_SHORT, 300],
    sql: `SELECT volume_type, os_name AS os, path, handover_ms / 1000.0 AS v FROM system_disk_handouts`,
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

export interface PoolCounters {
  sparesCreated: { volume_type: string; os: string; n: number }[];
  createsFailed: number;
  dropped: { reason: string; n: number }[];
  claims: { volume_type: string; os: string; path: string; n: number }[];
  transfersReaped: number;
  rounds: { kind: string; n: number }[];
}

export async function readPoolCounters(prisma: PrismaClient): Promise<PoolCounters> {
  const [created, failed, dropped, claims, reaped, rounds] = await Promise.all([
    prisma.$queryRawUnsafe<Row[]>(`SELECT volume_type, os_name AS os, count(*) AS n FROM spare_volume_events
      WHERE ${CREATE_FINISHED} GROUP BY 1, 2 ORDER BY 1, 2`),
    prisma.$queryRaw<Row[]>`SELECT COALESCE(sum(failed), 0) AS n FROM pool_rounds WHERE kind = 'replenish'`,
    prisma.$queryRaw<Row[]>`SELECT d->>'reason' AS reason, count(*) AS n
      FROM pool_rounds, jsonb_array_elements(summary->'dropped') d
      WHERE kind = 'reconcile' AND jsonb_typeof(summary->'dropped') = 'array' GROUP BY 1 ORDER BY 1`,
    prisma.$queryRaw<Row[]>`SELECT volume_type, os_name AS os, path, count(*) AS n FROM system_disk_handouts
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    prisma.$queryRaw<Row[]>`SELECT COALESCE(sum(jsonb_array_length(summary->'transfersReaped')), 0) AS n
      FROM pool_rounds WHERE kind = 'reconcile' AND jsonb_typeof(summary->'transfersReaped') = 'array'`,
    prisma.$queryRaw<Row[]>`SELECT kind, count(*) AS n FROM pool_rounds GROUP BY 1 ORDER BY 1`,
  ]);
  return {
    sparesCreated: counted(created) as PoolCounters['sparesCreated'],
    createsFailed: Number(failed[0]?.n ?? 0),
    dropped: counted(dropped) as PoolCounters['dropped'],
    claims: counted(claims) as PoolCounters['claims'],
    transfersReaped: Number(reaped[0]?.n ?? 0),
    rounds: counted(rounds) as PoolCounters['rounds'],
  };
}

/** Per kind since `since`: pool hits, fallbacks, the hit rate and hand-over latency. */
export async function claimsSince(prisma: PrismaClient, since: Date) {
  const rows = await prisma.$queryRaw<Row[]>`
    SELECT volume_type, os_name,
      count(*) FILTER (WHERE path = 'pool-hit') AS hits,
      count(*) FILTER (WHERE path = 'fallback') AS fallbacks,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY handover_ms) FILTER (WHERE path = 'pool-hit') AS hit_p50,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY handover_ms) FILTER (WHERE path = 'pool-hit') AS hit_p95,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY handover_ms) FILTER (WHERE path = 'fallback') AS fallback_p50
    FROM system_disk_handouts WHERE handed_over_at >= ${since} GROUP BY 1, 2 ORDER BY 1, 2`;
  return rows.map((r) => {
    const hits = Number(r.hits);
    const fallbacks = Number(r.fallbacks);
    return {
      volumeType: String(r.volume_type),
      osName: String(r.os_name),
      hits,
      fallbacks,
      hitRate: hits / (hits + fallbacks),
      hitHandoverMsP50: n(r.hit_p50),
      hitHandoverMsP95: n(r.hit_p95),
      fallbackHandoverMsP50: n(r.fallback_p50),
    };
  });
}

/** Spare creates since `since` as a distribution (count per bucket, not cumulative) and percentiles. */
export async function createLatencySince(prisma: PrismaClient, since: Date) {
  const bounds = SECONDS_LONG;
  const perBucket = bounds.map((b, i) => `count(*) FILTER (WHERE age_ms <= ${b * 1000}) AS b${i}`).join(', ');
  const [r] = await prisma.$queryRawUnsafe<Row[]>(
    `SELECT ${perBucket}, count(*) AS n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY age_ms) AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY age_ms) AS p95
     FROM spare_volume_events WHERE ${CREATE_FINISHED} AND at >= $1::timestamp`,
    since.toISOString(),
  );
  const count = Number(r?.n ?? 0);
  let below = 0;
  const buckets = [...bounds, null].map((le, i) => {
    const cumulative = le === null ? count : Number(r?.[`b${i}`] ?? 0);
    const bucket = { leSeconds: le, count: cumulative - below };
    below = cumulative;
    return bucket;
  });
  return { count, p50Ms: n(r?.p50), p95Ms: n(r?.p95), buckets };
}

/** A round's summary as the few numbers an operator scans: numeric fields, and lists by their length. */
export function highlights(summary: unknown): Record<string, number> {
  if (!summary || typeof summary !== 'object') return {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(summary)) {
    if (typeof v === 'number') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.length;
  }
  return out;
}

/** Rounds are recorded under their workflow's id; a catalog sync (one id for all) adds `@<start>` to it. */
export const roundWorkflowId = (roundId: string) => roundId.split('@')[0]!;

export async function lastRounds(prisma: PrismaClient, limit: number) {
  const rows = await prisma.poolRound.findMany({ orderBy: { startedAt: 'desc' }, take: limit });
  return rows.map((r) => ({
    id: r.id,
    workflowId: roundWorkflowId(r.id),
    kind: r.kind,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    durationMs: r.finishedAt ? r.finishedAt.getTime() - r.startedAt.getTime() : null,
    created: r.created,
    failed: r.failed,
    dropped: r.dropped,
    did: highlights(r.summary),
  }));
}
