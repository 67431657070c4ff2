// The migration runner against real PostgreSQL: applies Prisma's migration folders in order,
// records them like `prisma migrate deploy`, is idempotent, refuses edited history and rolls a
// failed migration back whole.
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ensureDatabase } from '../../infra/postgres';
import { migrate } from '../../infra/migrate';
import { createPrisma } from '../../prisma/client';

const serverUrl = inject('postgresServerUrl');
const created: string[] = [];

async function freshDatabase(): Promise<string> {
  const name = `mig_${randomUUID().slice(0, 8)}`;
  await ensureDatabase(serverUrl, name);
  created.push(name);
  return serverUrl.replace(/\/postgres$/, `/${name}`);
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const name of created) await query(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
});

describe('migrate', () => {
  it('applies every migration of prisma/migrations to an empty database and records it', async () => {
    const url = await freshDatabase();
    const result = await migrate(url);
    expect(result.applied.length).toBeGreaterThan(0);
    expect(result.alreadyApplied).toBe(0);
    const tables = (
      await query<{ table_name: string }>(
        url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
      )
    ).map((r) => r.table_name);
    expect(tables).toEqual(
      expect.arrayContaining([
        'spare_volumes',
        'os_images',
        'pool_policies',
        'pool_settings',
        'pool_rounds',
        '_prisma_migrations',
      ]),
    );
    const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      url,
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(result.applied);
    for (const row of rows) {
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).not.toBeNull();
    }
  });

  it('is idempotent: a second run applies nothing', async () => {
    const url = await freshDatabase();
    const first = await migrate(url);
    const second = await migrate(url);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(first.applied.length);
  });

  it('refuses a migration whose file changed after it was applied', async () => {
    const url = await freshDatabase();
    await migrate(url);
    await query(url, `UPDATE "_prisma_migrations" SET checksum = repeat('0', 64)`);
    await expect(migrate(url)).rejects.toThrow(/edited after it was applied/);
  });

  it('rolls a failing migration back whole and does not record it', async () => {
    const url = await freshDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    try {
      mkdirSync(join(dir, '001_ok'));
      writeFileSync(join(dir, '001_ok', 'migration.sql'), 'CREATE TABLE ok_table (id int);');
      mkdirSync(join(dir, '002_broken'));
      writeFileSync(
        join(dir, '002_broken', 'migration.sql'),
        'CREATE TABLE half_table (id int);\nSELECT * FROM no_such_table;',
      );
      await expect(migrate(url, dir)).rejects.toThrow(/002_broken failed/);
      const tables = (
        await query<{ table_name: string }>(
          url,
          "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        )
      ).map((r) => r.table_name);
      expect(tables).toContain('ok_table');
      expect(tables).not.toContain('half_table');
      const names = (
        await query<{ migration_name: string }>(url, 'SELECT migration_name FROM "_prisma_migrations"')
      ).map((r) => r.migration_name);
      expect(names).toEqual(['001_ok']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves a schema the generated Prisma client can read and write', async () => {
    const url = await freshDatabase();
    await migrate(url);
    const prisma = createPrisma(url);
    try {
      await prisma.osImage.create({
        data: {
          osName: 'Debian9 64bit',
          volumeType: 'sas',
          snapshotId: 'snap-1',
          snapshotName: 'image-Debian9',
          sizeGb: 20,
        },
      });
      const rows = await prisma.osImage.findMany();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ osName: 'Debian9 64bit', volumeType: 'sas', sizeGb: 20 });
    } finally {
      await prisma.$disconnect();
    }
  });
});
