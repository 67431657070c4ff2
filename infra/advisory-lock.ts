// One PostgreSQL session-level advisory lock around a piece of start-up work, so processes that
// start together on one database (API replicas, workers, tests) do it one at a time: the first
// does it, the others find it done. A session lock, not a transaction's: the work may take seconds
// and talk to other services; the lock goes with the connection if the process dies.
import pg from 'pg';

/** The keys in use, one per kind of start-up work. */
export const ADVISORY_LOCKS = { migrations: 7_244_311, bootstrap: 7_244_312 } as const;

export async function withAdvisoryLock<T>(
  databaseUrl: string,
  key: number,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [key]);
    return await work(client);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => {});
    await client.end();
  }
}
