import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Runs fio (Debian package `fio`, declared in scripts/apt-packages.d/bench.txt)
 * and reduces its JSON report to totals over all jobs and both directions.
 */

const run = promisify(execFile);

export interface FioResult {
  readonly iops: number;
  readonly bytesPerSec: number;
  readonly ios: number;
  readonly seconds: number;
  /** fsync/fdatasync calls fio made (its "sync" latency samples); 0 without --fsync/--fdatasync */
  readonly syncs: number;
}

/** `fio --version`, or null when fio is not installed. */
export async function fioVersion(): Promise<string | null> {
  try {
    return (await run('fio', ['--version'])).stdout.trim();
  } catch {
    return null;
  }
}

/** Options as fio spells them (`{ rw: 'randread', bs: '4k' }` → `--rw=randread --bs=4k`); `true` → bare flag. */
export type FioOptions = Record<string, string | number | true>;

export function fioArgs(opts: FioOptions): string[] {
  return Object.entries(opts).map(([k, v]) => (v === true ? `--${k}` : `--${k}=${v}`));
}

interface FioDirection {
  io_bytes: number;
  total_ios: number;
  runtime: number;
}

/** Runs one fio job group with --group_reporting and JSON output; totals reads + writes. */
export async function runFio(opts: FioOptions): Promise<FioResult> {
  const args = fioArgs({ ...opts, group_reporting: true, 'output-format': 'json' });
  const { stdout } = await run('fio', args, { maxBuffer: 64 * 1024 * 1024 });
  const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
    jobs: Array<{ read: FioDirection; write: FioDirection; sync?: { lat_ns?: { N?: number } } }>;
  };
  const job = report.jobs[0];
  const dirs = [job.read, job.write].filter((d) => d.total_ios > 0);
  const seconds = Math.max(...dirs.map((d) => d.runtime), 1) / 1000;
  const ios = dirs.reduce((n, d) => n + d.total_ios, 0);
  const bytes = dirs.reduce((n, d) => n + d.io_bytes, 0);
  const syncs = job.sync?.lat_ns?.N ?? 0;
  return { iops: ios / seconds, bytesPerSec: bytes / seconds, ios, seconds, syncs };
}
