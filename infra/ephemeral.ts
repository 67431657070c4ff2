// Throwaway PostgreSQL (migrated) + Temporal dev server (in-memory, headless) in a temp folder,
// on free ports: for the platform tests and the benchmarks. stop() ends both by PID and
// removes the folder. `namespaces`: more Temporal namespaces than `default`, registered at start
// (one registered later takes seconds to be usable).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDatabase, startPostgres } from './postgres';
import { migrate } from './migrate';
import { startTemporalServer } from './temporal-server';
import { freePort } from './free-port';

export { freePort };

export interface EphemeralServices {
  databaseUrl: string;
  postgresServerUrl: string;
  temporalAddress: string;
  stop(): Promise<void>;
}

/** The migrated database, the one `databaseUrl` names. */
export const MIGRATED_DATABASE = 'blockflow';

export async function startEphemeralServices(opts: {
  name: string;
  namespaces?: string[];
  maxConnections?: number;
  log?: (line: string) => void;
}): Promise<EphemeralServices> {
  const root = mkdtempSync(join(tmpdir(), `blockflow-${opts.name}-`));
  const pg = await startPostgres({
    dataDir: join(root, 'postgres'),
    port: await freePort(),
    maxConnections: opts.maxConnections,
    log: opts.log,
  });
  try {
    await ensureDatabase(pg.url('postgres'), MIGRATED_DATABASE);
    await migrate(pg.url(MIGRATED_DATABASE));
    const temporal = await startTemporalServer({
      port: await freePort(),
      namespace: 'default',
      moreNamespaces: opts.namespaces,
      logFile: join(root, 'temporal.log'),
      log: opts.log,
    });
    return {
      databaseUrl: pg.url(MIGRATED_DATABASE),
      postgresServerUrl: pg.url('postgres'),
      temporalAddress: temporal.address,
      async stop() {
        await temporal.stop();
        await pg.stop();
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await pg.stop();
    throw err;
  }
}
