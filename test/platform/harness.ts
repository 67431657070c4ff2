// What a platform test needs, all real: the simulator on loopback, the migrated PostgreSQL and
// the Temporal server from the global set-up, a worker on a task queue of its own, and the API
// served over HTTP.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { inject } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../openstack-sim';
import { connectCloud, type CloudClients } from '../../openstack/cloud';
import type { PrismaClient } from '../../prisma/client';
import { colocatedWorker, compose, runWorker, type RunningWorker } from '../../bin/compose';
import { createApp } from '../../api/app';
import type { ApiDeps } from '../../api/deps';
import { SIMULATOR_ADMIN } from '../../infra/stack';
import { waitForWith } from '../support/wait-for';

// Workers log state changes at INFO; keep test output to warnings.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  /* already installed by an earlier file in this process */
}

export const API_TOKEN = 'test-token-0123456789abcdef';

export interface Platform {
  sim: RunningSimulator;
  cloud: CloudClients;
  prisma: PrismaClient;
  client: Client;
  taskQueue: string;
  /** the workers' chunk store (close() removes it) */
  chunkStoreDir: string;
  apiUrl: string;
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  /** fetch against the API with the bearer token. */
  api(
    path: string,
    init?: { method?: string; body?: unknown; token?: string | null },
  ): Promise<{ status: number; body: any }>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export interface PlatformOptions {
  sim?: SimulatorOptions;
  worker?: boolean;
  /** Test-only switch: claims and IP allocations without their row locks (the controls). */
  unsafeNoLocking?: boolean;
  /** PostgreSQL and Temporal of the test's own (one it restarts), instead of the global set-up's. */
  services?: { databaseUrl: string; temporalAddress: string; namespace?: string };
}

/** The simulated cloud's delays in the platform tests, unless a test sets its own. */
export const SIM_DELAYS = {
  createDelayMs: 300,
  plainCreateDelayMs: 100,
  deleteDelayMs: 50,
  serverBootDelayMs: 200,
} as const;

export async function startPlatform(opts: PlatformOptions = {}): Promise<Platform> {
  const sim = await startSimulator({ ...SIM_DELAYS, ...opts.sim });
  const cloud = connectCloud({
    authUrl: sim.authUrl,
    admin: SIMULATOR_ADMIN,
    userDomainName: 'Default',
    projectDomainName: 'Default',
    // OS_REQUEST_TIMEOUT_MS's default, as in production: the simulator runs in this process, and with
    // files side by side on 2 cores, 100 builds at once kept it from answering within 10 s.
    timeoutMs: 30_000,
  });
  const taskQueue = `test-${randomUUID().slice(0, 8)}`;
  const chunkStoreDir = join(tmpdir(), `blockflow-chunkstore-${taskQueue}`);
  // The global set-up's, as this file's worker sees them (test/setup/platform-worker.ts).
  const {
    databaseUrl,
    temporalAddress,
    namespace = 'default',
  } = opts.services ?? {
    databaseUrl: inject('databaseUrl'),
    temporalAddress: inject('temporalAddress'),
    namespace: inject('temporalNamespace'),
  };
  const blockflow = await compose({
    cloud,
    databaseUrl,
    temporalAddress,
    namespace,
    taskQueue,
    chunkStoreDir,
    unsafeNoLocking: opts.unsafeNoLocking,
  });
  const { prisma, temporal: client } = blockflow;
  // As in `npm start` (role all): while the in-process worker runs, builds start eagerly on it.
  const deps: ApiDeps = { temporal: client, taskQueue, prisma, cloud, apiToken: API_TOKEN };
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let running: RunningWorker | undefined;
  const platform: Platform = {
    sim,
    cloud,
    prisma,
    client,
    taskQueue,
    chunkStoreDir,
    apiUrl,
    databaseUrl,
    temporalAddress,
    namespace,
    async api(path, init = {}) {
      const token = init.token === undefined ? API_TOKEN : init.token;
      const res = await fetch(`${apiUrl}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async startWorker() {
      running = await runWorker(blockflow, { handleSignals: false });
      deps.colocatedWorker = colocatedWorker(blockflow, running);
    },
    async stopWorker() {
      deps.colocatedWorker = undefined;
      await running?.stop();
      running = undefined;
    },
    async close() {
      await platform.stopWorker();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await blockflow.close();
      await sim.stop().catch(() => {});
      // volumes of the file's tests: GBs per file, which filled /tmp (72 GB) over a day of runs
      await rm(chunkStoreDir, { recursive: true, force: true });
    },
  };
  if (opts.worker !== false) await platform.startWorker();
  return platform;
}

/** Empties every pool table (a file's worker database holds what earlier files on that worker left). */
export async function resetPoolTables(db: PrismaClient): Promise<void> {
  await db.$executeRaw`TRUNCATE spare_volumes, os_images, pool_policies, pool_settings, pool_rounds,
    pool_demand, pool_targets RESTART IDENTITY`;
}

/** Polls every 100 ms, 30 s unless told: platform waits go through Temporal and PostgreSQL. */
export const waitFor = waitForWith({ timeoutMs: 30_000, intervalMs: 100 });
