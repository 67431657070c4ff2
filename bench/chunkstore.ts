/**
 * Chunk store benchmark (issue 22, "Measure"): every figure against its twin
 * measured in the same run, on the same file system, each measured twice.
 *
 *   npm run bench:chunkstore [-- --quick] [-- --no-wait]
 *
 * 1. Durable 4 KiB random writes at 1, 16 and 64 in flight. Store: default
 *    `sync: 'always'` (a write resolves once its op-log record is fdatasync'ed),
 *    writes of sn 1 to existing normal chunks; writes per log sync counted
 *    (bench/lib/counting-fs.ts), and how busy the event loop was. fio: one job, randwrite bs=4k on one
 *    preallocated file, buffered (--direct=0), --fdatasync=1 (fdatasync after
 *    every write); psync at 1 in flight, io_uring --iodepth=N otherwise (fio
 *    then keeps N writes and their fdatasyncs in flight; the file system merges
 *    syncs that overlap). Beside c1, bare Node: pwrite on the event loop, then
 *    fdatasync through libuv's pool (one trip) or blocking the event loop.
 * 2. pg_test_fsync's fdatasync rate (one 8 kB write, then fdatasync): the device.
 * 3. 4 KiB random reads, one caller: store readChunkInto into a reused buffer
 *    (reads copied out of mappings where the binding is built, the default; and
 *    reopened with reads: 'pread'); fio psync randread, buffered, and fio's mmap
 *    engine (the store's mapped path in C); bare Node readSync; page cache warm;
 *    the store and bare Node in a loop as lean as fio's (lib/tight-loop.ts), the
 *    store in closed-loop.ts's loop too.
 * 4. Plain (not synced) 4 KiB writes, the old "232-298 % of fio" row, like with
 *    like: the store with `sync: 'batch'` (record written to the log file and
 *    chunk data written, nothing synced per write) vs fio buffered without
 *    fsync, psync (one call at a time, as one event loop does) and the old twin
 *    io_uring --iodepth=N; bare Node's pwrite (the store before its log did one per write).
 * Durable rows alternate store and fio (and bare Node) in 4 slices per run: this
 * VM's device changes pace from second to second (pg_test_fsync 6.7k/s to 10.2k/s
 * within one run), so a twin measured 2 s later is another device.
 * Results: bench/results/chunkstore.json. Waits for test runs to end first.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataStore } from '../chunkstore/index';
import { RECORD_HEADER } from '../chunkstore/log-record';
import { DEFAULT_CHECKPOINT_SEGMENTS, defaultLogSegmentSize } from '../chunkstore/store-options';
import { randomIo, type LoadResult } from './lib/closed-loop';
import { CountingFs } from './lib/counting-fs';
import { ensureFileMapping, ensureFio } from './lib/ensure-fio';
import { runFio, type FioOptions, type FioResult } from './lib/fio';
import { NODE_MODES, nodeDurable, type NodeMode } from './lib/node-durable';
import { NodeFiles } from './lib/node-files';
import { pgFdatasyncRate } from './lib/pg-test-fsync';
import { waitForQuietMachine } from './lib/quiet-machine';
import { reportChunkstore, type DurableRow } from './lib/chunkstore-report';
import { tightRandomIo } from './lib/tight-loop';
import { rate, seq, sumIos, sumStore, sumSyncs, type StoreSlice } from './lib/chunkstore-slices';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 0.5 : 1;
/**
 * Sync-bound figures vary more from second to second: measured longer, in slices of 1 s (of 0.5 s, the
 * store's c64 ran at 30-50k/s where runs of 3-5 s ran at 47-57k/s: each slice starts on a settled disk).
 */
const DURABLE_SECONDS = QUICK ? 1 : 4;
const RUNS = 2;
/** Store and fio alternate in this many slices per run: the device's pace here drifts from second to second. */
const SLICES = QUICK ? 1 : 4;
const BS = 4096;
const MiB = 1024 * 1024;
const CHUNK_SIZE = 16 * MiB;
const CHUNKS = 8;
const SN = 1;
const DEPTHS = [1, 16, 64] as const;
const PLAIN_DEPTHS = [1, 16] as const;
const FILES = Array.from({ length: CHUNKS }, (_, i) => `c${i + 1}`);
const DURABLE_FILE = 'durable';
const shape = (files: number) => ({ pattern: 'write' as const, bs: BS, files, fileSize: CHUNK_SIZE });

