// blockflow composed against the real peer, for the server flow's end-to-end contract: a private
// PostgreSQL (migrated) and Temporal dev server (infra/ephemeral.ts, what the platform tests' global
// set-up starts), a worker on its own task queue, the API over HTTP, the pool filled from the peer's
// OS image snapshot and its network "private" managed. Started only by the suite that needs it.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createApp } from '../../api/app';
import { compose, runWorker, type Composition, type RunningWorker } from '../../bin/compose';
import { startEphemeralServices } from '../../infra/ephemeral';
import { SIMULATOR_ADMIN } from '../../infra/stack';
import { connectCloud } from '../../openstack/cloud';
import { KeystoneSession } from '../../openstack/keystone';
import { seedPoolSettings, type PoolConfig } from '../../pool/settings';
import { reconcilePool, replenishPool, syncOsCatalog } from '../../workflows';
import { waitForWith } from '../support/wait-for';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  /* already installed in this process */
}

const API_TOKEN = `contract-${randomUUID()}`;

/** One kind of spare: the peer's only OS image snapshot, `sysdisk-sas-Debian9 64bit`. */
export const FLOW_POOL: PoolConfig = {
  volumeTypes: ['sas'],
  osHighDemand: ['Debian9 64bit'],
  osLowDemand: [],
  targetHighDemand: 1,
  targetLowDemand: 1,
  replenishIntervalSeconds: 3600,
  reconcileIntervalSeconds: 3600,
  createIntervalSeconds: 0,
  throttleMode: 'fixed',
  snapshotNamePattern: '^sysdisk-(?<type>[a-z0-9]+)-(?<os>.+)$',
};

export const flowWait = waitForWith({ timeoutMs: 120_000, intervalMs: 250 });

export interface FlowPlatform {
  blockflow: Composition;
  /** A tenant route or an operator route (token: a Keystone token, or undefined for the operator's). */
  api(
    path: string,
    init?: { method?: string; body?: unknown; keystoneToken?: string },
  ): Promise<{ status: number; body: any }>;
  tenantToken(): Promise<string>;
  /** Runs a pool workflow (no arguments) to its end. */
  run(workflow: () => Promise<unknown>): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startFlowPlatform(authUrl: string): Promise<FlowPlatform> {
  const services = await startEphemeralServices({ name: 'contract-flow', log: (l) => console.log(`[flow] ${l}`) });
  const cloud = connectCloud({
    authUrl,
    admin: SIMULATOR_ADMIN,
    userDomainName: 'Default',
    projectDomainName: 'Default',
    timeoutMs: 30_000,
  });
  const taskQueue = `contract-flow-${randomUUID().slice(0, 8)}`;
  let blockflow: Composition | undefined;
  let worker: RunningWorker | undefined;
  let server: ReturnType<typeof serve> | undefined;
  const chunkStoreDir = join(tmpdir(), `blockflow-chunkstore-${taskQueue}`);
  const stop = async () => {
    await worker?.stop();
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await blockflow?.close();
    await services.stop();
    await rm(chunkStoreDir, { recursive: true, force: true });
  };
  try {
    blockflow = await compose({
      cloud,
      databaseUrl: services.databaseUrl,
      temporalAddress: services.temporalAddress,
      namespace: 'default',
      taskQueue,
      chunkStoreDir,
    });
    const app = createApp({
      temporal: blockflow.temporal,
      taskQueue,
      prisma: blockflow.prisma,
      cloud,
      apiToken: API_TOKEN,
    });
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server!.once('listening', resolve));
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    worker = await runWorker(blockflow, { handleSignals: false });
    const composed = blockflow;
    let counter = 0;
    return {
      blockflow: composed,
      async api(path, init = {}) {
        const res = await fetch(`${apiUrl}${path}`, {
          method: init.method ?? 'GET',
          headers: {
            ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
            ...(init.keystoneToken ? { 'X-Auth-Token': init.keystoneToken } : { Authorization: `Bearer ${API_TOKEN}` }),
          },
          body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
        });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : undefined };
      },
      async tenantToken() {
        const session = new KeystoneSession({
          authUrl,
          username: 'demo',
          password: 'demo-secret',
          projectName: 'demo',
          userDomainName: 'Default',
          projectDomainName: 'Default',
        });
        return (await session.authenticate()).token;
      },
      run: (workflow) =>
        composed.temporal.workflow.execute(workflow, {
          taskQueue,
          workflowId: `${workflow.name}-${Date.now()}-${counter++}`,
        }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The pool's settings, its OS catalog from the peer's snapshots, and every spare available. */
export async function fillFlowPool(p: FlowPlatform): Promise<void> {
  const { prisma } = p.blockflow;
  await seedPoolSettings(prisma, FLOW_POOL);
  await p.run(syncOsCatalog);
  await p.run(replenishPool);
  await flowWait('every spare available', async () => {
    await p.run(reconcilePool);
    const spares = await prisma.spareVolume.findMany();
    return spares.length > 0 && spares.every((s) => s.status === 'available');
  });
}
