import { fail } from './errors';
import { fileMappingUnavailable } from './file-mapping';
import type { Geometry } from './geometry';
import type { OpLogOptions, SyncMode } from './op-log';
import type { StoreFs } from './store-fs';

/** What DataStore.open takes, and their checks. */

/** Op-log segments in use beyond which a checkpoint starts, unless set (checkpointSegments). */
export const DEFAULT_CHECKPOINT_SEGMENTS = 8;

export interface DataStoreOptions {
  dir: string;
  /** default 16 MiB */
  chunkSize?: number;
  /** default 4 KiB */
  pageSize?: number;
  /** default 4 KiB */
  metaPageSize?: number;
  /**
   * Reads/writes of at most this many bytes run synchronously on the event
   * loop while they are fast (page cache), larger ones through libuv's thread
   * pool; 0 = always the thread pool. Default 64 KiB. See SyncIoPolicy.
   */
  syncIoMaxBytes?: number;
  /** The file system the store's I/O goes through; default the real one (tests pass a simulated one). */
  fs?: StoreFs;
  /**
   * 'always' (default): a mutation resolves once its op-log record is durable
   * (fdatasync), so an acknowledged write survives a power cut. 'batch': it
   * resolves once the record is written to the log file; the log is synced
   * every `batchIntervalMs`, so a power cut loses up to that much acknowledged
   * work (a process crash loses nothing). FORMAT.md "Op log".
   */
  sync?: SyncMode;
  /** batch mode: longest time an acknowledged record stays unsynced, at least 1; default 10 ms */
  batchIntervalMs?: number;
  /** bytes of one preallocated op-log segment; default 4 x chunkSize, at least 1 MiB */
  logSegmentSize?: number;
  /**
   * A checkpoint starts once more than this many op-log segments are in use; default 8 (512 MiB of log
   * with 16 MiB chunks). More: a page rewritten between two checkpoints is written back once, and fewer
   * log syncs wait behind a checkpoint's; but the log takes up to one segment more than this on disk, and
   * `open` after a crash replays up to that much. FORMAT.md "Checkpoint".
   */
  checkpointSegments?: number;
  /**
   * true (default): with other operations in progress, a small chunk page write is owed to a worker thread
   * once its record is durable, and the caller answered then (FORMAT.md "Write-behind"); a failed owed
   * write then fails the store. false: every caller waits for its page write and gets its error itself.
   */
  writeBehind?: boolean;
  /**
   * How small reads that the page cache holds are done (FORMAT.md "Mapped reads"). 'mapped' (the default
   * where the file-mapping binding is built, scripts/build-native.sh): copied out of a read-only mapping of
   * the chunk file, no syscall; a page the disk cannot read (SIGBUS, caught) ends that file's mapping and the
   * read fails with pread's error. 'pread' (the default without the binding): one `pread` per read. Large
   * reads, and reads while the page cache misses, go through the thread pool either way.
   */
  reads?: ReadPath;
}

export type ReadPath = 'mapped' | 'pread';

/** The reads option, checked: 'mapped' is refused where the binding is not built. */
export function readsOption(opts: DataStoreOptions): ReadPath {
  const unavailable = fileMappingUnavailable();
  const value = opts.reads === undefined ? (unavailable ? 'pread' : 'mapped') : opts.reads;
  if (value !== 'mapped' && value !== 'pread')
    fail('InvalidArgError', `reads must be 'mapped' or 'pread', got ${String(value)}`);
  if (value === 'mapped' && unavailable) fail('InvalidArgError', `reads 'mapped' is not available: ${unavailable}`);
  return value;
}

/** The writeBehind option, checked. */
export function writeBehindOption(opts: DataStoreOptions): boolean {
  const value = opts.writeBehind ?? true;
  if (typeof value !== 'boolean') fail('InvalidArgError', `writeBehind must be true or false, got ${String(value)}`);
  return value;
}

/** The op-log segment size unless set (logSegmentSize): 4 x chunkSize, at least 1 MiB. */
export function defaultLogSegmentSize(chunkSize: number): number {
  return Math.max(1024 * 1024, 4 * chunkSize);
}

/** The op log's settings from the store's options and geometry. */
export function logOptions(opts: DataStoreOptions, geometry: Geometry): OpLogOptions {
  const segmentSize = opts.logSegmentSize ?? defaultLogSegmentSize(geometry.chunkSize);
  const batchIntervalMs = opts.batchIntervalMs ?? 10;
  const checkpointSegments = opts.checkpointSegments ?? DEFAULT_CHECKPOINT_SEGMENTS;
  checkNumber('logSegmentSize', segmentSize);
  checkNumber('batchIntervalMs', batchIntervalMs);
  checkNumber('checkpointSegments', checkpointSegments);
  if (checkpointSegments < 1)
    fail('InvalidArgError', `checkpointSegments must be at least 1, got ${checkpointSegments}`);
  if (batchIntervalMs < 1) fail('InvalidArgError', `batchIntervalMs must be at least 1, got ${batchIntervalMs}`);
  if (segmentSize < geometry.chunkSize + 4096) fail('InvalidArgError', 'logSegmentSize must exceed chunkSize + 4 KiB');
  const sync = opts.sync ?? 'always';
  if (sync !== 'always' && sync !== 'batch') fail('InvalidArgError', `sync must be 'always' or 'batch', got ${sync}`);
  return { segmentSize, sync, batchIntervalMs, checkpointSegments };
}

export function checkNumber(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    fail('InvalidArgError', `${name} must be a non-negative integer, got ${value}`);
}
