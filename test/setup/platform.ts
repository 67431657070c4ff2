// Global set-up of the "platform" test project: one real PostgreSQL cluster (private, migrated)
// and one real Temporal dev server (in-memory, headless), started once and stopped by PID at the
// end. Test files get their addresses through vitest's inject().
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEphemeralServices } from '../../infra/ephemeral';
import { workflowBundle } from '../../worker/worker';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    postgresServerUrl: string;
    temporalAddress: string;
    /** The workflow code bundled once, for the worker processes tests start (BLOCKFLOW_WORKFLOW_BUNDLE). */
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  const services = await startEphemeralServices({
    name: 'platform',
    log: (line) => console.log(`[platform setup] ${line}`),
  });
  project.provide('databaseUrl', services.databaseUrl);
  project.provide('postgresServerUrl', services.postgresServerUrl);
  project.provide('temporalAddress', services.temporalAddress);
  const bundlePath = join(tmpdir(), `blockflow-workflows-${process.pid}.js`);
  writeFileSync(bundlePath, (await workflowBundle()).code);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await services.stop();
    rmSync(bundlePath, { force: true });
  };
}
