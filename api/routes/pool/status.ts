// Read side of the pool: per (type, OS) counts against targets, recent failures, last rounds,
// the schedules' state and the image catalog.
import { createRoute, z } from '@hono/zod-openapi';
import { oneOf } from '../../../lib/vocabulary';
import { KIND_STATUSES, sameKind } from '../../../pool/kinds';
import { planOf, readPlanInputs } from '../../../pool/plan';
import { REFRESH_STATES } from '../../../pool/refresh';
import { CATALOG_SYNC_SCHEDULE, RECONCILE_SCHEDULE, REPLENISH_SCHEDULE } from '../../../pool/schedules';
import { SIZING_MODES, sizingOf } from '../../../pool/sizing';
import { DropReason, type ReconcileSummary } from '../../../pool/reconcile';
import type { ApiDeps } from '../../deps';
import { response } from '../../openapi';
import { createRouter } from '../../router';
import { nextOffsetField, pageArgs, pageOf, PageQuery } from '../../schemas/page';

const Round = z
  .object({
    id: z.string(),
    kind: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    created: z.number(),
    failed: z.number(),
    dropped: z.number(),
  })
  .nullable();
const Schedule = z
  .object({
    id: z.string(),
    paused: z.boolean(),
    note: z.string().optional(),
    intervalSeconds: z.number().nullable(),
    nextRuns: z.array(z.string()),
    skippedOverlap: z.number(),
    actionsTaken: z.number(),
  })
  .openapi('PoolSchedule');
const KindSizing = z
  .object({
    mode: z.enum(SIZING_MODES),
    reason: z.string().openapi({ description: 'why the kind has the target it has' }),
    forecastPerHour: z.number().nullable().openapi({ description: 'demand expected per hour over the lead time' }),
    seasonalPerHour: z.number().nullable().openapi({ description: 'the hour-of-week profile (null under 24 h)' }),
    recentPerHour: z.number().nullable().openapi({ description: 'the short-term smoothed rate' }),
    leadTimeSeconds: z.number().nullable().openapi({ description: 'measured create-to-available + throttle pace' }),
    forecastTarget: z.number().nullable().openapi({ description: 'the target the forecast sets (or would set)' }),
    burstUntil: z.string().nullable(),
    decidedAt: z.string().nullable(),
  })
  .openapi('PoolKindSizing', { description: 'how the target is set (policy sizing) and the latest forecast' });
const KindStatus = z
  .object({
    volumeType: z.string(),
    osName: z.string(),
    status: z.enum(KIND_STATUSES).openapi({
      description:
        'rolled_back: its refresh rolled back from the catalog snapshot and no older generation is left to ' +
        'refill from (otherwise it refills from the generation still serving, shown as snapshotId)',
    }),
    target: z.number(),
    available: z.number(),
    creating: z.number(),
    claimed: z.number(),
    stuck: z
      .number()
      .openapi({ description: 'creates Cinder has not finished in 30 minutes: not counted, still tracked' }),
    recentFailures: z.number(),
    beyondQuota: z.number().openapi({
      description: "missing spares the admin project's Cinder quota has no room for: not attempted",
    }),
    snapshotId: z.string().nullable(),
    refresh: z
      .object({
        workflowId: z.string(),
        snapshotId: z.string(),
        state: z.enum(REFRESH_STATES),
        reason: z.string().nullable(),
        startedAt: z.string(),
        finishedAt: z.string().nullable(),
      })
      .nullable()
      .openapi({ description: "the kind's latest rolling image refresh, and why it rolled back if it did" }),
    sizing: KindSizing,
  })
  .openapi('PoolKindStatus');
const PoolStatus = z
  .object({
    kinds: z.array(KindStatus),
    quotaError: z.string().optional().openapi({ description: 'why the quota could not be read (targets unchecked)' }),
    lastReplenish: Round,
    lastReconcile: Round,
    schedules: z.array(Schedule),
  })
  .openapi('PoolStatus');
const CatalogImage = z
  .object({
    osName: z.string(),
    volumeType: z.string(),
    snapshotId: z.string(),
    snapshotName: z.string(),
    sizeGb: z.number(),
    syncedAt: z.string(),
  })
  .openapi('CatalogImage');
const Catalog = z.object({ images: z.array(CatalogImage), nextOffset: nextOffsetField }).openapi('PoolCatalog');

const statusRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Pool status per (volume type, OS)',
  responses: { 200: response('status', PoolStatus) },
});
const catalogRoute = createRoute({
  method: 'get',
  path: '/catalog',
  summary: 'The OS image catalog (OS, volume type → snapshot)',
  request: { query: PageQuery },
  responses: { 200: response('catalog', Catalog) },
});

/** A reconcile that dropped a spare because Cinder put it in `error` counts as a failed create. */
const FAILURE_WINDOW_MS = 60 * 60_000;

type Kind = { volumeType: string; osName: string };

