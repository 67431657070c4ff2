import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import type { QuietWait } from './quiet-machine';
import { formatTable } from './table';

/** What bench/chunkstore.ts measured, as printed and as written to bench/results/chunkstore.json. */

interface TwoSides {
  iops: number;
  writesPerSync: number;
}

export interface DurableRow {
  callers: number;
  runs: Array<{
    store: TwoSides & {
      chunkSyncs: number;
      eventLoopBusy: number;
      syncsPerSec: number;
      logSyncing: number;
      iopsWithWriteback: number;
    };
    fio: TwoSides;
    ratio: number;
    node?: NodeDurable;
  }>;
}

/** bare Node at 1 in flight (bench/chunkstore.ts nodeDurable) */
export interface NodeDurable {
  pool: number;
  blocking: number;
  storeIo: number;
}

export interface ReadRun {
  /** the store as opened by default: reads copied out of mappings where the binding is built */
  store: number;
  storeReads: 'mapped' | 'pread';
  /** fio psync: one pread per read (the twin the target names) */
  fio: number;
  /** fio's mmap engine: a copy out of a mapping per read, as the store's mapped path */
  fioMmap: number;
  node: number;
  /** the store reopened with reads: 'pread' */
  storePread: number;
  ratio: number;
  storeToFioMmap: number;
  nodeToFio: number;
  /** the store in closed-loop.ts's randomIo (the loop of the runs before tight-loop.ts) */
  storeClosedLoop: number;
}

export interface PlainRow {
  callers: number;
  runs: Array<{
    store: number;
    node: number;
    fioPsync: number;
    fioIoUring: number;
    ratio: number;
    ratioToIoUring: number;
  }>;
}

export interface Report {
  fioVersion: string;
  fs: string;
  quiet: QuietWait | null;
  loadBefore: number[];
  settings: Record<string, unknown>;
  durableRows: DurableRow[];
  /** bench/chunkstore.ts logTwin, one per c64 run */
  c64Ceiling: Array<{ bs: number; syncsPerSec: number; writesPerSecCeiling: number }>;
  pg: Array<number | null>;
  read: ReadRun[];
  plain: PlainRow[];
}

export async function reportChunkstore(r: Report, out: string): Promise<void> {
  const n0 = (x: number) => Math.round(x).toString();
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const both = <T>(runs: T[], f: (x: T) => string) => runs.map(f).join(' / ');
  const c1 = r.durableRows[0]!.runs;
  const c64 = r.durableRows[2]!.runs;
  const targets = {
    c1VsFio: { target: 0.9, runs: c1.map((x) => x.ratio) },
    c64OverC1: { target: 10, runs: c64.map((x, i) => x.store.iops / c1[i]!.store.iops) },
    readVsFio: { target: 1, runs: r.read.map((x) => x.ratio) },
  };
  console.log(
    `\n${formatTable(
      [
        'durable 4K write',
        'store IOPS',
        'with writeback',
        'writes/sync',
        'syncs/s',
        'log syncing',
        'loop busy',
        'fio fdatasync=1',
      ].concat(['writes/sync', 'store/fio']),
      r.durableRows.map((row) => [
        `x${row.callers}`,
        both(row.runs, (x) => n0(x.store.iops)),
        both(row.runs, (x) => n0(x.store.iopsWithWriteback)),
        both(row.runs, (x) => x.store.writesPerSync.toFixed(1)),
        both(row.runs, (x) => n0(x.store.syncsPerSec)),
        both(row.runs, (x) => pct(x.store.logSyncing)),
        both(row.runs, (x) => pct(x.store.eventLoopBusy)),
        both(row.runs, (x) => n0(x.fio.iops)),
        both(row.runs, (x) => x.fio.writesPerSync.toFixed(1)),
        both(row.runs, (x) => pct(x.ratio)),
      ]),
    )}`,
  );
  const node = (f: (n: NodeDurable) => number) => both(c1, (x) => n0(f(x.node!)));
  console.log(
    `bare Node x1: fio's job with fdatasync in the pool ${node((n) => n.pool)}, blocking ${node((n) => n.blocking)}; ` +
      `the store's I/O (8 KiB record + sync, then the chunk page) ${node((n) => n.storeIo)}`,
  );
  console.log(
    `c64 ceiling (fio appends of ${both(r.c64Ceiling, (x) => `${x.bs} B`)}, fdatasync each): ` +
      `${both(r.c64Ceiling, (x) => n0(x.syncsPerSec))} syncs/s = ` +
      `${both(r.c64Ceiling, (x) => n0(x.writesPerSecCeiling))} writes/s at the store's writes per sync`,
  );
  console.log(`pg_test_fsync fdatasync (8 kB): ${r.pg.map((x) => (x === null ? 'n/a' : n0(x))).join(' / ')} ops/s`);
  console.log(
    `4K random read x1: store (reads '${r.read[0]!.storeReads}') ${both(r.read, (x) => n0(x.store))}, ` +
      `fio psync ${both(r.read, (x) => n0(x.fio))}, fio mmap ${both(r.read, (x) => n0(x.fioMmap))}: ` +
      `store/fio psync ${both(r.read, (x) => pct(x.ratio))}, store/fio mmap ` +
      `${both(r.read, (x) => pct(x.storeToFioMmap))}; store with reads 'pread' ` +
      `${both(r.read, (x) => n0(x.storePread))}, bare Node readSync ${both(r.read, (x) => n0(x.node))}; ` +
      `store in closed-loop.ts ${both(r.read, (x) => n0(x.storeClosedLoop))}`,
  );
  for (const row of r.plain) {
    console.log(
      `plain 4K write x${row.callers} (store sync 'batch'): store ${both(row.runs, (x) => n0(x.store))}, ` +
        `bare Node pwrite ${both(row.runs, (x) => n0(x.node))}, ` +
        `fio psync ${both(row.runs, (x) => n0(x.fioPsync))} (${both(row.runs, (x) => pct(x.ratio))}), ` +
        `fio io_uring ${both(row.runs, (x) => n0(x.fioIoUring))} (${both(row.runs, (x) => pct(x.ratioToIoUring))})`,
    );
  }
  for (const [name, t] of Object.entries(targets)) {
    console.log(`${name}: ${t.runs.map((x) => x.toFixed(2)).join(' / ')} (target >= ${t.target})`);
  }
  const notes = [];
  if (r.quiet?.timedOut) notes.push(`test runs still going after ${r.quiet.waitedSeconds} s of waiting: run anyway`);
  if (!r.quiet) notes.push('--no-wait: did not wait for test runs to end');
  const result = {
    date: new Date().toISOString(),
    fio: r.fioVersion,
    fileSystem: r.fs,
    cpus: cpus().length,
    loadAvg: { before: r.loadBefore, after: loadavg() },
    waitedForQuiet: r.quiet,
    notes,
    settings: r.settings,
    durable: r.durableRows,
    c64Ceiling: r.c64Ceiling,
    pgTestFsyncFdatasync: r.pg,
    randomRead4kX1: r.read,
    plainWrite4k: r.plain,
    targets,
  };
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`figures in ${out}`);
}
