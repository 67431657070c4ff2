// GET /metrics in Prometheus's text format. Pool gauges, counters and histograms are computed from
// the database at scrape time (pool/reads.ts, servers/reads.ts); schedule figures come from Temporal's describe;
// process figures from prom-client's default collectors; and the Temporal SDK's own worker metrics are
// forwarded from its exporter when this process runs one (observability/temporal-runtime.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ApiDeps } from '../../deps';
import { createRouter } from '../../router';
import { poolKinds, poolSchedules } from '../pool/status';
import { POOL_HISTOGRAMS, readPoolCounters } from '../../../pool/reads';
import { BUILD_HISTOGRAMS, readBuildCounters } from '../../../servers/reads';
import { readHistogram } from '../../../observability/sql-histogram';
import { renderHistogram } from '../../../observability/prometheus-histogram';
import { temporalSdkMetricsAddress } from '../../../observability/temporal-runtime';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const route = createRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics: pool levels, creates, claims, builds, rounds, schedules, the Temporal worker',
  responses: {
    200: { description: 'text exposition format 0.0.4', content: { [CONTENT_TYPE]: { schema: z.string() } } },
  },
});

/** Process figures (CPU, memory, event-loop lag) accumulate in-process: one registry for the process. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'blockflow_' });
  }
  return processRegistry;
}

const KIND_LABELS = ['volume_type', 'os'] as const;

async function poolRegistry(deps: ApiDeps): Promise<Registry> {
  const reg = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Gauge<L>({ name, help, labelNames, registers: [reg] });
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers: [reg] });

  const [kinds, schedules, pool, builds] = await Promise.all([
    poolKinds(deps.prisma),
    poolSchedules(deps),
    readPoolCounters(deps.prisma),
    readBuildCounters(deps.prisma),
  ]);
  const c = { ...pool, ...builds };
  const levels = {
    target: gauge('blockflow_pool_target', 'Spares wanted per (volume type, OS)', KIND_LABELS),
    available: gauge('blockflow_pool_available', 'Spares ready to hand out', KIND_LABELS),
    creating: gauge('blockflow_pool_creating', 'Spares Cinder is still creating', KIND_LABELS),
    claimed: gauge('blockflow_pool_claimed', 'Spares claimed by a build, not yet handed over', KIND_LABELS),
    stuck: gauge('blockflow_pool_stuck', 'Creates Cinder has not finished in 30 minutes', KIND_LABELS),
  };
  const refresh = gauge('blockflow_pool_refresh_state', "1 for the state of the kind's latest image refresh", [
    ...KIND_LABELS,
    'state',
  ]);
  const sizing = {
    forecast: gauge('blockflow_pool_forecast_per_hour', 'Demand expected per hour (forecast-sized kinds)', KIND_LABELS),
    forecastTarget: gauge('blockflow_pool_forecast_target', 'The target the forecast sets or would set', KIND_LABELS),
    leadTime: gauge('blockflow_pool_lead_time_seconds', "A new spare's measured lead time", KIND_LABELS),
  };
  for (const k of kinds) {
    const labels = { volume_type: k.volumeType, os: k.osName };
    for (const [key, g] of Object.entries(levels)) g.set(labels, k[key as keyof typeof levels]);
    if (k.refresh) refresh.set({ ...labels, state: k.refresh.state }, 1);
    if (k.sizing.forecastPerHour === null) continue;
    sizing.forecast.set(labels, k.sizing.forecastPerHour);
    sizing.forecastTarget.set(labels, k.sizing.forecastTarget ?? 0);
    sizing.leadTime.set(labels, k.sizing.leadTimeSeconds ?? 0);
  }
  const created = counter(
    'blockflow_spares_created_total',
    'Spares whose create finished (seen available)',
    KIND_LABELS,
  );
  for (const r of c.sparesCreated) created.inc({ volume_type: r.volume_type, os: r.os }, r.n);
  counter('blockflow_spare_creates_failed_total', 'Creates a replenish round counted failed', []).inc(c.createsFailed);
  const dropped = counter('blockflow_spares_dropped_total', 'Spares reconcile took out of the pool', ['reason']);
  for (const r of c.dropped) dropped.inc({ reason: r.reason }, r.n);
  const claims = counter('blockflow_claims_total', 'System disks handed out: hit = from the pool, miss = fallback', [
    ...KIND_LABELS,
    'result',
  ]);
  for (const r of c.claims)
    claims.inc({ volume_type: r.volume_type, os: r.os, result: r.path === 'pool-hit' ? 'hit' : 'miss' }, r.n);
  const transfers = counter('blockflow_transfers_failed_total', 'System-disk hand-overs that failed', ['stage']);
  transfers.inc({ stage: 'build' }, c.buildsFailedAtSystemDisk);
  transfers.inc({ stage: 'stale-pending' }, c.transfersReaped);
  const rounds = counter('blockflow_pool_rounds_total', 'Pool rounds recorded', ['kind']);
  for (const r of c.rounds) rounds.inc({ kind: r.kind }, r.n);
  const inFlight = gauge('blockflow_server_builds_in_flight', 'Server builds running, by step', ['step']);
  for (const r of c.buildsInFlight) inFlight.set({ step: r.step }, r.n);
  gauge('blockflow_server_builds_stuck', 'Server builds whose undo or delete gave up: the reaper retries them', []).set(
    c.buildsStuck,
  );

  const skipped = counter('blockflow_schedule_skipped_overlap_total', 'Schedule runs skipped: a round still ran', [
    'schedule',
  ]);
  const actions = counter('blockflow_schedule_actions_total', 'Rounds a schedule started', ['schedule']);
  const paused = gauge('blockflow_schedule_paused', '1 while the schedule is paused', ['schedule']);
  for (const s of schedules) {
    skipped.inc({ schedule: s.id }, s.skippedOverlap);
    actions.inc({ schedule: s.id }, s.actionsTaken);
    paused.set({ schedule: s.id }, s.paused ? 1 : 0);
  }
  return reg;
}

/** The SDK exporter's text, and whether it answered (an `up` gauge of our own). */
async function temporalSdkMetrics(): Promise<string> {
  const address = temporalSdkMetricsAddress();
  if (!address) return '';
  const up = (v: number) =>
    `# HELP blockflow_temporal_sdk_metrics_up 1 when the Temporal SDK exporter answered\n` +
    `# TYPE blockflow_temporal_sdk_metrics_up gauge\nblockflow_temporal_sdk_metrics_up ${v}\n`;
  try {
    const res = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? `${up(1)}${await res.text()}` : up(0);
  } catch {
    return up(0);
  }
}

export function metricsRoutes(deps: ApiDeps) {
  return createRouter().openapi(route, async (c) => {
    const [pool, histograms, sdk] = await Promise.all([
      poolRegistry(deps),
      Promise.all([...POOL_HISTOGRAMS, ...BUILD_HISTOGRAMS].map((h) => readHistogram(deps.prisma, h))),
      temporalSdkMetrics(),
    ]);
    const text = [await pool.metrics(), ...histograms.map(renderHistogram), await processMetrics().metrics(), sdk];
    return c.text(text.join('\n'), 200, { 'Content-Type': CONTENT_TYPE });
  });
}
