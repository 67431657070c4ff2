/**
 * Chunk store benchmark (seed 002, concurrency/performance table, cases 3-8):
 * 4 KiB and 1 MiB random write, read and 50/50 mixed, at 1, 10 and 50
 * concurrent callers, each row measured on the DataStore and then on fio
 * doing the same I/O on the same file system in the same run.
 *
 *   node --import tsx bench/chunkstore.ts [--quick] [--size=4KiB|1MiB]
 *
 * Same sync settings: the store does not sync data writes to a normal chunk
 * of an unchanged version (FORMAT.md; a metapage fdatasync happens only when
 * sn grows or a clone bitmap changes, never in this steady state), so fio runs
 * buffered (`--direct=0`) without fsync. Both data sets (16 chunks of 16 MiB)
 * are written once first and stay in the page cache for both. Reads go into a
 * buffer each caller reuses, on both sides (fio's per-job buffer; the store's
 * readChunkInto, Curve's ReadChunk(buf)).
 *
 * Same concurrency: the store is one process whose N callers are N requests
 * in flight on one event loop, so its fio twin is one job with N requests in
 * flight: `psync` for one caller (one blocking call at a time, exactly the
 * store's synchronous small I/O), `io_uring` with `iodepth=N` for N callers
 * (libaio would block in submit on buffered files). The bench's earlier twin,
 * N fio *threads* each with one blocking call (`psync`, `numjobs=N`), is kept
 * as the column "fio thr": it lets fio copy pages on every CPU at once, the
 * machine's ceiling rather than the same workload, which a single event loop
 * can only approach through libuv's pool. Targets are judged against the twin.
 * A last column, "node", does the same I/O on bare files along the same path
 * the store takes (synchronous pread/pwrite for small I/O and for a lone
 * caller's large I/O, FileHandle through libuv's pool otherwise): the ceiling
 * of a store on Node, so store/node is the store's own overhead. Figures go
 * to bench/results/chunkstore.json.
 *
 * Known caveats. 1 MiB reads run about twice as fast in this process (store
 * and bare Node alike) as in fio on the same files, while a small standalone
 * Node script reads them at fio's speed: not explained (not THP, open flags
 * or folio state), so read the 1 MiB read ratios to fio as optimistic and
 * store/node as the reliable figure. UV_THREADPOOL_SIZE 2, 4 and 8 made no
 * difference beyond noise on 2 CPUs, so the bench leaves it to the host
 * (set it in the environment; it is recorded in the results).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataStore } from '../chunkstore/index';
import { DEFAULT_SYNC_IO_MAX_BYTES, LONE_SYNC_IO_MAX_BYTES } from '../chunkstore/sync-io-policy';
import { randomIo, type LoadResult, type Pattern } from './lib/closed-loop';
import { fioVersion, runFio, type FioOptions } from './lib/fio';
import { NodeFiles } from './lib/node-files';
import { formatTable } from './lib/table';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 0.5 : 1;
/** Each row is measured REPS times, store/fio/node interleaved, and the median kept: the machine may be shared. */
const REPS = QUICK ? 1 : 3;
const CHUNK_SIZE = 16 * 1024 * 1024;
const CHUNKS = 16;
const SN = 1;
const MiB = 1024 * 1024;
const SIZES = [4096, MiB] as const;
const PATTERNS: readonly Pattern[] = ['write', 'read', 'mixed'];
const CALLERS = [1, 10, 50] as const;
const ONLY_SIZE = process.argv.find((a) => a.startsWith('--size='))?.slice('--size='.length);
const FILES = Array.from({ length: CHUNKS }, (_, i) => `c${i + 1}`);

/**
 * store/fio ratio to reach, from the brief: 1 MiB write 80 % of fio bandwidth, 4 KiB write 50 % of IOPS, reads 70 %.
 */
function target(pattern: Pattern, bs: number): number | null {
  if (pattern === 'write') return bs === MiB ? 0.8 : 0.5;
  return pattern === 'read' ? 0.7 : null;
}

const sizeName = (bs: number) => (bs === MiB ? '1MiB' : `${bs / 1024}KiB`);
const FIO_RW: Record<Pattern, string> = { write: 'randwrite', read: 'randread', mixed: 'randrw' };

async function prefillStore(store: DataStore): Promise<void> {
  const data = new Uint8Array(MiB).fill(0x5a);
  for (let id = 1; id <= CHUNKS; id++) {
    for (let off = 0; off < CHUNK_SIZE; off += MiB) await store.writeChunk(id, SN, data, off);
  }
}

function payload(bs: number): Uint8Array {
  return new Uint8Array(bs).map(() => Math.floor(Math.random() * 256));
}

/** One read buffer per caller, reused: what fio does per job. */
const readBuffers = (callers: number, bs: number) => Array.from({ length: callers }, () => new Uint8Array(bs));

