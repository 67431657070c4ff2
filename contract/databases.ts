// One private PostgreSQL cluster (the project's own infra/postgres.ts) holding the databases of
// every service of the peer: clean concurrency for cinder's and nova's services, unlike SQLite.
import { join } from 'node:path';
import pg from 'pg';
import { ensureDatabase, startPostgres } from '../infra/postgres';
import type { Layout } from './layout';

/** Keystone + Cinder; the compute part adds nova's three databases, placement's and neutron's. */
export const BASE_DATABASES = ['keystone', 'cinder'] as const;
export const COMPUTE_DATABASES = ['nova_api', 'nova', 'nova_cell0', 'placement', 'neutron'] as const;
export type DatabaseName = (typeof BASE_DATABASES)[number] | (typeof COMPUTE_DATABASES)[number];
/**
 * Made later as a copy of another, once that one is migrated: nova's cell0 has the cell schema, so a
 * copy of the migrated cell1 database (`CREATE DATABASE … TEMPLATE`) replaces a second migration.
 */
export const COPIED_DATABASES: Partial<Record<DatabaseName, DatabaseName>> = { nova_cell0: 'nova' };

export interface Databases {
  /** SQLAlchemy URL of a database created here. */
  url(name: DatabaseName): string;
  /** The same database for node-postgres (`pg`). */
  pgUrl(name: DatabaseName): string;
  /** Creates a COPIED_DATABASES one from its template (nobody may be connected to the template). */
  copy(name: DatabaseName): Promise<void>;
  pid?: number;
  stop(): Promise<void>;
}

export async function startDatabases(layout: Layout, names: readonly DatabaseName[]): Promise<Databases> {
  const cluster = await startPostgres({ dataDir: join(layout.root, 'postgres'), port: layout.ports.postgres });
  try {
    await Promise.all(
      names.filter((name) => !COPIED_DATABASES[name]).map((name) => ensureDatabase(cluster.url('postgres'), name)),
    );
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  const pgUrl = (name: DatabaseName) => {
    if (!names.includes(name)) throw new Error(`database ${name} was not created for this peer`);
    return cluster.url(name);
  };
  return {
    url: (name) => pgUrl(name).replace(/^postgresql:/, 'postgresql+psycopg2:'),
    pgUrl,
    async copy(name) {
      const template = COPIED_DATABASES[name];
      if (!template || !names.includes(name)) throw new Error(`database ${name} is not a copy made for this peer`);
      const client = new pg.Client({ connectionString: cluster.url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      } finally {
        await client.end();
      }
    },
    pid: cluster.startedPid,
    stop: cluster.stop,
  };
}