const payload = () => new Uint8Array(BS).map(() => Math.floor(Math.random() * 256));

/** Flushes dirty pages (sync(1)) so that one measurement's write-back does not slow the next. */
function settle(): void {
  execFileSync('sync');
}

function fio(dir: string, opts: FioOptions): Promise<FioResult> {
  return runFio({
    name: 'chunkstore-twin',
    directory: dir,
    bs: BS,
    direct: 0,
    time_based: true,
    runtime: `${Math.round((opts.fdatasync ? DURABLE_SECONDS : SECONDS) * 1000)}ms`,
    norandommap: true,
    randrepeat: 0,
    invalidate: 0,
    ...opts,
  });
}

const depthEngine = (n: number): FioOptions => (n === 1 ? { ioengine: 'psync' } : { ioengine: 'io_uring', iodepth: n });
const chunkFiles: FioOptions = { filename: FILES.join(':'), filesize: CHUNK_SIZE, file_service_type: 'random' };

interface Ctx {
  fioDir: string;
  fs: CountingFs;
  store: DataStore;
}

/**
 * Writes every chunk whole, then goes on until the op log has all the segments it will cycle through
 * (checkpointSegments + 1, made once and reused): the rows measure a store in its steady state, not one
 * still zero-filling a new 64 MiB segment in the middle of a slice (a fresh store pays that once).
 */
async function prefill(store: DataStore): Promise<void> {
  const data = new Uint8Array(MiB).fill(0x5a);
  const logBytes = (DEFAULT_CHECKPOINT_SEGMENTS + 1) * defaultLogSegmentSize(CHUNK_SIZE);
  const perChunk = CHUNK_SIZE / MiB;
  // 1 MiB writes round the chunks, again from the first once all are written
  for (let i = 0; i < Math.max(logBytes, CHUNKS * CHUNK_SIZE) / MiB; i++) {
    const page = i % (CHUNKS * perChunk);
    await store.writeChunk(1 + Math.floor(page / perChunk), SN, data, (page % perChunk) * MiB);
  }
}

async function storeWrites(ctx: Ctx, callers: number, seconds: number) {
  const data = payload();
  const before = ctx.fs.snapshot();
  const elu = performance.eventLoopUtilization();
  const r = await randomIo(callers, seconds, shape(CHUNKS), (_k, file, off) =>
    ctx.store.writeChunk(file + 1, SN, data, off),
  );
  // near 1: the event loop (one core of two) is the limit, not the device
  const eventLoopBusy = performance.eventLoopUtilization(elu).utilization;
  const logSyncs = ctx.fs.logSyncs - before.logSyncs;
  const logSyncMs = ctx.fs.logSyncMs - before.logSyncMs;
  const settling = performance.now();
  settle(); // the chunk pages left dirty: counted apart (writebackMs), fio's twin leaves none
  const writebackMs = performance.now() - settling;
  return {
    iops: r.iops,
    ios: r.ios,
    seconds: r.seconds,
    logSyncs,
    logSyncMs,
    writesPerSync: r.ios / Math.max(1, logSyncs),
    chunkSyncs: ctx.fs.otherSyncs - before.otherSyncs,
    eventLoopBusy,
    writebackMs,
  };
}

