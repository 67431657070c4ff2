// Write side of the pool: settings and policies (taking effect without a restart: the schedules
// are updated at once and every round reads the policy when it starts), run a round now,
// pause/resume the schedules, and the image-catalog sync.
import { createRoute, z } from '@hono/zod-openapi';
import {
  asPolicy,
  pauseOrResumeSchedules,
  POLICY_DEMANDS,
  PolicyBoundsError,
  syncCatalogNow,
  updateSettings,
  upsertPolicy,
} from '../../../pool/admin';
import { REFRESH_MODES } from '../../../pool/refresh';
import { MAX_TARGET, SIZING_MODES } from '../../../pool/sizing';
import { PoolSettingsValues, readPoolSettings } from '../../../pool/settings';
import { ifScheduleExists, triggerRound } from '../../../pool/schedules';
import type { ApiDeps } from '../../deps';
import { json, jsonBody, response, security } from '../../openapi';
import { conflict, invalidRequest, problemResponse } from '../../problem';
import { nextOffsetField, pageArgs, pageOf, PageQuery } from '../../schemas/page';
import { createRouter } from '../../router';

const Settings = z.object(PoolSettingsValues.shape).openapi('PoolSettings');
const SettingsPatch = Settings.partial().strict();
const QuotaFitView = z
  .object({
    fits: z.boolean().nullable(),
    beyondQuota: z.array(z.object({ volumeType: z.string(), osName: z.string(), count: z.number().int() })),
    message: z.string(),
  })
  .openapi('PoolQuotaFit', {
    description: "whether the targets fit in the admin project's Cinder quota (stored either way)",
  });
const Demand = z.enum(POLICY_DEMANDS);
const Refresh = z.enum(REFRESH_MODES).openapi({
  description:
    "how a replaced snapshot's spares go: rolling (new generation built first, EC2 instance refresh) or " +
    "immediate (purged by the sync, seed 001's sync_os)",
});
const MinHealthyPercent = z.number().int().min(0).max(100).openapi({
  description: "a rolling refresh keeps this percent of the target available (EC2's MinHealthyPercentage)",
});
const Sizing = z.enum(SIZING_MODES).openapi({
  description:
    'how the target is set: static (demand tier or override), forecastOnly (the forecast is shown in GET /v1/pool, ' +
    'the target stays static: EC2 predictive scaling ForecastOnly) or forecastAndScale (the forecast sets it)',
});
const Target = z.number().int().min(0).max(MAX_TARGET);
const TargetFloor = Target.openapi({ description: 'a forecast-set target never goes below this (MinSize)' });
const TargetCeiling = Target.nullable().openapi({
  description: 'nor above this (MaxSize); null: only the quota bounds it',
});
const Policy = z
  .object({
    volumeType: z.string(),
    osName: z.string(),
    demand: Demand,
    targetOverride: z.number().int().nullable(),
    enabled: z.boolean(),
    refresh: Refresh,
    minHealthyPercent: MinHealthyPercent,
    sizing: Sizing,
    targetFloor: TargetFloor,
    targetCeiling: TargetCeiling,
  })
  .openapi('PoolPolicy');
const PolicyPatch = z
  .object({
    demand: Demand.optional(),
    targetOverride: Target.nullable().optional(),
    enabled: z.boolean().optional(),
    refresh: Refresh.optional(),
    minHealthyPercent: MinHealthyPercent.optional(),
    sizing: Sizing.optional(),
    targetFloor: TargetFloor.optional(),
    targetCeiling: TargetCeiling.optional(),
  })
  .strict();
const PolicyKey = z.object({ volumeType: z.string().min(1).max(64), osName: z.string().min(1).max(128) });
const RoundRequest = z.object({ kind: z.enum(['replenish', 'reconcile']) }).strict();
const ScheduleAction = z.object({ action: z.enum(['pause', 'resume']) });
const ScheduleNote = z.object({ note: z.string().max(200).optional() }).strict();
const Accepted = z.object({ workflowId: z.string().optional(), message: z.string() });
const SyncResult = z.object({ workflowId: z.string(), result: z.unknown() });

const NOT_SET_UP = problemResponse('the pool has no settings yet (the start-up seeds them)');

