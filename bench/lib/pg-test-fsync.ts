import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { postgresBinDir } from '../../infra/postgres';

const run = promisify(execFile);

/** pg_test_fsync from the installed PostgreSQL (not on PATH in Debian: /usr/lib/postgresql/<v>/bin). */
function findPgTestFsync(): string | null {
  try {
    const path = join(postgresBinDir(), 'pg_test_fsync');
    return existsSync(path) ? path : null;
  } catch {
    return null; // no PostgreSQL installed
  }
}

/**
 * The device's fdatasync rate as PostgreSQL measures it: pg_test_fsync's
 * "one 8kB write" section, its fdatasync line (write 8 kB at offset 0 of a
 * 16 MB file, fdatasync, repeat), ops/s. Its test file goes in `dir`.
 */
export async function pgFdatasyncRate(dir: string, seconds: number): Promise<number | null> {
  const bin = findPgTestFsync();
  if (!bin) return null;
  const { stdout } = await run(bin, ['-f', join(dir, 'pg_test_fsync.out'), '-s', String(seconds)]);
  const section = stdout.split(/Compare file sync methods using one 8kB write/)[1] ?? '';
  const m = /^\s*fdatasync\s+([\d.]+) ops\/sec/m.exec(section);
  return m ? Number(m[1]) : null;
}
