// A PostgreSQL cluster and a Temporal dev server of the random-kills test's own, on fixed ports and
// durable storage (a data directory; a SQLite history file), so each can be stopped and started
// again mid-round and come back with its state, as after a crash of the machine running it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDatabase, startPostgres, type PostgresCluster } from '../../infra/postgres';
import { migrate } from '../../infra/migrate';
import { freePort } from '../../infra/ephemeral';
import { startTemporalServer, type TemporalServer } from '../../infra/temporal-server';

export interface RestartableServices {
  databaseUrl: string;
  temporalAddress: string;
  restartPostgres(downMs: number): Promise<void>;
  restartTemporal(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startRestartableServices(): Promise<RestartableServices> {
  const root = mkdtempSync(join(tmpdir(), 'blockflow-random-kills-'));
  const pgPort = await freePort();
  const temporalPort = await freePort();
  const startPg = () => startPostgres({ dataDir: join(root, 'postgres'), port: pgPort });
  const startTemporal = () =>
    startTemporalServer({
      port: temporalPort,
      namespace: 'default',
      dbFile: join(root, 'temporal.db'),
      logFile: join(root, 'temporal.log'),
    });
  let pg: PostgresCluster = await startPg();
  await ensureDatabase(pg.url('postgres'), 'blockflow');
  await migrate(pg.url('blockflow'));
  let temporal: TemporalServer = await startTemporal();
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return {
    databaseUrl: pg.url('blockflow'),
    temporalAddress: temporal.address,
    async restartPostgres(downMs) {
      await pg.stop();
      await pause(downMs);
      pg = await startPg();
    },
    async restartTemporal(downMs) {
      await temporal.stop();
      await pause(downMs);
      temporal = await startTemporal();
    },
    async stop() {
      await temporal.stop().catch(() => {});
      await pg.stop().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
}
