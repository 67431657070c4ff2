// One private PostgreSQL cluster (the project's own infra/postgres.ts) holding the keystone and
// cinder databases: clean concurrency for cinder's three services, unlike SQLite.
import { join } from 'node:path';
import { ensureDatabase, startPostgres } from '../infra/postgres';
import type { Layout } from './layout';

export interface Databases {
  /** SQLAlchemy URLs. */
  keystone: string;
  cinder: string;
  pid?: number;
  stop(): Promise<void>;
}

export async function startDatabases(layout: Layout): Promise<Databases> {
  const cluster = await startPostgres({ dataDir: join(layout.root, 'postgres'), port: layout.ports.postgres });
  try {
    await Promise.all(['keystone', 'cinder'].map((name) => ensureDatabase(cluster.url('postgres'), name)));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  const sqlalchemy = (name: string) => cluster.url(name).replace(/^postgresql:/, 'postgresql+psycopg2:');
  return {
    keystone: sqlalchemy('keystone'),
    cinder: sqlalchemy('cinder'),
    pid: cluster.startedPid,
    stop: cluster.stop,
  };
}