function storeRow(store: DataStore, pattern: Pattern, bs: number, callers: number): Promise<LoadResult> {
  const data = payload(bs);
  const bufs = readBuffers(callers, bs);
  return randomIo(
    callers,
    SECONDS,
    { pattern, bs, files: CHUNKS, fileSize: CHUNK_SIZE },
    (kind, file, offset, caller) =>
      kind === 'write'
        ? store.writeChunk(file + 1, SN, data, offset)
        : store.readChunkInto(file + 1, SN, offset, bufs[caller]!),
  );
}

function nodeRow(files: NodeFiles, pattern: Pattern, bs: number, callers: number): Promise<LoadResult> {
  const data = payload(bs);
  const bufs = readBuffers(callers, bs);
  // the store's SyncIoPolicy: small I/O, or large I/O of a lone caller, synchronous
  const sync = bs <= DEFAULT_SYNC_IO_MAX_BYTES || (callers === 1 && bs <= LONE_SYNC_IO_MAX_BYTES);
  return randomIo(
    callers,
    SECONDS,
    { pattern, bs, files: CHUNKS, fileSize: CHUNK_SIZE },
    (kind, file, offset, caller) => files.io(kind, file, offset, kind === 'write' ? data : bufs[caller]!, sync),
  );
}

function fioBase(dir: string): FioOptions {
  return {
    name: 'chunkstore-twin',
    directory: dir,
    filename: FILES.join(':'),
    filesize: CHUNK_SIZE,
    ioengine: 'psync',
    direct: 0,
  };
}

/** How fio keeps `callers` requests in flight: one process like the store ("twin"), or one thread each ("threads"). */
type FioModel = 'twin' | 'threads';

function fioConcurrency(model: FioModel, callers: number): FioOptions {
  if (model === 'threads') return { ioengine: 'psync', numjobs: callers, thread: true };
  return callers === 1 ? { ioengine: 'psync', numjobs: 1 } : { ioengine: 'io_uring', iodepth: callers, numjobs: 1 };
}

function fioRow(dir: string, pattern: Pattern, bs: number, callers: number, model: FioModel): Promise<LoadResult> {
  return runFio({
    ...fioBase(dir),
    rw: FIO_RW[pattern],
    ...(pattern === 'mixed' ? { rwmixread: 50 } : {}),
    bs,
    ...fioConcurrency(model, callers),
    fsync: 0,
    time_based: true,
    runtime: `${Math.round(SECONDS * 1000)}ms`,
    file_service_type: 'random',
    norandommap: true,
    randrepeat: 0,
    invalidate: 0,
  });
}

function threadPoolSize(): string {
  return process.env.UV_THREADPOOL_SIZE ?? '4 (default)';
}

function median(rs: LoadResult[]): LoadResult {
  return [...rs].sort((a, b) => a.bytesPerSec - b.bytesPerSec)[Math.floor(rs.length / 2)];
}

/** Flushes dirty pages (sync(1)) so that write-back of one measurement does not slow the next; returns `r`. */
function settle<T>(r: T): T {
  execFileSync('sync');
  return r;
}

function fileSystem(dir: string): string {
  try {
    return execFileSync('df', ['--output=fstype,source', dir], { encoding: 'utf8' }).trim().split('\n')[1].trim();
  } catch {
    return 'unknown';
  }
}

const SIDES = ['store', 'fio', 'fioThreads', 'node'] as const;
type Side = (typeof SIDES)[number];
type Sample = Record<Side, LoadResult>;

interface Row {
  size: string;
  pattern: Pattern;
  callers: number;
  store: LoadResult;
  /** the twin: one fio process with the same requests in flight */
  fio: LoadResult;
  /** reference: one fio thread per caller */
  fioThreads: LoadResult;
  node: LoadResult;
  samples: Sample[];
  ratio: number;
  ratioToFioThreads: number;
  ratioToNode: number;
  target: number | null;
  meets: boolean | null;
}

/** Each side once, interleaved; every measurement starts with no dirty pages left by the previous one. */
async function measure(
  store: DataStore,
  nodeFiles: NodeFiles,
  fioDir: string,
  pattern: Pattern,
  bs: number,
  callers: number,
): Promise<Sample> {
  const store_ = settle(await storeRow(store, pattern, bs, callers));
  const fio = settle(await fioRow(fioDir, pattern, bs, callers, 'twin'));
  // with one caller both fio models are the same job
  const fioThreads = callers === 1 ? fio : settle(await fioRow(fioDir, pattern, bs, callers, 'threads'));
  const node = settle(await nodeRow(nodeFiles, pattern, bs, callers));
  return { store: store_, fio, fioThreads, node };
}

