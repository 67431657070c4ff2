// The dashboard's reads that no other route gives: claims (hits, fallbacks, hand-over latency), Cinder
// create latency as a distribution, the last rounds with what they did, and what is in flight (server
// builds, drills, clones). SQL over the tables, and Temporal's visibility for the clones.
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../../../prisma/client';
import { SECONDS_LONG } from './metrics-sources';

type Row = Record<string, unknown>;
const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));

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

export async function createLatencySince(prisma: PrismaClient, since: Date) {
  const bounds = SECONDS_LONG;
  const perBucket = bounds.map((b, i) => `count(*) FILTER (WHERE age_ms <= ${b * 1000}) AS b${i}`).join(', ');
  const [r] = await prisma.$queryRawUnsafe<Row[]>(
    `SELECT ${perBucket}, count(*) AS n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY age_ms) AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY age_ms) AS p95
     FROM spare_volume_events WHERE old_status = 'creating' AND new_status = 'available' AND at >= $1::timestamp`,
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

/** Memo `progress` of a running clone (clone-progress.ts), kept to what the dashboard shows. */
interface CloneMemo {
  phase?: string;
  percent?: number;
}

/**
 * What runs now. Without the operator's credentials only how many: build ids and names are the
 * tenants' (and an id is what a decoy volume would need), drills and clones the operator's.
 */
export async function inFlight(prisma: PrismaClient, temporal: Client, operator: boolean) {
  // A count only: which builds are stuck is the tenants' (GET /v1/servers) and the operator's log.
  const stuckBuilds = await prisma.serverBuild.count({ where: { stuckSince: { not: null } } });
  if (!operator) {
    const [builds, drills, clones] = await Promise.all([
      prisma.serverBuild.count({ where: { status: 'building' } }),
      prisma.drillRun.count({ where: { status: 'running' } }),
      runningClones(temporal).then((c) => c.length),
    ]);
    return { builds: [], drills: [], clones: [], hidden: { builds, drills, clones }, stuckBuilds };
  }
  const [builds, drills, clones] = await Promise.all([
    prisma.serverBuild.findMany({ where: { status: 'building' }, orderBy: { createdAt: 'asc' }, take: 200 }),
    prisma.drillRun.findMany({ where: { status: 'running' }, orderBy: { startedAt: 'asc' }, take: 50 }),
    runningClones(temporal),
  ]);
  return {
    builds: builds.map((b) => ({
      id: b.id,
      name: b.name,
      osName: b.osName,
      volumeType: b.volumeType,
      step: b.step,
      path: b.path,
      startedAt: b.createdAt.toISOString(),
    })),
    drills: drills.map((d) => ({
      id: d.id,
      scenario: d.scenario,
      form: d.form,
      stepsDone: Object.keys((d.stepTimings as Record<string, number> | null) ?? {}),
      startedAt: d.startedAt.toISOString(),
    })),
    clones,
    hidden: { builds: 0, drills: 0, clones: 0 },
    stuckBuilds,
  };
}

async function runningClones(temporal: Client) {
  const out: { workflowId: string; phase: string | null; percent: number | null; startedAt: string }[] = [];
  const list = temporal.workflow.list({ query: `WorkflowType = 'cloneVolume' AND ExecutionStatus = 'Running'` });
  for await (const w of list) {
    const progress = w.memo?.progress as CloneMemo | undefined;
    out.push({
      workflowId: w.workflowId,
      phase: progress?.phase ?? null,
      percent: progress?.percent ?? null,
      startedAt: w.startTime.toISOString(),
    });
    if (out.length >= 50) break;
  }
  return out;
}
