import { ChunkDir } from './chunk-dir';
import type { ChunkInfo } from './chunk-meta';
import { fail } from './errors';
import { FilePool } from './file-pool';
import { makeGeometry, maxLocationLength, type Geometry } from './geometry';
import { KeyedRwLock } from './keyed-rw-lock';
import type { LoggedOp } from './log-record';
import { OpLog } from './op-log';
import {
  checkNumber,
  logOptions,
  readsOption,
  writeBehindOption,
  type DataStoreOptions,
  type ReadPath,
} from './store-options';
import { nodeFs } from './store-fs';
import { DEFAULT_SYNC_IO_MAX_BYTES, SyncIoPolicy } from './sync-io-policy';
import { WriteBehind } from './write-behind';

export type { DataStoreOptions } from './store-options';

/** Hands callers a plain Uint8Array (the contract type), not a Buffer. */
function plain(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/**
 * Local chunk store (Curve's chunkserver DataStore): maps chunk operations to
 * files in one directory (layout in FORMAT.md). Operations on one chunk are
 * serialized; different chunks proceed in parallel. All refusals are thrown
 * as ChunkStoreError.
 */
export class DataStore {
  private closed = false;
  private log!: OpLog;
  private checkpointing: Promise<void> | null = null;

  private constructor(
    private readonly chunks: ChunkDir,
    private readonly storeGeometry: Geometry,
    private readonly locks: KeyedRwLock<number>,
    private readonly io: SyncIoPolicy,
    private readonly behind: WriteBehind,
    /** how small page-cache reads are done: the reads option as given, or its default here */
    readonly reads: ReadPath,
  ) {}

  /**
   * Opens (creating if needed) the store in `opts.dir`: removes leftover
   * `.tmp` files and orphan snapshots, loads every chunk and snapshot metapage,
   * replays the op log's records after its checkpoint, then checkpoints.
   * @throws CrcCheckError when any metapage is damaged (seed fault cases 1, 3);
   *   SnapshotConflictError when a chunk has two snapshot files;
   *   InvalidArgError for bad sizes or files written with another geometry.
   */
  static async open(opts: DataStoreOptions): Promise<DataStore> {
    const geometry = makeGeometry(opts);
    const fs = opts.fs ?? nodeFs;
    const syncIoMaxBytes = opts.syncIoMaxBytes ?? DEFAULT_SYNC_IO_MAX_BYTES;
    checkNumber('syncIoMaxBytes', syncIoMaxBytes);
    const writeBehind = writeBehindOption(opts);
    const logOpts = logOptions(opts, geometry);
    const reads = readsOption(opts);
    await fs.mkdirp(opts.dir); // after every check: refused options leave nothing behind
    const locks = new KeyedRwLock<number>();
    const behind = new WriteBehind(fs.backgroundWriter());
    const io = new SyncIoPolicy(syncIoMaxBytes, () => locks.pending, writeBehind ? behind : null);
    const chunks = new ChunkDir(new FilePool(opts.dir, geometry, io, fs, reads === 'mapped'), geometry);
    const store = new DataStore(chunks, geometry, locks, io, behind, reads);
    try {
      await store.chunks.load();
      const { log, replay } = await OpLog.open(fs, opts.dir, logOpts, io);
      store.log = log;
      log.onCheckpointWanted = () => void store.checkpoint().catch(() => undefined);
      await store.chunks.replay(replay);
      await store.checkpoint();
    } catch (err) {
      await store.log?.close().catch(() => undefined);
      await store.chunks.closeAll();
      await behind.close();
      throw err;
    }
    return store;
  }

  /**
   * Writes `data` at `offset` as version `sn`; creates the chunk (sn, correctedSn 0)
   * when missing. A first write of a newer version preserves the old data in a
   * snapshot (COW); see ChunkFile.write.
   * @throws InvalidArgError sn 0 (nothing created), bad range (a missing chunk
   *   is created first); BackwardRequestError, StatusConflictError,
   *   SnapshotConflictError as ChunkFile.write.
   */
  async writeChunk(id: number, sn: number, data: Uint8Array, offset: number): Promise<void> {
    this.checkIdAndSn(id, sn);
    if (sn === 0) fail('InvalidArgError', 'sn 0 is not a valid version');
    return this.mutate({ kind: 'write', id, sn, offset, data });
  }

  /**
   * Reads the current data of a chunk; `sn` does not matter.
   * @throws ChunkNotExistError; InvalidArgError bad range; PageNeverWrittenError
   *   for a never-written page of a clone chunk.
   */
  async readChunk(id: number, sn: number, offset: number, length: number): Promise<Uint8Array> {
    this.checkIdAndSn(id, sn);
    return plain(await this.withChunkReadLock(id, () => this.chunks.existing(id).read(offset, length)));
  }

  /**
   * readChunk into the caller's buffer: fills `target` (its length is the
   * read length) from `offset`, as Curve's ReadChunk(buf) does. Saves the
   * allocation (and its garbage) of a fresh buffer per read.
   * @throws as readChunk; `target` is unchanged on a refusal.
   */
  readChunkInto(id: number, sn: number, offset: number, target: Uint8Array): Promise<void> {
    // not `async`: the hottest path of the store, one promise fewer per read
    try {
      this.checkIdAndSn(id, sn);
      // A synchronous read while no mutation of the chunk runs or waits, and none of its
      // writes is owed, completes in this tick: nothing can interleave with it, so the lock's
      // bookkeeping (a third of a small read) is skipped. The read returns a settled promise then.
      if (this.io.useSyncUncounted(target.length) && this.locks.sharedNow(id)) {
        const chunk = this.chunks.existing(id);
        if (!chunk.owing) return chunk.readInto(offset, target);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    return this.withChunkReadLock(id, () => this.chunks.existing(id).readInto(offset, target));
  }

  /**
   * Reads version `sn` of a chunk: its snapshot when sn == snapSn, its current
   * data when sn == chunk sn.
   * @throws ChunkNotExistError (no chunk, or no such version); InvalidArgError
   *   bad range; PageNeverWrittenError as readChunk.
   */
  async readSnapshotChunk(id: number, sn: number, offset: number, length: number): Promise<Uint8Array> {
    this.checkIdAndSn(id, sn);
    return plain(await this.withChunkReadLock(id, () => this.chunks.existing(id).readVersion(sn, offset, length)));
  }

  /**
   * Deletes a chunk file. Success when the chunk does not exist.
   * @throws BackwardRequestError when sn < chunk sn; SnapshotExistError while
   *   the chunk has a snapshot (delete the snapshot first).
   */
  async deleteChunk(id: number, sn: number): Promise<void> {
    this.checkIdAndSn(id, sn);
    return this.mutate({ kind: 'delete', id, sn });
  }

  /**
   * Ends a snapshot: deletes the chunk's snapshot if older than the chunk,
   * and records `correctedSn` when it is newer than both sn and correctedSn
   * (so a later write of that version takes no snapshot). Success when the
   * chunk does not exist.
   * @throws StatusConflictError on a clone chunk; BackwardRequestError when
   *   correctedSn < chunk sn or < chunk correctedSn.
   */
  async deleteSnapshotChunkOrCorrectSn(id: number, correctedSn: number): Promise<void> {
    this.checkIdAndSn(id, correctedSn);
    return this.mutate({ kind: 'deleteSnap', id, correctedSn });
  }

  /**
   * Creates a clone chunk whose pages lazily come from `location`.
   * Idempotent: success when the chunk exists as a clone with the same sn,
   * correctedSn and location.
   * @throws InvalidArgError sn 0, size != chunkSize, empty or oversized
   *   location; ChunkConflictError when the chunk exists otherwise.
   */
  async createCloneChunk(id: number, sn: number, correctedSn: number, size: number, location: string): Promise<void> {
    this.checkIdAndSn(id, sn);
    checkNumber('correctedSn', correctedSn);
    if (sn === 0) fail('InvalidArgError', 'sn 0 is not a valid version');
    const { chunkSize } = this.storeGeometry;
    if (size !== chunkSize) fail('InvalidArgError', `size ${size} != chunkSize ${chunkSize}`);
    if (location === '') fail('InvalidArgError', 'clone location is empty');
    if (Buffer.byteLength(location, 'utf8') > maxLocationLength(this.storeGeometry)) {
      fail('InvalidArgError', 'clone location does not fit the metapage');
    }
    return this.mutate({ kind: 'clone', id, sn, correctedSn, location });
  }

  /**
   * Fills never-written pages of a clone chunk (data fetched from its
   * location); written pages are left alone; no-op success on a normal chunk.
   * @throws ChunkNotExistError; InvalidArgError bad range.
   */
  async pasteChunk(id: number, data: Uint8Array, offset: number): Promise<void> {
    this.checkIdAndSn(id, 0);
    return this.mutate({ kind: 'paste', id, offset, data });
  }

  /**
   * State of a chunk (bitmap is a copy).
   * @throws ChunkNotExistError.
   */
  async getChunkInfo(id: number): Promise<ChunkInfo> {
    this.checkIdAndSn(id, 0);
    return this.withChunkReadLock(id, async () => this.chunks.existing(id).info());
  }

  /** The sizes this store was opened with (FORMAT.md "Geometry"). */
  get geometry(): { chunkSize: number; pageSize: number; metaPageSize: number } {
    const { chunkSize, pageSize, metaPageSize } = this.storeGeometry;
    return { chunkSize, pageSize, metaPageSize };
  }

  /** Waits for running operations, checkpoints, then closes every file. Later calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.locks.idle();
    try {
      await this.checkpoint();
    } finally {
      await this.log.close();
      await this.chunks.closeAll();
      await this.behind.close();
    }
  }

  /**
   * Every mutation: its record is appended to the op log and made durable
   * first, then it is applied to the chunk files under the chunk's lock (data
   * synced lazily, by a checkpoint); a crash in between is repaired by the
   * replay at open. The append happens in the same tick as the lock is asked
   * for, so the lock's FIFO order is the log's order, and calls on one chunk
   * share a sync instead of each waiting for the previous one's. Refusals are
   * logged too: replayed, they refuse again (or are skipped by seq).
   */
  private mutate(op: LoggedOp): Promise<void> {
    const logged = this.log.append(op);
    logged.catch(() => undefined); // awaited under the lock; not an unhandled rejection meanwhile
    return this.withChunkLock(op.id, async () => {
      const seq = await logged;
      try {
        await this.chunks.apply(op, seq);
      } finally {
        this.log.applied(seq);
      }
    });
  }

  /**
   * Makes every applied op durable in the chunk files (their dirty data is
   * synced; metapages and file creations already are), then records that in
   * the log, whose segments before that point are reused. One at a time.
   * Without the chunks' locks (FORMAT.md "Checkpoint"): a sync started after
   * `through` covers those ops' writes whatever runs meanwhile, and a write
   * waiting for it, or the lone writer's log sync sent to the pool because it
   * counted as an operation in progress, cost c1 ~10 %.
   */
  private checkpoint(): Promise<void> {
    this.checkpointing ??= (async () => {
      const through = this.log.appliedThrough();
      await this.chunks.syncAll();
      await this.log.checkpointed(through);
    })().finally(() => (this.checkpointing = null));
    return this.checkpointing;
  }

  private checkIdAndSn(id: number, sn: number): void {
    if (this.closed) throw new Error('DataStore is closed');
    if (this.behind.failure) throw this.behind.failure;
    checkNumber('chunk id', id);
    checkNumber('sn', sn);
  }

  private withChunkLock<T>(id: number, task: () => Promise<T>): Promise<T> {
    return this.locks.exclusive(id, task);
  }

  /** For operations that change nothing (reads, info): they may overlap each other. */
  private withChunkReadLock<T>(id: number, task: () => Promise<T>): Promise<T> {
    return this.locks.shared(id, task);
  }
}
