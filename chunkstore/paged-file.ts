import type { FileMapping } from './file-mapping';
import type { Geometry } from './geometry';
import { decodeMetaPage, encodeMetaPage, type MetaPage } from './metapage';
import type { StoreFile } from './store-fs';
import { BEHIND_MAX_BYTES, type SyncIoPolicy } from './sync-io-policy';

/** What the synchronous paths return: already settled, shared. */
const DONE: Promise<void> = Promise.resolve();

/**
 * An open chunk or snapshot file: metapage at 0, data area after it
 * (FORMAT.md "File layout"). Keeps its file open until close();
 * all I/O is positional, so no shared file offset exists. Small reads and
 * writes run synchronously on the fd when the policy allows (see
 * SyncIoPolicy for why and when), the rest through the thread pool.
 * Remembers whether data was written since the last sync began (`unsynced`),
 * so syncIfDirty (before a metapage change, at a checkpoint) syncs only then.
 * Data writes may be owed to the write-behind thread (SyncIoPolicy.useBehind):
 * every later call on the file (reads, writes, syncs, close) runs after them.
 * With `mapReads`, the synchronous data reads copy out of a read-only mapping of
 * the file (FORMAT.md "Mapped reads"), made at the first one and ended by close().
 */
export class PagedFile {
  private unsynced = false;
  /** the datasync running now, if any */
  private syncing: Promise<void> | null = null;
  private closed = false;
  /** the last write owed to the write-behind thread, until it is done; a failed one stays (the store failed) */
  private owed: Promise<void> | null = null;
  /** the data reads' mapping: undefined until the first one, null when not mapped (pread) */
  private mapping: FileMapping | null | undefined;

  constructor(
    readonly path: string,
    private readonly handle: StoreFile,
    private readonly geometry: Geometry,
    private readonly io: SyncIoPolicy,
    mapReads: boolean,
  ) {
    if (!mapReads || !handle.map) this.mapping = null;
  }

  /** Reads and verifies the metapage (CrcCheckError / InvalidArgError from decodeMetaPage). */
  async readMeta(): Promise<MetaPage> {
    const buf = Buffer.allocUnsafe(this.geometry.metaPageSize);
    await this.readInto(0, buf);
    return decodeMetaPage(buf, this.geometry, this.path);
  }

  /**
   * Rewrites the whole metapage with one aligned write, then fdatasync: the
   * caller updates its in-memory state only after this resolves, so memory
   * never runs ahead of disk.
   */
  async writeMeta(meta: MetaPage): Promise<void> {
    await this.owed;
    await this.writeAt(0, encodeMetaPage(meta, this.geometry));
    await this.datasync();
  }

  /** Reads `length` bytes of the data area from chunk offset `offset` into a new buffer. */
  async readData(offset: number, length: number): Promise<Buffer> {
    // allocUnsafe: zero-filling a buffer about to be overwritten cost a quarter
    // of the read path; readInto zeroes only what the file did not supply.
    const buf = Buffer.allocUnsafe(length);
    await this.readInto(this.geometry.metaPageSize + offset, buf);
    return buf;
  }

  /**
   * Reads `target.length` bytes of the data area from chunk offset `offset` into `target` (may throw synchronously).
   */
  readDataInto(offset: number, target: Uint8Array): Promise<void> {
    return this.readInto(this.geometry.metaPageSize + offset, target);
  }

  /**
   * Writes into the data area at chunk offset `offset` (not synced; may throw synchronously). When the
   * policy owes it to the write-behind thread, or earlier owed writes are pending (their order must hold),
   * resolves once it is handed over (while not congested), not written: later calls wait for it.
   */
  writeData(offset: number, data: Uint8Array): Promise<void> {
    this.unsynced = true;
    const position = this.geometry.metaPageSize + offset;
    const behind = this.io.behind;
    if (behind && (this.owed || this.io.useBehind(data.length))) {
      if (data.length > BEHIND_MAX_BYTES) return this.afterOwed(() => this.writeAt(position, data));
      const written = behind.write(this.handle, position, data).then(() => {
        this.unsynced = true; // a sync that began before it landed did not cover it
        if (this.owed === written) this.owed = null;
      });
      written.catch(() => undefined); // the failure is the store's, reported by every later call
      this.owed = written;
      return behind.congested ? written : DONE;
    }
    return this.writeAt(position, data);
  }