const routes = {
  getSettings: createRoute({
    method: 'get',
    path: '/settings',
    summary: 'Pool settings',
    responses: { 200: response('settings', Settings), 409: NOT_SET_UP },
  }),
  putSettings: createRoute({
    method: 'patch',
    path: '/settings',
    summary: 'Change pool settings; schedules follow at once',
    security,
    request: jsonBody(SettingsPatch),
    responses: { 200: response('new settings', Settings.extend({ quota: QuotaFitView })), 409: NOT_SET_UP },
  }),
  getPolicies: createRoute({
    method: 'get',
    path: '/policies',
    summary: 'Target per (volume type, OS)',
    request: { query: PageQuery },
    responses: {
      200: response('policies', z.object({ policies: z.array(Policy), nextOffset: nextOffsetField })),
    },
  }),
  putPolicy: createRoute({
    method: 'put',
    path: '/policies/{volumeType}/{osName}',
    summary: 'Create or change the policy of one (volume type, OS)',
    security,
    request: { params: PolicyKey, ...jsonBody(PolicyPatch) },
    responses: {
      200: response('policy', Policy.extend({ quota: QuotaFitView })),
      400: problemResponse('a field is invalid, or the floor would be above the ceiling'),
    },
  }),
  runRound: createRoute({
    method: 'post',
    path: '/rounds',
    summary: 'Run a replenish or reconcile round now (skipped if one is running)',
    security,
    request: jsonBody(RoundRequest),
    responses: { 202: response('triggered', Accepted), 409: problemResponse('no schedules yet') },
  }),
  pause: createRoute({
    method: 'post',
    path: '/schedules/{action}',
    summary: 'Pause or resume both pool schedules',
    security,
    request: { params: ScheduleAction, body: { required: false, ...json(ScheduleNote) } },
    responses: { 200: response('done', Accepted), 409: problemResponse('no schedules yet') },
  }),
  syncCatalog: createRoute({
    method: 'post',
    path: '/catalog/sync',
    summary:
      "Rebuild the OS catalog from Cinder's snapshots; purge stale spares (refresh immediate) or refresh rolling",
    security,
    responses: { 200: response('result', SyncResult), 409: problemResponse('a sync is running') },
  }),
};

const NO_SCHEDULES = conflict("the pool's schedules are not set up yet (the worker's start-up creates them)");

type PoolPolicyRow = Awaited<ReturnType<typeof upsertPolicy>>['policy'];

export function poolAdminRoutes(deps: ApiDeps) {
  const { prisma, temporal } = deps;
  return createRouter()
    .openapi(routes.getSettings, async (c) => c.json(await readPoolSettings(prisma), 200))
    .openapi(routes.putSettings, async (c) => {
      const { settings, quota } = await updateSettings(deps, c.req.valid('json'));
      return c.json({ ...settings, quota }, 200);
    })
    .openapi(routes.getPolicies, async (c) => {
      const page = c.req.valid('query');
      const rows = await prisma.poolPolicy.findMany({
        orderBy: [{ volumeType: 'asc' }, { osName: 'asc' }],
        ...pageArgs(page),
      });
      const { items, nextOffset } = pageOf(rows, page);
      return c.json({ policies: items.map((row) => policyView(asPolicy(row))), nextOffset }, 200);
    })
    .openapi(routes.putPolicy, async (c) => {
      try {
        const { policy, quota } = await upsertPolicy(deps, c.req.valid('param'), c.req.valid('json'));
        return c.json({ ...policyView(policy), quota }, 200);
      } catch (err) {
        if (err instanceof PolicyBoundsError) return c.json(invalidRequest(err.field, err.message), 400);
        throw err;
      }
    })
    .openapi(routes.runRound, async (c) => {
      const { kind } = c.req.valid('json');
      if (!(await ifScheduleExists(() => triggerRound(temporal, kind)))) return c.json(NO_SCHEDULES, 409);
      return c.json({ message: `${kind} round triggered (skipped if one is still running)` }, 202);
    })
    .openapi(routes.pause, async (c) => {
      const { action } = c.req.valid('param');
      const given = (c.req.valid('json') as { note?: string } | undefined)?.note;
      const note = `${action} via API${given ? `: ${given}` : ''}`;
      if (!(await pauseOrResumeSchedules(temporal, action, note))) return c.json(NO_SCHEDULES, 409);
      return c.json({ message: `pool schedules ${action === 'pause' ? 'paused' : 'resumed'}` }, 200);
    })
    .openapi(routes.syncCatalog, async (c) => {
      const synced = await syncCatalogNow(deps);
      if (synced === 'running')
        return c.json(conflict('a sync of the image catalog is running; ask again when it has ended'), 409);
      return c.json(synced, 200);
    });
}

function policyView({ updatedAt: _updatedAt, ...policy }: PoolPolicyRow): z.infer<typeof Policy> {
  return policy;
}
