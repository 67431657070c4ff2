// Global set-up of the "platform" test project: one real PostgreSQL cluster (private, in a temp
// folder, migrated) and one real Temporal dev server (in-memory, headless), started once and
// stopped by PID at the end. Test files get their addresses through vitest's inject().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDatabase, startPostgres } from '../../infra/postgres';
import { migrate } from '../../infra/migrate';
import { startTemporalServer } from '../../infra/temporal-server';
import { freePort } from './free-port';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    postgresServerUrl: string;
    temporalAddress: string;
  }
}

export default async function setup(project: TestProject) {
  const root = mkdtempSync(join(tmpdir(), 'blockflow-platform-'));
  const log = (line: string) => console.log(`[platform setup] ${line}`);
  const pg = await startPostgres({ dataDir: join(root, 'postgres'), port: await freePort(), log });
  await ensureDatabase(pg.url('postgres'), 'blockflow_test');
  await migrate(pg.url('blockflow_test'));
  const temporal = await startTemporalServer({ port: await freePort(), namespace: 'default', logFile: join(root, 'temporal.log'), log });
  project.provide('databaseUrl', pg.url('blockflow_test'));
  project.provide('postgresServerUrl', pg.url('postgres'));
  project.provide('temporalAddress', temporal.address);
  return async () => {
    await temporal.stop();
    await pg.stop();
    rmSync(root, { recursive: true, force: true });
  };
}
