// The one composition root: every process (the start command, a standalone worker, the platform
// tests) builds blockflow's dependencies here from the endpoints it was given, so a new
// dependency is wired once and closed once.
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type Activities } from '../activities';
import { closeChunkStores } from '../chunk-volumes/store-registry';
import { releaseDrillDaemons } from '../activities/drills/preflight';
import { createPrisma, type PrismaClient } from '../prisma/client';
import type { CloudClients } from '../openstack/cloud';
import { createWorker } from '../worker/worker';

export interface Endpoints {
  /** Already connected (and, in a process that starts up, already checked with checkCloud). */
  cloud: CloudClients;
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** The chunk store's directory; unset = CHUNKSTORE_DIR's default. */
  chunkStoreDir?: string;
  /** Test-only (activities/index.ts): claims and IP allocations without their row locks. */
  unsafeNoLocking?: boolean;
}

export interface Composition extends Endpoints {
  prisma: PrismaClient;
  /** A Temporal client (the API starts workflows with it; pool activities steer schedules). */
  temporal: Client;
  activities: Activities;
  /** Closes the clients compose opened (not the servers behind them). */
  close(): Promise<void>;
}

export async function compose(endpoints: Endpoints): Promise<Composition> {
  const prisma = createPrisma(endpoints.databaseUrl);
  const connection = await Connection.connect({ address: endpoints.temporalAddress });
  const temporal = new Client({ connection, namespace: endpoints.namespace });
  const activities = createActivities({
    cloud: endpoints.cloud,
    prisma,
    temporal,
    chunkStoreDir: endpoints.chunkStoreDir,
    unsafeNoLocking: endpoints.unsafeNoLocking,
  });
  return {
    ...endpoints,
    prisma,
    temporal,
    activities,
    async close() {
      await connection.close();
      await prisma.$disconnect();
    },
  };
}

export interface RunningWorker {
  worker: Worker;
  /** The worker's own connection: a client over it can start workflows eagerly on this worker. */
  connection: NativeConnection;
  /** Settles when the worker has stopped polling and drained. */
  done: Promise<void>;
  /** Drains the worker, then closes what only a worker holds: chunk stores, libvirt daemons. */
  stop(): Promise<void>;
}

/**
 * Starts polling the composition's task queue. `handleSignals`: let the SDK drain the worker on
 * SIGINT/SIGTERM (a standalone worker); false when the caller owns shutdown order.
 * `sdkMetricsAddress`: where the SDK's own Prometheus exporter listens (none when unset).
 */
export async function runWorker(
  c: Composition,
  opts: { handleSignals: boolean; sdkMetricsAddress?: string },
): Promise<RunningWorker> {
  const { worker, connection } = await createWorker({
    address: c.temporalAddress,
    namespace: c.namespace,
    taskQueue: c.taskQueue,
    activities: c.activities,
    handleSignals: opts.handleSignals,
    sdkMetricsAddress: opts.sdkMetricsAddress,
  });
  const done = worker.run();
  let stopped: Promise<void> | undefined;
  return {
    worker,
    connection,
    done,
    stop: () => (stopped ??= drainAndClose(worker, done, connection)),
  };
}

/** A client over a worker's own connection, for an API in the same process to start workflows eagerly on it. */
export const colocatedWorker = (c: Composition, worker: RunningWorker) => ({
  client: new Client({ connection: worker.connection, namespace: c.namespace }),
});

async function drainAndClose(worker: Worker, done: Promise<void>, connection: NativeConnection): Promise<void> {
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await done;
  await connection.close();
  // Only once the worker has drained: no activity uses a store or a daemon any more.
  await closeChunkStores();
  await releaseDrillDaemons();
}
