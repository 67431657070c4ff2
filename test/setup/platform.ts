// Global set-up of the "platform" test project: one real PostgreSQL cluster (private, migrated)
// and one real Temporal dev server (in-memory, headless), started once and stopped by PID at the
// end. Files run side by side without sharing state: each file gets a database of its own, a copy
// of the migrated one, and a Temporal namespace of its own, registered here at the server's start
// (one registered later takes seconds to be usable); platform-worker.ts points the file at them.
// Test files get the addresses through vitest's inject().
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
    /** This file's own namespace (platform-worker.ts). */
    temporalNamespace: string;
    /** The namespaces registered for the files, and the folder where a file claims one. */
    fileNamespaces: { names: string[]; claims: string };
    /** The workflow code bundled once, for the workers tests start (BLOCKFLOW_WORKFLOW_BUNDLE). */
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  // One namespace per file (a file run again in watch mode would find none left: restart vitest).
  const { testFiles } = await project.globTestFiles();
  const namespaces = testFiles.map((_, i) => `file-${i + 1}`);
  const claims = mkdtempSync(join(tmpdir(), 'blockflow-namespace-claims-'));
  const services = await startEphemeralServices({
    name: 'platform',
    namespaces,
    // A file opens up to ~40 sessions (its API's and worker's pools; server-concurrency 25 more of its own).
    maxConnections: 100 + 60 * maxWorkers(project),
    log: (line) => console.log(`[platform setup] ${line}`),
  });
  project.provide('databaseUrl', services.databaseUrl);
  project.provide('postgresServerUrl', services.postgresServerUrl);
  project.provide('temporalAddress', services.temporalAddress);
  project.provide('temporalNamespace', 'default');
  project.provide('fileNamespaces', { names: namespaces, claims });
  const bundlePath = join(tmpdir(), `blockflow-workflows-${process.pid}.js`);
  writeFileSync(bundlePath, (await workflowBundle()).code);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await services.stop();
    rmSync(bundlePath, { force: true });
    rmSync(claims, { recursive: true, force: true });
  };
}

/** How many files vitest may run at once. */
const maxWorkers = (project: TestProject) =>
  project.config.maxWorkers || project.vitest.config.maxWorkers || availableParallelism();
