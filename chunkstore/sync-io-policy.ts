import { performance } from 'node:perf_hooks';
import type { StoreFile } from './store-fs';
import type { WriteBehind } from './write-behind';

/** What the synchronous paths return: already settled, shared. */
const DONE: Promise<void> = Promise.resolve();

/** Default largest I/O done synchronously: a page-cache copy of 64 KiB takes a few µs. */
export const DEFAULT_SYNC_IO_MAX_BYTES = 64 * 1024;
/** Largest chunk write owed to the write-behind thread (useBehind); `maxBytes` 0 does not turn it off. */
export const BEHIND_MAX_BYTES = 64 * 1024;
/** Largest I/O done synchronously while it is the store's only operation in progress (~100-200 µs). */
export const LONE_SYNC_IO_MAX_BYTES = 1024 * 1024;
/** A synchronous call slower than this did not hit the page cache (disk read, dirty-page throttling). */
const SLOW_SYNC_MS = 2;
/**
 * Slow calls needed to back off. A single one is no evidence: on a busy
 * machine the thread is sometimes preempted in the middle of a 3 µs syscall.
 * Each fast call pays 1/LEAK of the debt back, so the debt reaches this only
 * when slow calls are frequent (a cold cache makes nearly all of them slow).
 */
const SLOW_CALLS_TO_BACK_OFF = 3;
const LEAK = 32;
/** A lone fdatasync slower than this (the device is congested) sends the next ones to the pool. */
const SLOW_FLUSH_MS = 5;
/**
 * How long the first slow fdatasync sends the next ones to the pool; doubled while the one tried after
 * that is slow too (up to ASYNC_AFTER_SLOW_MS), reset by a fast one. Short, because the usual cause is
 * short: the store's own checkpoint writing chunk pages back (bench c1: a second of pool trips after each
 * left the event loop idle 22 % of a run).
 */
const FIRST_FLUSH_BACKOFF_MS = 100;
/** After a slow synchronous call, everything goes through the thread pool for this long. */
export const ASYNC_AFTER_SLOW_MS = 1_000;
/** The read path times one call in this many (readStarted). */
const READ_SAMPLE = 4;
const NOT_TIMED = -1;

/**
 * Decides, per call, whether a positional read/write runs synchronously on the
 * calling thread (fs.readSync/writeSync on the open fd) or through libuv's
 * thread pool (FileHandle.read/write).
 *
 * Why: a small I/O that hits the page cache costs ~1-8 µs as a syscall, but a
 * trip through the thread pool costs ~25-45 µs (queue, wake a pool thread,
 * post the result back, resolve a promise) and, with Node's default 4 pool
 * threads, caps the store at a few tens of thousands of operations per
 * second. A synchronous call blocks the event loop, though, for as long as
 * it takes: harmless for a few µs, not for a page-cache miss that waits for
 * the disk or a write throttled by dirty-page write-back (milliseconds). So:
 *   - only I/O of at most `maxBytes` goes synchronous; large I/O (1 MiB) stays
 *     async when other store operations are in progress: the copy itself
 *     dominates, and the pool runs several copies on other CPUs while the
 *     event loop keeps serving the rest;
 *   - but a large I/O (up to LONE_SYNC_IO_MAX_BYTES) that is the store's only
 *     operation in progress goes synchronous too: a lone caller gains no
 *     parallelism from the pool, only the hand-off's latency (a 1 MiB write
 *     alone: ~60-75 % of fio through the pool, par synchronously). It blocks the
 *     event loop for the copy, ~100-200 µs; bigger I/O (a 16 MiB chunk write)
 *     always goes to the pool;
 *   - every synchronous write and one read in READ_SAMPLE is timed; when calls slower than SLOW_SYNC_MS
 *     (the page cache did not absorb them) become frequent, all I/O of this
 *     store goes to the thread pool for ASYNC_AFTER_SLOW_MS, so a cold or
 *     write-back-bound store degrades to the plain async behaviour instead of
 *     stalling the event loop.
 * fdatasync waits for the device, so it goes through the pool, except the op
 * log's fdatasync for a lone operation (flush): with nothing else in progress
 * the event loop has nothing to serve meanwhile, and the pool's hand-off cost
 * ~140 µs per trip on this loaded 2-core VM, as much as the device's sync
 * (bare Node pwrite + fdatasync: 3.3-4.6k/s through the pool, 6.5-8.2k/s
 * blocking, fio --fdatasync=1 5-8.6k/s). A lone fdatasync slower than
 * SLOW_FLUSH_MS sends the next ones to the pool for FIRST_FLUSH_BACKOFF_MS, longer while they stay slow.
 */
export class SyncIoPolicy {
  private asyncUntil = 0;
  private flushAsyncUntil = 0;
  private flushBackoffMs = FIRST_FLUSH_BACKOFF_MS;
  private slowDebt = 0;
  private reads = 0;
  private readonly loneMaxBytes: number;

  /**
   * @param maxBytes largest synchronous I/O; 0 = always use the thread pool.
   * @param inProgress store operations running or waiting for their chunk's
   *   lock, the current one included (so large I/O knows whether it is alone).
   */
  constructor(
    readonly maxBytes: number,
    private readonly inProgress: () => number,
    /** where small chunk writes go while other operations are in progress (useBehind); none: never */
    readonly behind: WriteBehind | null = null,
  ) {
    this.loneMaxBytes = maxBytes === 0 ? 0 : Math.max(maxBytes, LONE_SYNC_IO_MAX_BYTES);
  }

