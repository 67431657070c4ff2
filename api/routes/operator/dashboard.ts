// The operator's dashboard: the page at `/` (static HTML and a small script from api/dashboard/, no
// build step) and the read routes it needs beyond /v1/pool and /v1/pool/catalog.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRoute } from '@hono/zod-openapi';
import type { ApiDeps } from '../../deps';
import { operatorOptional, response } from '../../openapi';
import { isOperator } from '../../auth';
import { problemResponse } from '../../problem';
import { createRouter } from '../../router';
import { poolHistory } from '../../../pool/level-history';
import { claimsSince, createLatencySince, lastRounds } from '../../../pool/reads';
import { inFlight } from './dashboard-reads';
import {
  Claims,
  CreateLatency,
  HistoryQuery,
  InFlight,
  Links,
  PoolHistory,
  Rounds,
  RoundsQuery,
  WindowQuery,
} from './dashboard-schemas';

const badQuery = { 400: problemResponse('a query parameter out of range (named in `field`)') };
const get = <P extends string>(path: P, summary: string) => ({ method: 'get' as const, path, summary });

const routes = {
  claims: createRoute({
    ...get('/claims', 'System disks per kind: pool hits, fallbacks, hand-over latency'),
    request: { query: WindowQuery },
    responses: { 200: response('per kind', Claims), ...badQuery },
  }),
  createLatency: createRoute({
    ...get('/create-latency', 'Spare creates: intent to available, as a distribution'),
    request: { query: WindowQuery },
    responses: { 200: response('buckets (count per bucket, not cumulative)', CreateLatency), ...badQuery },
  }),
  history: createRoute({
    ...get('/pool-history', 'Pool levels per kind over the last hours'),
    request: { query: HistoryQuery },
    responses: { 200: response('samples per kind', PoolHistory), ...badQuery },
  }),
  rounds: createRoute({
    ...get('/rounds', 'The last pool rounds and what they did'),
    request: { query: RoundsQuery },
    responses: { 200: response('newest first', Rounds), ...badQuery },
  }),
  inFlight: createRoute({
    ...get(
      '/in-flight',
      "Server builds, drills and clones running now, with their step (the operator's; others get counts only)",
    ),
    security: operatorOptional,
    responses: { 200: response('running work', InFlight) },
  }),
  links: createRoute({
    ...get('/links', 'Where the Temporal Web UI is, for links to each workflow'),
    responses: { 200: response('links', Links) },
  }),
};

const STATIC = join(import.meta.dirname, '..', '..', 'dashboard');
const files = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'charts.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
} as const;

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

/** The dashboard's reads, mounted on /v1/dashboard. */
export function dashboardRoutes(deps: ApiDeps) {
  const { prisma, temporal } = deps;
  return createRouter()
    .openapi(routes.claims, async (c) => {
      const since = hoursAgo(c.req.valid('query').hours);
      return c.json({ since: since.toISOString(), kinds: await claimsSince(prisma, since) }, 200);
    })
    .openapi(routes.createLatency, async (c) => {
      const since = hoursAgo(c.req.valid('query').hours);
      return c.json({ since: since.toISOString(), ...(await createLatencySince(prisma, since)) }, 200);
    })
    .openapi(routes.history, async (c) => {
      const { hours, points } = c.req.valid('query');
      const to = new Date();
      const from = hoursAgo(hours);
      const kinds = await poolHistory(prisma, from, to, points);
      return c.json({ from: from.toISOString(), to: to.toISOString(), kinds }, 200);
    })
    .openapi(routes.rounds, async (c) => c.json({ rounds: await lastRounds(prisma, c.req.valid('query').limit) }, 200))
    .openapi(routes.inFlight, async (c) => c.json(await inFlight(prisma, temporal, isOperator(c)), 200))
    .openapi(routes.links, (c) =>
      c.json({ temporalUi: deps.temporalUiUrl ?? null, namespace: temporal.options.namespace }, 200),
    );
}

/** The page at / and its assets: read once, served as they are (no build step, nothing generated). */
export function dashboardPage() {
  const router = createRouter();
  for (const [name, type] of Object.entries(files)) {
    const body = readFileSync(join(STATIC, name), 'utf8');
    const path = name === 'index.html' ? '/' : `/dashboard/${name}`;
    router.get(path, (c) => c.body(body, 200, { 'Content-Type': type, 'Cache-Control': 'no-cache' }));
  }
  return router;
}
