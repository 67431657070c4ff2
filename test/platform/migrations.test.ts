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
import { BUILD_STATUSES, STUCK_REASONS, SYSTEM_DISK_PATHS } from '../../servers/builds';
import { SPARE_STATUSES } from '../../pool/spare-status';
import { REFRESH_MODES, REFRESH_STATES } from '../../pool/refresh';
import { THROTTLE_MODES } from '../../pool/settings';
import { POLICY_DEMANDS } from '../../pool/admin';
import { SIZING_MODES } from '../../pool/sizing';
import { DRILL_RUN_STATUSES } from '../../drills/run-statuses';

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

/** Each vocabulary column, a row to try its words on, and the words the code knows. */
const VOCABULARIES = [
  { table: 'server_builds', column: 'status', words: BUILD_STATUSES },
  { table: 'server_builds', column: 'path', words: SYSTEM_DISK_PATHS },
  { table: 'server_builds', column: 'stuck_reason', words: STUCK_REASONS },
  { table: 'system_disk_handouts', column: 'path', words: SYSTEM_DISK_PATHS },
  { table: 'spare_volumes', column: 'status', words: SPARE_STATUSES },
  { table: 'pool_policies', column: 'demand', words: POLICY_DEMANDS },
  { table: 'pool_policies', column: 'refresh', words: REFRESH_MODES },
  { table: 'pool_policies', column: 'sizing', words: SIZING_MODES },
  { table: 'pool_refreshes', column: 'state', words: REFRESH_STATES },
  { table: 'pool_settings', column: 'throttle_mode', words: THROTTLE_MODES },
  { table: 'drill_runs', column: 'status', words: DRILL_RUN_STATUSES },
] as const;

const ONE_ROW_EACH = `
  INSERT INTO server_builds (id, project_id, user_id, name, os_name, volume_type, flavor_id, swap_gb, data_gb,
    network_id, status, step, updated_at) VALUES ('b1', 'p', 'u', 'n', 'os', 'sas', 'f', 0, 0, 'net', 'building',
    'accepted', now());
  INSERT INTO system_disk_handouts (build_id, volume_id, volume_type, os_name, snapshot_id, path, handover_ms)
    VALUES ('b1', 'v', 'sas', 'os', 's', 'pool-hit', 1);
  INSERT INTO spare_volumes (name, volume_type, os_name, snapshot_id, status, updated_at)
    VALUES ('spare-1', 'sas', 'os', 's', 'creating', now());
  INSERT INTO pool_policies (volume_type, os_name, demand, updated_at) VALUES ('sas', 'os', 'low', now());
  INSERT INTO pool_settings (id, target_high_demand, target_low_demand, replenish_interval_seconds,
    reconcile_interval_seconds, create_interval_seconds, snapshot_name_pattern, updated_at)
    VALUES (1, 1, 1, 60, 60, 0, 'x', now());
  INSERT INTO drill_runs (id, form, scenario, parameters, status, n)
    VALUES ('d1', 'libvirt', 'snapshot', '{}', 'running', 1);
  INSERT INTO pool_refreshes (volume_type, os_name, workflow_id, snapshot_id, state)
    VALUES ('sas', 'os', 'pool-refresh-sas-os', 's', 'running');`;

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

describe('status vocabularies', () => {
  it("refuses a status outside a column's vocabulary and takes every word of it", async () => {
    const url = await freshDatabase();
    await migrate(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(ONE_ROW_EACH);
      for (const { table, column, words } of VOCABULARIES) {
        for (const word of words) await client.query(`UPDATE ${table} SET ${column} = $1`, [word]);
        await expect(
          client.query(`UPDATE ${table} SET ${column} = 'not-a-word'`),
          `${table}.${column}`,
        ).rejects.toMatchObject(
          { code: '23514' }, // check_violation
        );
      }
    } finally {
      await client.end();
    }
  });
});