  /** True when an I/O of `length` bytes should run synchronously now. */
  useSync(length: number): boolean {
    return this.useSyncBeside(length, this.inProgress() - 1);
  }

  /** useSync() for a caller that `inProgress` does not count (the lock-free read path): it adds itself. */
  useSyncUncounted(length: number): boolean {
    return this.useSyncBeside(length, this.inProgress());
  }

  /**
   * True when a chunk data write of `length` bytes should be owed to the write-behind thread: it is small
   * and other operations are in progress, so its caller can be answered now (its record is durable) and
   * the page-cache copy (6-14 µs on this VM, the event loop's largest cost per write at depth 64) runs on
   * the other core. A lone caller keeps the synchronous write: it would only add the hand-off.
   */
  useBehind(length: number): boolean {
    return this.behind !== null && length <= BEHIND_MAX_BYTES && this.inProgress() > 1;
  }

  /** Runs a synchronous I/O, timing it (see the class comment). */
  timed<T>(io: () => T): T {
    const started = this.syncStarted();
    try {
      return io();
    } finally {
      this.syncEnded(started);
    }
  }

  /** timed() without a closure, for the hot path: `syncEnded(syncStarted())` around the call. */
  syncStarted(): number {
    return performance.now();
  }

  /**
   * syncStarted() for one read in READ_SAMPLE, else NOT_TIMED (syncEnded ignores it). Two clock
   * reads were half of what the store adds to a 4 KiB page-cache read; a cold cache, where nearly
   * every read is slow, still backs off after about SLOW_CALLS_TO_BACK_OFF * READ_SAMPLE reads.
   */
  readStarted(): number {
    return ++this.reads % READ_SAMPLE === 0 ? performance.now() : NOT_TIMED;
  }

  syncEnded(started: number): void {
    if (started === NOT_TIMED) return;
    const end = performance.now();
    this.slowDebt = end - started > SLOW_SYNC_MS ? this.slowDebt + 1 : Math.max(0, this.slowDebt - 1 / LEAK);
    if (this.slowDebt >= SLOW_CALLS_TO_BACK_OFF) {
      this.asyncUntil = end + ASYNC_AFTER_SLOW_MS;
      this.slowDebt = 0;
    }
  }

  /**
   * Writes all of `data` at `position`: synchronously when this policy allows
   * (may then throw synchronously), else through the thread pool.
   */
  write(file: StoreFile, position: number, data: Uint8Array): Promise<void> {
    return this.writeIf(this.useSync(data.length), file, position, data);
  }

  /**
   * write() for the op log's batch: every caller in it waits for this write, so up to
   * LONE_SYNC_IO_MAX_BYTES it stays on the event loop whatever else is in progress (a pool
   * trip, ~140 µs under load, delayed them all and left the device idle: bench c64).
   */
  writeBatch(file: StoreFile, position: number, data: Uint8Array): Promise<void> {
    const small = data.length <= this.loneMaxBytes;
    return this.writeIf(small && this.notBackedOff(), file, position, data);
  }

  private writeIf(sync: boolean, file: StoreFile, position: number, data: Uint8Array): Promise<void> {
    if (!sync) return writeAsync(file, position, data);
    const started = this.syncStarted();
    try {
      for (let n = 0; n < data.length;) n += file.writeSync(data, n, data.length - n, position + n);
    } finally {
      this.syncEnded(started);
    }
    return DONE;
  }

  /** fdatasync of `file`: on the calling thread for a lone operation (see the class comment), else in the pool. */
  flush(file: StoreFile): Promise<void> {
    if (this.maxBytes === 0 || this.inProgress() > 1) return file.datasync();
    const started = performance.now();
    if (started < this.flushAsyncUntil) return file.datasync();
    file.datasyncSync();
    const end = performance.now();
    if (end - started > SLOW_FLUSH_MS) {
      this.flushAsyncUntil = end + this.flushBackoffMs;
      this.flushBackoffMs = Math.min(2 * this.flushBackoffMs, ASYNC_AFTER_SLOW_MS);
    } else this.flushBackoffMs = FIRST_FLUSH_BACKOFF_MS;
    return DONE;
  }

  /** Whether synchronous I/O is suspended after a slow call (for tests and diagnostics). */
  get suspended(): boolean {
    return !this.notBackedOff();
  }

  /** `others`: store operations in progress besides this one. */
  private useSyncBeside(length: number, others: number): boolean {
    if (length > this.maxBytes && (length > this.loneMaxBytes || others > 0)) return false;
    return this.notBackedOff();
  }

  /** False while synchronous I/O is suspended after slow calls. */
  private notBackedOff(): boolean {
    return this.asyncUntil === 0 || this.checkBackoff();
  }

  private checkBackoff(): boolean {
    if (performance.now() < this.asyncUntil) return false;
    this.asyncUntil = 0;
    return true;
  }
}

async function writeAsync(file: StoreFile, position: number, data: Uint8Array): Promise<void> {
  let done = 0;
  while (done < data.length) done += await file.write(data, done, data.length - done, position + done);
}
