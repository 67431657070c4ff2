import { chunkInfo, describesChunk, newChunkMeta, type ChunkInfo, type NewChunk } from './chunk-meta';
import { fail } from './errors';
import { chunkFileName, type FilePool } from './file-pool';
import { pageRange, type Geometry, type PageRange } from './geometry';
import type { MetaPage } from './metapage';
import type { PagedFile } from './paged-file';
import { SnapshotFile, type ChunkReader } from './snapshot-file';

/**
 * One chunk: the file `chunk_<id>` (metapage: sn, correctedSn, clone location
 * and written-page bitmap) plus its snapshot file, if any. Holds the metapage
 * in memory; every change is written to disk first (PagedFile.writeMeta) and
 * adopted in memory after. Not concurrency-safe by itself: DataStore
 * serializes all operations on one chunk.
 */
export class ChunkFile {
  private snapshot: SnapshotFile | null = null;
  /**
   * Seq of the last logged op carried out on this chunk. Every op up to it is
   * durable once the next metapage update is (data is synced before it), so
   * updateMeta records it and the replay at open skips those ops.
   */
  doneSeq = 0;

  private constructor(
    private readonly pool: FilePool,
    private readonly file: PagedFile,
    private meta: MetaPage,
    private readonly geometry: Geometry,
  ) {}

  /** Creates `chunk_<id>` durably (FilePool.create); a clone gets an all-clear bitmap. */
  static async create(pool: FilePool, id: number, init: NewChunk, geometry: Geometry, doneSeq = 0): Promise<ChunkFile> {
    const meta = newChunkMeta(id, init, geometry, doneSeq);
    const chunk = new ChunkFile(pool, await pool.create(chunkFileName(id), meta), meta, geometry);
    chunk.doneSeq = doneSeq;
    return chunk;
  }

  /** Ops up to this seq are durable here (the metapage says so): replay skips them. */
  get appliedSeq(): number {
    return this.meta.appliedSeq ?? 0;
  }