  async datasync(): Promise<void> {
    await this.owed;
    // cleared before the call: a write racing with it marks the file again
    this.unsynced = false;
    const sync = this.handle.datasync();
    this.syncing = sync;
    try {
      await sync;
    } catch (err) {
      this.unsynced = true;
      throw err;
    } finally {
      if (this.syncing === sync) this.syncing = null;
    }
  }

  /**
   * datasync only when something was written since the last one began. A
   * checkpoint syncs without the chunk's lock, so a sync may be running: it is
   * waited for first, since the caller (a metapage update) needs the data durable,
   * not only a sync started.
   */
  async syncIfDirty(): Promise<void> {
    await this.owed;
    if (this.syncing) await this.syncing.catch(() => undefined); // a failure marked the file dirty again
    if (this.unsynced && !this.closed) await this.datasync();
  }

  async close(): Promise<void> {
    await this.owed?.catch(() => undefined); // the worker must be done with the descriptor
    this.closed = true;
    this.endMapping();
    await this.syncing?.catch(() => undefined); // a checkpoint's sync may still run on the handle
    return this.handle.close();
  }

  /**
   * Fills `target` from file position `position`. A short read (file
   * truncated from outside) leaves zeros in the rest, which is what a sparse
   * hole reads as anyway. Not `async`: the synchronous path returns a
   * settled promise without the allocations of an async frame (the store's
   * small reads cost ~2 µs in all, so every layer counts); errors thrown
   * synchronously reach the caller's lock as a rejection.
   */
  private readInto(position: number, target: Uint8Array): Promise<void> {
    if (this.owed) return this.afterOwed(() => this.readInto(position, target));
    if (!this.io.useSync(target.length)) return this.readIntoAsync(position, target);
    const started = this.io.readStarted();
    let done = 0;
    try {
      const mapping = position >= this.geometry.metaPageSize ? this.dataMapping() : null;
      if (mapping && position + target.length <= mapping.length) {
        if (mapping.copyInto(position, target)) done = target.length;
        else this.endMapping(); // cut short from outside, or the disk failed: pread says which, from now on
      }
      while (done < target.length) {
        const got = this.handle.readSync(target, done, target.length - done, position + done);
        if (got === 0) break;
        done += got;
      }
    } finally {
      this.io.syncEnded(started);
    }
    if (done < target.length) target.fill(0, done);
    return DONE;
  }

  /**
   * The data reads' mapping, made at the first one. A file that cannot be mapped (mmap refused, e.g. past
   * vm.max_map_count) is read with pread from then on; that is a cost, not a failure.
   */
  private dataMapping(): FileMapping | null {
    if (this.mapping === undefined) {
      try {
        this.mapping = this.closed ? null : (this.handle.map?.() ?? null);
      } catch {
        this.mapping = null;
      }
    }
    return this.mapping;
  }

  private endMapping(): void {
    this.mapping?.unmap();
    this.mapping = null;
  }

  private async readIntoAsync(position: number, target: Uint8Array): Promise<void> {
    let done = 0;
    while (done < target.length) {
      const bytesRead = await this.handle.read(target, done, target.length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    if (done < target.length) target.fill(0, done);
  }

  /** Runs `io` after the owed writes (their failure is thrown instead). */
  private async afterOwed(io: () => Promise<void>): Promise<void> {
    while (this.owed) await this.owed;
    return io();
  }

  /** True while writes of this file are owed to the write-behind thread (reads then wait for them). */
  get owing(): boolean {
    return this.owed !== null;
  }

  private writeAt(position: number, data: Uint8Array): Promise<void> {
    return this.io.write(this.handle, position, data);
  }
}
