// One private PostgreSQL cluster (the project's own infra/postgres.ts) holding the databases of
// every service of the peer: clean concurrency for cinder's and nova's services, unlike SQLite.
import { join } from 'node:path';
import { ensureDatabase, startPostgres } from '../infra/postgres';
import type { Layout } from './layout';

/** Keystone + Cinder; the compute part adds nova's three databases, placement's and neutron's. */
export const BASE_DATABASES = ['keystone', 'cinder'] as const;
export const COMPUTE_DATABASES = ['nova_api', 'nova', 'nova_cell0', 'placement', 'neutron'] as const;
export type DatabaseName = (typeof BASE_DATABASES)[number] | (typeof COMPUTE_DATABASES)[number];

export interface Databases {
  /** SQLAlchemy URL of a database created here. */
  url(name: DatabaseName): string;
  pid?: number;
  stop(): Promise<void>;
}

export async function startDatabases(layout: Layout, names: readonly DatabaseName[]): Promise<Databases> {
  const cluster = await startPostgres({ dataDir: join(layout.root, 'postgres'), port: layout.ports.postgres });
  try {
    await Promise.all(names.map((name) => ensureDatabase(cluster.url('postgres'), name)));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return {
    url(name) {
      if (!names.includes(name)) throw new Error(`database ${name} was not created for this peer`);
      return cluster.url(name).replace(/^postgresql:/, 'postgresql+psycopg2:');
    },
    pid: cluster.startedPid,
    stop: cluster.stop,
  };
}
