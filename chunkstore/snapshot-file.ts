import { Bitmap } from './bitmap';
import { fail } from './errors';
import { snapshotFileName, type FilePool } from './file-pool';
import type { Geometry, PageRange } from './geometry';
import { FileKind, type MetaPage } from './metapage';
import type { PagedFile } from './paged-file';

/** Reads raw pages of the chunk data area (the snapshot's fallback and COW source). */
export type ChunkReader = (offset: number, length: number) => Promise<Buffer>;

/**
 * The one snapshot file of a chunk, `chunk_<id>_snap_<sn>`: preserves the
 * chunk's data as it was at version `sn`. Its metapage bitmap marks the pages
 * copied-on-write into it; every other page of the snapshot is still the
 * chunk file's page.
 */
export class SnapshotFile {
  private constructor(
    readonly chunkId: number,
    readonly sn: number,
    private readonly file: PagedFile,
    private copied: Bitmap,
    private readonly geometry: Geometry,
  ) {}

  get fileName(): string {
    return snapshotFileName(this.chunkId, this.sn);
  }

  /** Creates an empty snapshot (nothing copied yet) durably, see FilePool.create. */
  static async create(pool: FilePool, chunkId: number, sn: number, geometry: Geometry): Promise<SnapshotFile> {
    const copied = new Bitmap(geometry.pageCount);
    const file = await pool.create(snapshotFileName(chunkId, sn), SnapshotFile.meta(chunkId, sn, copied));
    return new SnapshotFile(chunkId, sn, file, copied, geometry);
  }

  /**
   * Opens an existing snapshot file and loads its metapage.
   * @throws CrcCheckError when the metapage is damaged or is not the snapshot
   *   metapage of (chunkId, sn) its name says (seed fault case 3).
   */
  static async load(pool: FilePool, chunkId: number, sn: number, geometry: Geometry): Promise<SnapshotFile> {
    const file = await pool.openExisting(snapshotFileName(chunkId, sn));
    try {
      const meta = await file.readMeta();
      if (meta.kind !== FileKind.Snapshot || meta.chunkId !== chunkId || meta.sn !== sn || !meta.bitmap) {
        fail('CrcCheckError', `${file.path}: metapage does not describe snapshot ${sn} of chunk ${chunkId}`);
      }
      return new SnapshotFile(chunkId, sn, file, meta.bitmap, geometry);
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  private static meta(chunkId: number, sn: number, copied: Bitmap): MetaPage {
    return { kind: FileKind.Snapshot, chunkId, sn, correctedSn: 0, clone: false, location: '', bitmap: copied };
  }

  /** Copy of the COW bitmap (bit set = page copied into the snapshot). */
  copiedPages(): Bitmap {
    return this.copied.clone();
  }

  /**
   * Copies the pages of `range` not copied yet from the chunk into the
   * snapshot. Order: copy data, fdatasync, then the metapage with the new bits
   * (writeMeta syncs). A crash before the metapage leaves the bits clear and a
   * replay copies again (seed fault case 9); the chunk page is overwritten
   * only after this resolves (fault case 10).
   */
  async copyOnWrite(range: PageRange, readChunk: ChunkReader): Promise<void> {
    const todo = this.copied.runs(range, false);
    if (todo.length === 0) return;
    for (const run of todo) {
      const offset = run.first * this.geometry.pageSize;
      const length = (run.last - run.first + 1) * this.geometry.pageSize;
      await this.file.writeData(offset, await readChunk(offset, length));
    }
    await this.file.datasync();
    const next = this.copied.clone();
    for (const run of todo) next.setRange(run);
    await this.file.writeMeta(SnapshotFile.meta(this.chunkId, this.sn, next));
    this.copied = next;
  }

  /** Reads the snapshot's view of `range`: copied pages from here, the rest from the chunk. */
  async read(range: PageRange, readChunk: ChunkReader): Promise<Buffer> {
    const ps = this.geometry.pageSize;
    // every page is filled by one of the two passes below, so no zero-fill
    const out = Buffer.allocUnsafe((range.last - range.first + 1) * ps);
    for (const fromSnapshot of [true, false]) {
      for (const run of this.copied.runs(range, fromSnapshot)) {
        const offset = run.first * ps;
        const length = (run.last - run.first + 1) * ps;
        const data = fromSnapshot ? await this.file.readData(offset, length) : await readChunk(offset, length);
        data.copy(out, (run.first - range.first) * ps);
      }
    }
    return out;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