  /**
   * Opens `chunk_<id>` and loads its metapage.
   * @throws CrcCheckError on a damaged metapage or one that is not chunk `id`'s
   *   (seed fault case 1); InvalidArgError for another geometry.
   */
  static async load(pool: FilePool, id: number, geometry: Geometry): Promise<ChunkFile> {
    const file = await pool.openExisting(chunkFileName(id));
    try {
      const meta = await file.readMeta();
      if (!describesChunk(meta, id)) fail('CrcCheckError', `${file.path}: metapage does not describe chunk ${id}`);
      const chunk = new ChunkFile(pool, file, meta, geometry);
      chunk.doneSeq = meta.appliedSeq ?? 0;
      return chunk;
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  /** Loads the snapshot file found next to this chunk at open. */
  async loadSnapshot(sn: number): Promise<void> {
    if (this.snapshot)
      fail('SnapshotConflictError', `chunk ${this.meta.chunkId} has snapshots ${this.snapshot.sn} and ${sn}`);
    this.snapshot = await SnapshotFile.load(this.pool, this.meta.chunkId, sn, this.geometry);
  }

  /** True while writes of the chunk file are owed to the write-behind thread. */
  get owing(): boolean {
    return this.file.owing;
  }

  get isClone(): boolean {
    return this.meta.clone;
  }

  /**
   * WriteChunk on an existing chunk.
   * @throws InvalidArgError bad range; BackwardRequestError when
   *   sn < chunk.sn or sn < correctedSn; StatusConflictError when a clone chunk
   *   would need a snapshot; SnapshotConflictError when a snapshot is needed
   *   and a stale one (snap.sn < chunk.sn) exists.
   * Order and crash safety: FORMAT.md "Ordering of a WriteChunk".
   */
  async write(sn: number, data: Uint8Array, offset: number): Promise<void> {
    const range = pageRange(this.geometry, offset, data.length);
    const { meta } = this;
    if (sn < meta.sn || sn < meta.correctedSn) {
      fail('BackwardRequestError', `write sn ${sn} is behind chunk sn ${meta.sn} / correctedSn ${meta.correctedSn}`);
    }
    if (sn > meta.sn && sn > meta.correctedSn) await this.ensureSnapshot();
    if (sn > meta.sn) await this.updateMeta({ ...meta, sn });
    if (this.snapshot && this.needCow(sn)) {
      await this.snapshot.copyOnWrite(range, this.chunkReader);
    }
    await this.file.writeData(offset, data);
    if (this.meta.clone) await this.markWritten([range]);
  }

  /**
   * PasteChunk: fills the clone chunk's pages that were never written; pages
   * already written (by WriteChunk or an earlier paste) keep their data.
   * A no-op success on a normal chunk (the clone was completed earlier).
   * @throws InvalidArgError bad range.
   */
  async paste(data: Uint8Array, offset: number): Promise<void> {
    const range = pageRange(this.geometry, offset, data.length);
    const bitmap = this.meta.bitmap;
    if (!this.meta.clone || !bitmap) return;
    const runs = bitmap.runs(range, false);
    const ps = this.geometry.pageSize;
    for (const run of runs) {
      const from = (run.first - range.first) * ps;
      await this.file.writeData(run.first * ps, data.subarray(from, from + (run.last - run.first + 1) * ps));
    }
    await this.markWritten(runs);
  }

  /**
   * ReadChunk: current data of the range.
   * @throws InvalidArgError bad range; PageNeverWrittenError when a clone
   *   chunk's page in the range was never written.
   */
  async read(offset: number, length: number): Promise<Buffer> {
    this.checkReadable(offset, length);
    return this.file.readData(offset, length);
  }

  /** read() into the caller's buffer (`target.length` bytes): no allocation per read. May throw synchronously. */
  readInto(offset: number, target: Uint8Array): Promise<void> {
    this.checkReadable(offset, target.length);
    return this.file.readDataInto(offset, target);
  }

  /**
   * ReadSnapshotChunk: the chunk as of version `sn`: the snapshot's view when
   * sn is the snapshot's, else the current data when sn is the chunk's.
   * @throws InvalidArgError bad range; ChunkNotExistError for any other sn;
   *   PageNeverWrittenError as read().
   */
  async readVersion(sn: number, offset: number, length: number): Promise<Buffer> {
    const range = pageRange(this.geometry, offset, length);
    if (this.snapshot && sn === this.snapshot.sn) return this.snapshot.read(range, this.chunkReader);
    if (sn === this.meta.sn) return this.read(offset, length);
    return fail('ChunkNotExistError', `chunk ${this.meta.chunkId} has no version ${sn}`);
  }

  /**
   * DeleteSnapshotChunkOrCorrectSn (rules in FORMAT.md "Semantics decisions" 2).
   * @throws StatusConflictError on a clone chunk; BackwardRequestError when
   *   correctedSn < chunk.sn or < chunk.correctedSn.
   */
  async deleteSnapshotOrCorrectSn(correctedSn: number): Promise<void> {
    const { meta } = this;
    if (meta.clone) fail('StatusConflictError', `chunk ${meta.chunkId} is a clone chunk`);
    if (correctedSn < meta.sn || correctedSn < meta.correctedSn) {
      fail(
        'BackwardRequestError',
        `correctedSn ${correctedSn} is behind chunk sn ${meta.sn} / correctedSn ${meta.correctedSn}`,
      );
    }
    // snap.sn >= chunk.sn means the snapshot was made after this request was
    // first applied (a replay): it belongs to a later snapshot, keep it.
    const removing = this.snapshot !== null && meta.sn > this.snapshot.sn;
    const correcting = correctedSn > meta.sn && correctedSn > meta.correctedSn;
    // the metapage first, even when only the snapshot goes: it records the ops already
    // done (appliedSeq), so the replay of an earlier op never meets the snapshot-less chunk
    if (removing || correcting) await this.updateMeta(correcting ? { ...meta, correctedSn } : meta);
    if (removing) await this.removeSnapshot();
  }

  /**
   * Checks that DeleteChunk may remove this chunk (no side effect).
   * @throws BackwardRequestError when sn < chunk.sn; SnapshotExistError while
   *   a snapshot exists (FORMAT.md "Semantics decisions" 1).
   */
  checkDeletable(sn: number): void {
    if (sn < this.meta.sn) fail('BackwardRequestError', `delete sn ${sn} < chunk sn ${this.meta.sn}`);
    if (this.snapshot) fail('SnapshotExistError', `chunk ${this.meta.chunkId} has snapshot ${this.snapshot.sn}`);
  }

  /** Closes and unlinks the chunk file (durably); the object is unusable after. */
  async destroy(): Promise<void> {
    try {
      await this.close();
    } finally {
      await this.pool.remove(chunkFileName(this.meta.chunkId));
    }
  }

  /** True when a CreateCloneChunk with these arguments made this chunk (idempotent replay). */
  createdAs(sn: number, correctedSn: number, location: string): boolean {
    const m = this.meta;
    return m.clone && m.sn === sn && m.correctedSn === correctedSn && m.location === location;
  }

  info(): ChunkInfo {
    return chunkInfo(this.meta, this.snapshot?.sn ?? 0, this.geometry);
  }

  async close(): Promise<void> {
    await this.snapshot?.close();
    await this.file.close();
  }

  private checkReadable(offset: number, length: number): void {
    const range = pageRange(this.geometry, offset, length);
    if (this.meta.bitmap && !this.meta.bitmap.allSet(range)) {
      fail('PageNeverWrittenError', `chunk ${this.meta.chunkId}: pages ${range.first}-${range.last} not all written`);
    }
  }

  private readonly chunkReader: ChunkReader = (offset, length) => this.file.readData(offset, length);

  /**
   * A write with sn > chunk.sn and sn > correctedSn starts a new chunk
   * version, whose old data must be preserved in a snapshot of version
   * chunk.sn. An existing snapshot with snap.sn >= chunk.sn is that snapshot
   * (created before a crash, or downloaded by a raft follower): reuse it.
   */
  private async ensureSnapshot(): Promise<void> {
    const { meta } = this;
    if (meta.clone) fail('StatusConflictError', `clone chunk ${meta.chunkId} cannot take a snapshot`);
    if (!this.snapshot) {
      this.snapshot = await SnapshotFile.create(this.pool, meta.chunkId, meta.sn, this.geometry);
    } else if (this.snapshot.sn < meta.sn) {
      fail('SnapshotConflictError', `chunk ${meta.chunkId} still has historic snapshot ${this.snapshot.sn}`);
    }
  }

  /**
   * COW only for a write of the chunk's current version that is newer than
   * the snapshot, and not when sn <= correctedSn (the chunk was declared to
   * have no snapshot at that version). snap.sn >= chunk.sn: replay after a
   * crash or a raft follower's download, whose pages must not be recopied.
   */
  private needCow(sn: number): boolean {
    return this.snapshot !== null && sn > this.meta.correctedSn && this.snapshot.sn < this.meta.sn;
  }

  private async removeSnapshot(): Promise<void> {
    const snapshot = this.snapshot;
    if (!snapshot) return;
    await snapshot.close();
    this.snapshot = null;
    await this.pool.remove(snapshot.fileName);
  }

  /**
   * Marks clone pages written. Data is fdatasync'ed before the metapage that
   * claims it, so a set bit never points at lost data; a crash before the
   * metapage leaves the bits clear and a replayed write/paste redoes it
   * (seed fault case 11). A fully written clone becomes a normal chunk.
   */
  private async markWritten(runs: PageRange[]): Promise<void> {
    const bitmap = this.meta.bitmap;
    if (!bitmap || runs.every((run) => bitmap.allSet(run))) return;
    await this.file.datasync();
    const next = bitmap.clone();
    for (const run of runs) next.setRange(run);
    const full = next.isFull();
    await this.updateMeta({
      ...this.meta,
      clone: !full,
      location: full ? '' : this.meta.location,
      bitmap: full ? null : next,
    });
  }

  /** Makes the data written so far durable (a checkpoint). */
  syncData(): Promise<void> {
    return this.file.syncIfDirty();
  }

  /**
   * Data first: a metapage that moves sn or correctedSn forward makes a replay
   * of earlier writes BackwardRequestError, so their data must not be lost
   * behind it (FORMAT.md "Op log").
   */
  private async updateMeta(next: MetaPage): Promise<void> {
    await this.file.syncIfDirty();
    next = { ...next, appliedSeq: this.doneSeq };
    await this.file.writeMeta(next);
    this.meta = next;
  }
}