async function main(): Promise<void> {
  const fio = await fioVersion();
  if (!fio) throw new Error('fio is not installed (apt-get install fio; listed in scripts/apt-packages.d/bench.txt)');
  const root = await mkdtemp(join(tmpdir(), 'chunkstore-bench-'));
  const rows: Row[] = [];
  try {
    const storeDir = join(root, 'store');
    const fioDir = join(root, 'fio');
    await mkdir(fioDir);
    const store = await DataStore.open({ dir: storeDir, chunkSize: CHUNK_SIZE });
    await prefillStore(store);
    await runFio({ ...fioBase(fioDir), rw: 'write', bs: MiB });
    const nodeFiles = await NodeFiles.open(FILES.map((f) => join(fioDir, f)));
    settle(null);
    const load = loadavg()[0].toFixed(1);
    console.log(
      `chunkstore vs ${fio} on ${fileSystem(root)}, ${cpus().length} CPUs (load ${load}), ` +
        `UV_THREADPOOL_SIZE=${threadPoolSize()}, ${REPS} x ${SECONDS}s per measurement ` +
        `(median)${QUICK ? ' (--quick)' : ''}`,
    );
    for (const bs of SIZES.filter((b) => !ONLY_SIZE || sizeName(b) === ONLY_SIZE)) {
      for (const pattern of PATTERNS) {
        for (const callers of CALLERS) {
          const samples: Sample[] = [];
          for (let rep = 0; rep < REPS; rep++)
            samples.push(await measure(store, nodeFiles, fioDir, pattern, bs, callers));
          const [s, f, ft, n] = SIDES.map((k) => median(samples.map((x) => x[k])));
          const ratio = s.bytesPerSec / f.bytesPerSec;
          const t = target(pattern, bs);
          const meets = t === null ? null : ratio >= t;
          rows.push({
            size: sizeName(bs),
            pattern,
            callers,
            store: s,
            fio: f,
            fioThreads: ft,
            node: n,
            samples,
            ratio,
            ratioToFioThreads: s.bytesPerSec / ft.bytesPerSec,
            ratioToNode: s.bytesPerSec / n.bytesPerSec,
            target: t,
            meets,
          });
          process.stdout.write('.');
        }
      }
    }
    await store.close();
    await nodeFiles.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  const n0 = (x: number) => Math.round(x).toString();
  const mib = (x: number) => (x / MiB).toFixed(0);
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  console.log(
    `\n${formatTable(
      [
        'size/pattern/callers',
        'store IOPS',
        'MiB/s',
        'fio IOPS',
        'MiB/s',
        'store/fio',
        'target',
        '',
        'fio thr IOPS',
        'store/thr',
        'node IOPS',
        'store/node',
      ],
      rows.map((r) => [
        `${r.size} ${r.pattern} x${r.callers}`,
        n0(r.store.iops),
        mib(r.store.bytesPerSec),
        n0(r.fio.iops),
        mib(r.fio.bytesPerSec),
        pct(r.ratio),
        r.target === null ? '-' : `>=${r.target * 100}%`,
        r.meets === null ? '' : r.meets ? 'ok' : 'MISS',
        n0(r.fioThreads.iops),
        pct(r.ratioToFioThreads),
        n0(r.node.iops),
        pct(r.ratioToNode),
      ]),
    )}`,
  );
  const out = join(import.meta.dirname, 'results', 'chunkstore.json');
  await mkdir(join(import.meta.dirname, 'results'), { recursive: true });
  const settings = {
    quick: QUICK,
    secondsPerMeasurement: SECONDS,
    repetitions: REPS,
    chunks: CHUNKS,
    chunkSize: CHUNK_SIZE,
    store:
      'DataStore, default geometry (default SyncIoPolicy); ' +
      'writes sn=1 to existing normal chunks (no fsync per FORMAT.md), ' +
      'reads sn=1 with readChunkInto into a per-caller buffer',
    fio:
      'twin: one job, psync for 1 caller, io_uring iodepth=callers for more; ' +
      '--direct=0, --fsync=0, 16 files of 16 MiB, random file per I/O, page cache warm',
    fioThreads: 'reference: psync, numjobs=callers (threads), same files and flags',
    node:
      'bare pread/pwrite (fs.readSync/writeSync) for <= 64 KiB and for 1 caller up to 1 MiB, ' +
      'FileHandle (thread pool) otherwise; per-caller read buffer; the fio files, same closed loop as the store',
    uvThreadpoolSize: threadPoolSize(),
  };
  const report = { date: new Date().toISOString(), fio, cpus: cpus().length, loadAvg: loadavg(), settings, rows };
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  const judged = rows.filter((r) => r.target !== null);
  const missed = judged.filter((r) => !r.meets).length;
  const missedVsThreads = judged.filter((r) => r.ratioToFioThreads < r.target!).length;
  console.log(
    `\n${missed} of ${judged.length} targets missed against the fio twin ` +
      `(${missedVsThreads} against fio threads); figures in ${out}`,
  );
}

await main();