export function poolStatusRoutes(deps: ApiDeps) {
  const { prisma } = deps;
  return createRouter()
    .openapi(statusRoute, async (c) => {
      const [{ kinds, quotaError }, lastReplenish, lastReconcile, schedules] = await Promise.all([
        poolKindsAndQuota(prisma, deps.cloud),
        prisma.poolRound.findFirst({ where: { kind: 'replenish' }, orderBy: { startedAt: 'desc' } }),
        prisma.poolRound.findFirst({ where: { kind: 'reconcile' }, orderBy: { startedAt: 'desc' } }),
        poolSchedules(deps),
      ]);
      return c.json(
        {
          kinds,
          ...(quotaError ? { quotaError } : {}),
          lastReplenish: roundView(lastReplenish),
          lastReconcile: roundView(lastReconcile),
          schedules,
        },
        200,
      );
    })
    .openapi(catalogRoute, async (c) => {
      const page = c.req.valid('query');
      const rows = await prisma.osImage.findMany({
        orderBy: [{ volumeType: 'asc' }, { osName: 'asc' }],
        ...pageArgs(page),
      });
      const { items, nextOffset } = pageOf(rows, page);
      return c.json({ images: items.map((i) => ({ ...i, syncedAt: i.syncedAt.toISOString() })), nextOffset }, 200);
    });
}

/** Per (type, OS): status and target from the plan, counts from the table (also read by /metrics). */
export async function poolKinds(prisma: ApiDeps['prisma']): Promise<z.infer<typeof KindStatus>[]> {
  return (await poolKindsAndQuota(prisma)).kinds;
}

/** poolKinds, with the plan fitted into the admin project's quota when `cloud` is given. */
async function poolKindsAndQuota(prisma: ApiDeps['prisma'], cloud?: ApiDeps['cloud']) {
  const since = new Date(Date.now() - FAILURE_WINDOW_MS);
  // one read of policies, decisions and refreshes serves the plan and the views below alike
  const [inputs, groups, rounds] = await Promise.all([
    readPlanInputs(prisma, cloud),
    prisma.spareVolume.groupBy({ by: ['volumeType', 'osName', 'status', 'allocated'], _count: { _all: true } }),
    prisma.poolRound.findMany({ where: { kind: 'reconcile', dropped: { gt: 0 }, startedAt: { gt: since } } }),
  ]);
  const plan = planOf(inputs);
  const count = (k: Kind, pick: (g: (typeof groups)[number]) => boolean) =>
    groups.filter((g) => sameKind(g, k) && pick(g)).reduce((n, g) => n + g._count._all, 0);
  const failures = rounds
    .flatMap((r) => (r.summary as unknown as ReconcileSummary | null)?.dropped ?? [])
    .filter((d) => d.reason === DropReason.errorInCinder);
  const kinds = plan.kinds.map((k) => ({
    volumeType: k.volumeType,
    osName: k.osName,
    status: k.status,
    target: k.target,
    snapshotId: k.snapshotId ?? null,
    available: count(k, (g) => g.status === 'available' && !g.allocated),
    creating: count(k, (g) => g.status === 'creating' && !g.allocated),
    claimed: count(k, (g) => g.allocated),
    stuck: count(k, (g) => g.status === 'stuck' && !g.allocated),
    recentFailures: failures.filter((f) => sameKind(f, k)).length,
    beyondQuota: k.beyondQuota ?? 0,
    refresh: refreshView(inputs.refreshes.find((r) => sameKind(r, k))),
    // every kind of the plan is one of these policies
    sizing: sizingOf(
      inputs.policies.find((p) => sameKind(p, k))!,
      inputs.decisions.find((d) => sameKind(d, k)),
    ),
  }));
  return { kinds, quotaError: plan.quotaError };
}

function refreshView(r: RefreshRow | undefined): z.infer<typeof KindStatus>['refresh'] {
  if (!r) return null;
  const state = oneOf(REFRESH_STATES, r.state, 'pool_refreshes.state');
  const { workflowId, snapshotId, reason } = r;
  const finishedAt = r.finishedAt?.toISOString() ?? null;
  return { workflowId, snapshotId, state, reason, startedAt: r.startedAt.toISOString(), finishedAt };
}

type RefreshRow = Awaited<ReturnType<ApiDeps['prisma']['poolRefresh']['findMany']>>[number];

/** The pool's schedules as Temporal describes them, those that exist (also read by /metrics). */
export async function poolSchedules(deps: Pick<ApiDeps, 'temporal'>): Promise<z.infer<typeof Schedule>[]> {
  const ids = [REPLENISH_SCHEDULE, RECONCILE_SCHEDULE, CATALOG_SYNC_SCHEDULE];
  const all = await Promise.all(ids.map((id) => describeSchedule(deps, id)));
  return all.filter((s) => s !== null);
}

type RoundRow = {
  id: string;
  kind: string;
  startedAt: Date;
  finishedAt: Date | null;
  created: number;
  failed: number;
  dropped: number;
};

function roundView(r: RoundRow | null): z.infer<typeof Round> {
  return (
    r && {
      id: r.id,
      kind: r.kind,
      startedAt: r.startedAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
      created: r.created,
      failed: r.failed,
      dropped: r.dropped,
    }
  );
}

async function describeSchedule(deps: Pick<ApiDeps, 'temporal'>, id: string): Promise<z.infer<typeof Schedule> | null> {
  try {
    const d = await deps.temporal.schedule.getHandle(id).describe();
    const every = d.spec.intervals?.[0]?.every;
    return {
      id,
      paused: d.state.paused,
      note: d.state.note,
      intervalSeconds: typeof every === 'number' ? every / 1000 : null,
      nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
      skippedOverlap: d.info.numActionsSkippedOverlap,
      actionsTaken: d.info.numActionsTaken,
    };
  } catch {
    return null;
  }
}
