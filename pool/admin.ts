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
import { SIZING_MODES, type SizingMode } from './sizing';
import { oneOf } from '../lib/vocabulary';
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

/** A policy row in the schema's terms: its vocabularies' columns checked to be words of them, not cast. */
export function asPolicy<T extends { demand: string; refresh: string; sizing: string }>(
  row: T,
): T & { demand: PolicyDemand; refresh: RefreshMode; sizing: SizingMode } {
  return {
    ...row,
    demand: oneOf(POLICY_DEMANDS, row.demand, 'pool_policies.demand'),
    refresh: oneOf(REFRESH_MODES, row.refresh, 'pool_policies.refresh'),
    sizing: oneOf(SIZING_MODES, row.sizing, 'pool_policies.sizing'),
  };
}

/** A policy change that would leave the kind's floor above its ceiling: nothing is stored. */
export class PolicyBoundsError extends Error {
  constructor(
    readonly field: 'targetFloor' | 'targetCeiling',
    floor: number,
    ceiling: number,
  ) {
    super(`the floor (${floor}) would be above the ceiling (${ceiling})`);
  }
}

export interface PolicyChange {
  demand?: PolicyDemand;
  targetOverride?: number | null;
  enabled?: boolean;
  /** How a replaced snapshot's spares go (issue 23); a new policy: rolling. */
  refresh?: RefreshMode;
  /** A rolling refresh's floor, percent of the target (0-100); a new policy: 100. */
  minHealthyPercent?: number;
  /** How the target is set (issue 23's demand-aware targets); a new policy: static. */
  sizing?: SizingMode;
  /** A forecast-set target's bounds; a new policy: 0 and none (null: only the quota bounds it). */
  targetFloor?: number;
  targetCeiling?: number | null;
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
    catalogSyncSeconds: settings.catalogSyncIntervalSeconds,
  });
  return settings;
}

/** Creates or changes one kind's policy (new: low demand, enabled, no override, rolling at 100 % unless given). */
export async function upsertPolicy(deps: PoolAdminDeps, kind: PoolKind, change: PolicyChange) {
  await checkBounds(deps.prisma, kind, change);
  const policy = await deps.prisma.poolPolicy.upsert({
    where: { volumeType_osName: kind },
    create: {
      ...kind,
      demand: change.demand ?? 'low',
      targetOverride: change.targetOverride ?? null,
      enabled: change.enabled ?? true,
      refresh: change.refresh ?? 'rolling',
      minHealthyPercent: change.minHealthyPercent ?? 100,
      sizing: change.sizing ?? 'static',
      targetFloor: change.targetFloor ?? 0,
      targetCeiling: change.targetCeiling ?? null,
    },
    update: change,
  });
  return { policy: asPolicy(policy), quota: await quotaAnswer(deps) };
}

/** Refuses a change that would put the floor above the ceiling, given what is stored (the CHECK's rule, said first). */
async function checkBounds(prisma: PrismaClient, kind: PoolKind, change: PolicyChange): Promise<void> {
  if (change.targetFloor === undefined && change.targetCeiling === undefined) return;
  const stored = await prisma.poolPolicy.findUnique({ where: { volumeType_osName: kind } });
  const floor = change.targetFloor ?? stored?.targetFloor ?? 0;
  const ceiling = change.targetCeiling === undefined ? (stored?.targetCeiling ?? null) : change.targetCeiling;
  if (ceiling !== null && floor > ceiling)
    throw new PolicyBoundsError(change.targetFloor !== undefined ? 'targetFloor' : 'targetCeiling', floor, ceiling);
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
