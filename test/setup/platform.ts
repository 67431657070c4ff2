// Global set-up of the "platform" test project: one real PostgreSQL cluster (private, migrated)
// and one real Temporal dev server (in-memory, headless), started once and stopped by PID at the
// end. Files run side by side, so each vitest worker gets a copy of its own: a database made from
// the migrated one and a namespace (platform-worker.ts points the file at it). Test files get the
// addresses through vitest's inject().
import { rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEphemeralServices, type IsolatedServices } from '../../infra/ephemeral';
import { workflowBundle } from '../../worker/worker';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This file's database (its worker's copy, set by platform-worker.ts). */
    databaseUrl: string;
    postgresServerUrl: string;
    temporalAddress: string;
    /** This file's Temporal namespace (its worker's copy, set by platform-worker.ts). */
    temporalNamespace: string;
    /** One per vitest worker, by VITEST_POOL_ID - 1. */
    workerCopies: IsolatedServices[];
    /** The workflow code bundled once, for the workers tests start (BLOCKFLOW_WORKFLOW_BUNDLE). */
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  // As many copies as vitest may run files at once (its pool ids go 1..maxWorkers).
  const workers = project.config.maxWorkers || project.vitest.config.maxWorkers || availableParallelism();
  const services = await startEphemeralServices({
    name: 'platform',
    copies: workers,
    log: (line) => console.log(`[platform setup] ${line}`),
  });
  project.provide('databaseUrl', services.databaseUrl);
  project.provide('postgresServerUrl', services.postgresServerUrl);
  project.provide('temporalAddress', services.temporalAddress);
  project.provide('temporalNamespace', services.namespace);
  project.provide('workerCopies', services.copies);
  const bundlePath = join(tmpdir(), `blockflow-workflows-${process.pid}.js`);
  writeFileSync(bundlePath, (await workflowBundle()).code);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await services.stop();
    rmSync(bundlePath, { force: true });
  };
}
