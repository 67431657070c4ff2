// Global set-up of the "platform" test project: one real PostgreSQL cluster (private, migrated)
// and one real Temporal dev server (in-memory, headless), started once and stopped by PID at the
// end. Test files get their addresses through vitest's inject().
import type { TestProject } from 'vitest/node';
import { startEphemeralServices } from '../../infra/ephemeral';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    postgresServerUrl: string;
    temporalAddress: string;
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
  return () => services.stop();
}