async function durable(ctx: Ctx) {
  const rows = [];
  const fh = await open(join(ctx.fioDir, DURABLE_FILE), 'r+');
  const chunks = await Promise.all(FILES.map((f) => open(join(ctx.fioDir, f), 'r+')));
  for (const callers of DEPTHS) {
    const runs = [];
    for (let run = 0; run < RUNS; run++) {
      const slices: Array<{ store: StoreSlice; fio: FioResult; node: Record<NodeMode, LoadResult> | null }> = [];
      for (let i = 0; i < SLICES; i++) {
        const store = await storeWrites(ctx, callers, DURABLE_SECONDS / SLICES);
        const f = await fio(ctx.fioDir, {
          rw: 'randwrite',
          filename: DURABLE_FILE,
          filesize: CHUNKS * CHUNK_SIZE,
          fdatasync: 1,
          runtime: `${Math.round((DURABLE_SECONDS / SLICES) * 1000)}ms`,
          ...depthEngine(callers),
        });
        settle();
        const node =
          callers === 1
            ? Object.fromEntries(
                await seq(NODE_MODES, (m) =>
                  nodeDurable(fh, chunks, m, DURABLE_SECONDS / SLICES, CHUNKS * CHUNK_SIZE).finally(settle),
                ),
              )
            : null;
        slices.push({ store, fio: f, node: node as Record<NodeMode, LoadResult> | null });
      }
      const store = sumStore(slices.map((x) => x.store));
      const fioIops = rate(slices.map((x) => x.fio));
      const fioSide = { iops: fioIops, writesPerSync: sumIos(slices) / Math.max(1, sumSyncs(slices)) };
      const nodeOf = (m: NodeMode) => rate(slices.map((x) => x.node![m]));
      const node =
        callers === 1 ? { pool: nodeOf('pool'), blocking: nodeOf('blocking'), storeIo: nodeOf('storeIo') } : null;
      runs.push({ store, fio: fioSide, ratio: store.iops / fioIops, ...(node ? { node } : {}) });
    }
    rows.push({ callers, runs });
    process.stdout.write('.');
  }
  await Promise.all([fh, ...chunks].map((f) => f.close()));
  return rows;
}

/**
 * The device's twin of the store's log at 64 in flight: fio appending batches of the size the store's
 * syncs carried (records of 4160 bytes, padded to 4 KiB), fdatasync after each. Its syncs/s times the
 * writes per sync bounds the store's c64 on this device, whatever the store does.
 */
async function logTwin(ctx: Ctx, c64: DurableRow) {
  const out = [];
  for (const run of c64.runs) {
    const bs = Math.ceil((run.store.writesPerSync * (BS + RECORD_HEADER)) / BS) * BS;
    const f = await fio(ctx.fioDir, { rw: 'write', filename: DURABLE_FILE, bs, fdatasync: 1, ioengine: 'psync' });
    settle();
    out.push({ bs, syncsPerSec: f.iops, writesPerSecCeiling: f.iops * run.store.writesPerSync });
  }
  return out;
}

const readShape = { ...shape(CHUNKS), pattern: 'read' as const };

/** One caller's 4 KiB random reads of the store in tight-loop.ts's loop, per second. */
async function storeReads(store: DataStore): Promise<number> {
  const buf = new Uint8Array(BS);
  return (await tightRandomIo(SECONDS, readShape, (file, off) => store.readChunkInto(file + 1, SN, off, buf))).iops;
}

async function randomRead(ctx: Ctx, nodeFiles: NodeFiles) {
  const runs = [];
  const buf = new Uint8Array(BS);
  const storeRead = (file: number, off: number) => ctx.store.readChunkInto(file + 1, SN, off, buf);
  const nodeRead = (file: number, off: number) => nodeFiles.io('read', file, off, buf, true);
  for (let run = 0; run < RUNS; run++) {
    const store = await storeReads(ctx.store);
    const f = await fio(ctx.fioDir, { rw: 'randread', ioengine: 'psync', ...chunkFiles });
    const fMmap = await fio(ctx.fioDir, { rw: 'randread', ioengine: 'mmap', ...chunkFiles });
    const node = await tightRandomIo(SECONDS, readShape, nodeRead);
    // the earlier rows' loop, for comparison with them
    const closed = await randomIo(1, SECONDS, readShape, (_k, file, off) => storeRead(file, off));
    runs.push({
      store,
      storeReads: ctx.store.reads,
      fio: f.iops,
      fioMmap: fMmap.iops,
      node: node.iops,
      storePread: 0, // measured after, on the store reopened (withPreadReads)
      ratio: store / f.iops,
      storeToFioMmap: store / fMmap.iops,
      nodeToFio: node.iops / f.iops,
      storeClosedLoop: closed.iops,
    });
  }
  process.stdout.write('.');
  return runs;
}

