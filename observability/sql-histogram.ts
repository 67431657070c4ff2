// Prometheus histograms counted by PostgreSQL: a source is SQL returning label columns and `v`
// (seconds); one GROUP BY counts each bucket, so a scrape reads counts, not rows.
import type { HistogramFamily } from './prometheus-histogram';

/** What this needs of a Prisma client (observability/ imports nothing of the project). */
export interface RawSql {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export interface HistogramSource {
  name: string;
  help: string;
  labels: string[];
  buckets: number[];
  sql: string;
}

export const SECONDS_SHORT = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
export const SECONDS_LONG = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600];

type Row = Record<string, unknown>;

export async function readHistogram(prisma: RawSql, h: HistogramSource): Promise<HistogramFamily> {
  // Bounds and columns are the sources' constants, never input: safe to place in the text.
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
