// The operator's changes to the pool, one function per use case: the API's handlers and the start-up
// call these. Settings and policies take effect without a restart (the schedules follow a new interval
// at once; every round reads the policy when it starts), and a change of targets answers whether they
// fit in the admin project's Cinder quota (stored either way).
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { CloudClients } from '../openstack/cloud';
import type { PrismaClient } from '../prisma/client';
import { syncOsCatalog } from '../workflows/pool/sync-os-catalog';
import type { PoolKind } from './kinds';
import { REFRESH_MODES, type RefreshMode } from './refresh';
import { loadReplenishPlan, quotaFit, type QuotaFit } from './plan';
import {
  ensurePoolSchedules,
  ifScheduleExists,
  RECONCILE_SCHEDULE,
  REPLENISH_SCHEDULE,
  SYNC_OS_WORKFLOW_ID,
} from './schedules';
import { PoolNotSetUp, readPoolSettings, type PoolSettingsValues } from './settings';

export interface PoolAdminDeps {
  prisma: PrismaClient;
  temporal: Client;
  taskQueue: string;
  /** For the quota answer; without it the targets are unchecked. */
  cloud?: CloudClients;
}

export const POLICY_DEMANDS = ['high', 'low'] as const;
export type PolicyDemand = (typeof POLICY_DEMANDS)[number];

/** A policy row in the schema's terms: its demand and refresh checked to be words of their vocabularies, not cast. */
export function asPolicy<T extends { demand: string; refresh: string }>(
  row: T,
): T & { demand: PolicyDemand; refresh: RefreshMode } {
  const demand = POLICY_DEMANDS.find((d) => d === row.demand);
  if (!demand) throw new Error(`pool_policies: demand ${JSON.stringify(row.demand)} is none of ${POLICY_DEMANDS}`);
  const refresh = REFRESH_MODES.find((m) => m === row.refresh);
  if (!refresh) throw new Error(`pool_policies: refresh ${JSON.stringify(row.refresh)} is none of ${REFRESH_MODES}`);
  return { ...row, demand, refresh };
}

export interface PolicyChange {
  demand?: PolicyDemand;
  targetOverride?: number | null;
  enabled?: boolean;
  /** How a replaced snapshot's spares go (issue 23); a new policy: rolling. */
  refresh?: RefreshMode;
  /** A rolling refresh's floor, percent of the target (0-100); a new policy: 100. */
  minHealthyPercent?: number;
}

/** Stores the change, has the schedules follow the stored intervals, and says whether the targets fit. */
export async function updateSettings(
  deps: PoolAdminDeps,
  patch: Partial<PoolSettingsValues>,
): Promise<{ settings: PoolSettingsValues; quota: QuotaFit }> {
  // Only settings the start-up seeded are changed (none: PoolNotSetUp, nothing written).
  const { count } = await deps.prisma.poolSettings.updateMany({ where: { id: 1 }, data: patch });
  if (!count) throw new PoolNotSetUp();
  const settings = await applyScheduleIntervals(deps);
  return { settings, quota: await quotaAnswer(deps) };
}

/** The replenish and reconcile schedules at the stored intervals (created if absent); the settings read. */
export async function applyScheduleIntervals(deps: PoolAdminDeps): Promise<PoolSettingsValues> {
  const settings = await readPoolSettings(deps.prisma);
  await ensurePoolSchedules(deps.temporal, deps.taskQueue, {
    replenishSeconds: settings.replenishIntervalSeconds,
    reconcileSeconds: settings.reconcileIntervalSeconds,
  });
  return settings;
}

/** Creates or changes one kind's policy (new: low demand, enabled, no override, rolling at 100 % unless given). */
export async function upsertPolicy(deps: PoolAdminDeps, kind: PoolKind, change: PolicyChange) {
  const policy = await deps.prisma.poolPolicy.upsert({
    where: { volumeType_osName: kind },
    create: {
      ...kind,
      demand: change.demand ?? 'low',
      targetOverride: change.targetOverride ?? null,
      enabled: change.enabled ?? true,
      refresh: change.refresh ?? 'rolling',
      minHealthyPercent: change.minHealthyPercent ?? 100,
    },
    update: change,
  });
  return { policy: asPolicy(policy), quota: await quotaAnswer(deps) };
}

/**
 * Whether the targets now stored fit in the admin project's quota: what a target change answers.
 * The change is stored either way, so a plan that cannot be made (no pool settings yet) says so.
 */
export async function quotaAnswer(deps: PoolAdminDeps): Promise<QuotaFit> {
  try {
    return quotaFit(await loadReplenishPlan(deps.prisma, deps.cloud));
  } catch (err) {
    return { fits: null, beyondQuota: [], message: `the targets are unchecked: ${(err as Error).message}` };
  }
}

/** Pauses or resumes both pool schedules; false when they do not exist yet. */
export async function pauseOrResumeSchedules(
  temporal: Client,
  action: 'pause' | 'resume',
  note: string,
): Promise<boolean> {
  for (const id of [REPLENISH_SCHEDULE, RECONCILE_SCHEDULE]) {
    const handle = temporal.schedule.getHandle(id);
    if (!(await ifScheduleExists(() => (action === 'pause' ? handle.pause(note) : handle.unpause(note))))) return false;
  }
  return true;
}

/** Runs the image-catalog sync (sync_os) now and waits for it; `running` when one already is. */
export async function syncCatalogNow(deps: PoolAdminDeps) {
  try {
    const result = await deps.temporal.workflow.execute(syncOsCatalog, {
      taskQueue: deps.taskQueue,
      workflowId: SYNC_OS_WORKFLOW_ID,
      args: [],
    });
    return { workflowId: SYNC_OS_WORKFLOW_ID, result };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    return 'running' as const;
  }
}
