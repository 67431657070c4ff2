// Applies prisma/migrations/*/migration.sql in order, each in its own transaction, recording
// them in Prisma's `_prisma_migrations` table (same columns and sha256 checksums, so
// `prisma migrate status` agrees). Prisma 7's own `migrate deploy` needs a native engine that
// cannot be downloaded here; this runner needs nothing but `pg`.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADVISORY_LOCKS, withAdvisoryLock } from './advisory-lock';

const MIGRATIONS_DIR = join(import.meta.dirname, '..', 'prisma', 'migrations');

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/** Concurrent migrators (processes starting together, tests on one database) take turns. */
export async function migrate(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  return withAdvisoryLock(databaseUrl, ADVISORY_LOCKS.migrations, async (client) => {
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const done = await client.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" ' +
        'WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const appliedChecksums = new Map(done.rows.map((r) => [r.migration_name, r.checksum]));
    const result: MigrationResult = { applied: [], alreadyApplied: 0 };
    for (const name of listMigrations(dir)) {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const previous = appliedChecksums.get(name);
      if (previous !== undefined) {
        if (previous !== checksum)
          throw new Error(
            `migration ${name} was edited after it was applied (checksum differs); add a new migration instead`,
          );
        result.alreadyApplied++;
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query(
          'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) ' +
            'VALUES ($1, $2, $3, now(), 1)',
          [randomUUID(), checksum, name],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${(err as Error).message}`);
      }
      result.applied.push(name);
    }
    return result;
  });
}

function listMigrations(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort();
}