/** The read runs completed with the store reopened with reads: 'pread', one figure per run. */
async function withPreadReads(runs: Awaited<ReturnType<typeof randomRead>>, store: DataStore) {
  for (const run of runs) run.storePread = await storeReads(store);
  return runs;
}

/** The store reopened with sync 'batch' on the same directory: plain writes, like the old row. */
async function plainWrites(ctx: Ctx, nodeFiles: NodeFiles) {
  const rows = [];
  for (const callers of PLAIN_DEPTHS) {
    const runs = [];
    for (let run = 0; run < RUNS; run++) {
      const store = await storeWrites(ctx, callers, SECONDS);
      const data = payload();
      // the store before its log: one synchronous pwrite per write, nothing else
      const node = await randomIo(callers, SECONDS, shape(CHUNKS), (_k, f, off) =>
        nodeFiles.io('write', f, off, data, true),
      );
      settle();
      const psync = await fio(ctx.fioDir, { rw: 'randwrite', ioengine: 'psync', ...chunkFiles });
      settle();
      const uring =
        callers === 1 ? psync : await fio(ctx.fioDir, { rw: 'randwrite', ...depthEngine(callers), ...chunkFiles });
      settle();
      runs.push({
        store: store.iops,
        node: node.iops,
        fioPsync: psync.iops,
        fioIoUring: uring.iops,
        ratio: store.iops / psync.iops,
        ratioToIoUring: store.iops / uring.iops,
      });
    }
    rows.push({ callers, runs });
  }
  process.stdout.write('.');
  return rows;
}

function fileSystem(dir: string): string {
  try {
    return execFileSync('df', ['--output=fstype,source', dir], { encoding: 'utf8' }).trim().split('\n')[1].trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const quiet = process.argv.includes('--no-wait') ? null : await waitForQuietMachine(30, 600);
  const fioVersion = await ensureFio();
  const unmapped = ensureFileMapping();
  if (unmapped) console.log(`the store reads with pread: ${unmapped}`);
  const root = await mkdtemp(join(tmpdir(), 'chunkstore-bench-'));
  const fioDir = join(root, 'fio');
  const fs = new CountingFs();
  const loadBefore = loadavg();
  try {
    await mkdir(fioDir);
    let store = await DataStore.open({ dir: join(root, 'store'), chunkSize: CHUNK_SIZE, fs });
    await prefill(store);
    const layout = { name: 'layout', directory: fioDir, rw: 'write', bs: MiB };
    await runFio({ ...layout, ...chunkFiles });
    await runFio({ ...layout, filename: DURABLE_FILE, filesize: CHUNKS * CHUNK_SIZE });
    settle();
    console.log(`chunkstore vs ${fioVersion} on ${fileSystem(root)}, ${cpus().length} CPUs, load ${loadBefore[0]}`);
    const ctx: Ctx = { fioDir, fs, store };
    const durableRows = await durable(ctx);
    const c64Ceiling = await logTwin(ctx, durableRows[2]!);
    const pg = [];
    for (let run = 0; run < RUNS; run++) pg.push(await pgFdatasyncRate(fioDir, QUICK ? 1 : 2));
    const nodeFiles = await NodeFiles.open(FILES.map((f) => join(fioDir, f)));
    const mappedRead = await randomRead(ctx, nodeFiles);
    await store.close();
    store = await DataStore.open({ dir: join(root, 'store'), chunkSize: CHUNK_SIZE, fs, reads: 'pread' });
    const read = await withPreadReads(mappedRead, store);
    await store.close();
    store = await DataStore.open({ dir: join(root, 'store'), chunkSize: CHUNK_SIZE, fs, sync: 'batch' });
    const plain = await plainWrites({ ...ctx, store }, nodeFiles);
    await nodeFiles.close();
    await store.close();
    const settings = {
      quick: QUICK,
      seconds: SECONDS,
      durableSeconds: DURABLE_SECONDS,
      runs: RUNS,
      chunks: CHUNKS,
      chunkSize: CHUNK_SIZE,
    };
    const report = {
      fioVersion,
      fs: fileSystem(root),
      quiet,
      loadBefore,
      settings,
      durableRows,
      c64Ceiling,
      pg,
      read,
      plain,
    };
    await reportChunkstore(report, join(import.meta.dirname, 'results', 'chunkstore.json'));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
