// A deployment's start-up, run by bin/start.ts in the roles that serve the API (all, api; never in a
// worker), under an advisory lock. The pool: settings from the config file (first run only), a first image-catalog
// sync when the catalog is empty, the replenish/reconcile schedules at the configured
// intervals, and a first replenish round at once (unless paused). Idempotent: running it again
// changes nothing already in place (a round already running makes the new one skipped).
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client';
import { applyScheduleIntervals } from '../pool/admin';
import { readPoolConfig, seedPoolSettings } from '../pool/settings';
import { replenishNowUnlessPaused, SYNC_OS_WORKFLOW_ID } from '../pool/schedules';
import { syncOsCatalog } from '../workflows/pool/sync-os-catalog';
import type { ProjectClients } from '../openstack/cloud';
import { manageNetwork } from '../servers/networks';

export interface PoolStartUpOptions {
  client: Client;
  prisma: PrismaClient;
  taskQueue: string;
  configFile: string;
  log: (line: string) => void;
  /**
   * Wait for the first image-catalog sync (a process with its own worker). An API replica only
   * starts it: the deployment's workers run it, and a replica must not hang until one is up.
   */
  waitForCatalog?: boolean;
}

export async function startUpPool(opts: PoolStartUpOptions): Promise<void> {
  const { client, prisma, taskQueue, log } = opts;
  if (await seedPoolSettings(prisma, readPoolConfig(opts.configFile)))
    log(`pool settings loaded from ${opts.configFile}`);
  if ((await prisma.osImage.count()) === 0 && opts.waitForCatalog === false) {
    await client.workflow
      .start(syncOsCatalog, { taskQueue, workflowId: SYNC_OS_WORKFLOW_ID, args: [] })
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      });
    log(`image catalog empty: sync ${SYNC_OS_WORKFLOW_ID} started for the workers to run`);
  } else if ((await prisma.osImage.count()) === 0) {
    // Under the one id every sync runs as (one at a time): a sync already running is waited for.
    const result = await client.workflow
      .execute(syncOsCatalog, { taskQueue, workflowId: SYNC_OS_WORKFLOW_ID, args: [] })
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        return client.workflow.getHandle<typeof syncOsCatalog>(SYNC_OS_WORKFLOW_ID).result();
      });
    log(`image catalog synced: ${result.catalog.entries.length} (type, OS) snapshots`);
  }
  // The same as a settings change through the API does (pool/admin): the schedules at the stored intervals.
  const settings = await applyScheduleIntervals({ prisma, temporal: client, taskQueue });
  log(
    `schedules: replenish every ${settings.replenishIntervalSeconds} s, ` +
      `reconcile every ${settings.reconcileIntervalSeconds} s (overlap: skip)`,
  );
  // The pool begins to fill (or catches up) now, not at the schedule's next interval.
  if (await replenishNowUnlessPaused(client)) log('first replenish round started');
  else log('replenishment is paused: no round at start (POST /v1/pool/schedules/resume)');
}

/**
 * Registers the networks servers get fixed IPs on. Idempotent: addresses in use keep their holder,
 * the operator's reserved addresses (POST /v1/networks) stay reserved.
 */
export async function manageNetworksAtStart(opts: {
  prisma: PrismaClient;
  admin: ProjectClients;
  networks: string[];
  log: (line: string) => void;
}): Promise<void> {
  for (const ref of opts.networks) {
    const network = await manageNetwork(opts.prisma, opts.admin, ref);
    opts.log(`fixed IPs handed out on network ${network.name} (${network.cidr})`);
  }
}
