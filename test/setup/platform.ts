// Global set-up of the "platform" test project: one real PostgreSQL cluster (private, migrated)
// and one real Temporal dev server (in-memory, headless), started once and stopped by PID at the
// end. Files run side by side without sharing state: each file gets a database of its own, a copy
// of the migrated one, and each vitest worker a namespace of its own (platform-worker.ts points the
// file at them). Test files get the addresses through vitest's inject().
import { rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEphemeralServices } from '../../infra/ephemeral';
import { workflowBundle } from '../../worker/worker';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This file's own database (platform-worker.ts). */
    databaseUrl: string;
    postgresServerUrl: string;
    temporalAddress: string;
    /** This file's worker's namespace (platform-worker.ts). */
    temporalNamespace: string;
    /** The namespace of each vitest worker, by VITEST_POOL_ID - 1. */
    workerNamespaces: string[];
    /** The workflow code bundled once, for the workers tests start (BLOCKFLOW_WORKFLOW_BUNDLE). */
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  // One namespace per file vitest may run at once (its pool ids go 1..maxWorkers).
  const workers = project.config.maxWorkers || project.vitest.config.maxWorkers || availableParallelism();
  const namespaces = Array.from({ length: workers }, (_, i) => `worker-${i + 1}`);
  const services = await startEphemeralServices({
    name: 'platform',
    namespaces,
    // A file opens up to ~40 sessions (its API's and worker's pools; server-concurrency 25 more of its own).
    maxConnections: 100 + 60 * workers,
    log: (line) => console.log(`[platform setup] ${line}`),
  });
  project.provide('databaseUrl', services.databaseUrl);
  project.provide('postgresServerUrl', services.postgresServerUrl);
  project.provide('temporalAddress', services.temporalAddress);
  project.provide('temporalNamespace', 'default');
  project.provide('workerNamespaces', namespaces);
  const bundlePath = join(tmpdir(), `blockflow-workflows-${process.pid}.js`);
  writeFileSync(bundlePath, (await workflowBundle()).code);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await services.stop();
    rmSync(bundlePath, { force: true });
  };
}
