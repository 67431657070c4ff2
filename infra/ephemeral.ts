// Throwaway PostgreSQL (migrated) + Temporal dev server (in-memory, headless) in a temp folder,
// on free ports: for the platform tests and the benchmarks. stop() ends both by PID and
// removes the folder. `copies`: that many more (database, namespace) pairs, each database a copy
// of the migrated one, so that many test files can run side by side without seeing each other.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { ensureDatabase, startPostgres } from './postgres';
import { migrate } from './migrate';
import { startTemporalServer } from './temporal-server';

export interface IsolatedServices {
  databaseUrl: string;
  namespace: string;
}

export interface EphemeralServices extends IsolatedServices {
  postgresServerUrl: string;
  temporalAddress: string;
  /** The `copies` asked for, in order. */
  copies: IsolatedServices[];
  stop(): Promise<void>;
}

export async function startEphemeralServices(opts: {
  name: string;
  copies?: number;
  log?: (line: string) => void;
}): Promise<EphemeralServices> {
  const root = mkdtempSync(join(tmpdir(), `blockflow-${opts.name}-`));
  const pg = await startPostgres({ dataDir: join(root, 'postgres'), port: await freePort(), log: opts.log });
  try {
    await ensureDatabase(pg.url('postgres'), 'blockflow');
    await migrate(pg.url('blockflow'));
    const copies = Array.from({ length: opts.copies ?? 0 }, (_, i) => ({
      databaseUrl: pg.url(`blockflow_${i + 1}`),
      namespace: `copy-${i + 1}`,
    }));
    // A template copy is a file copy: ~0.1 s each, instead of running the migrations again.
    for (let i = 0; i < copies.length; i++)
      await ensureDatabase(pg.url('postgres'), `blockflow_${i + 1}`, { template: 'blockflow' });
    const temporal = await startTemporalServer({
      port: await freePort(),
      namespace: 'default',
      moreNamespaces: copies.map((c) => c.namespace),
      logFile: join(root, 'temporal.log'),
      log: opts.log,
    });
    return {
      databaseUrl: pg.url('blockflow'),
      namespace: 'default',
      copies,
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

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
