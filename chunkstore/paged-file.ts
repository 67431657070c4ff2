import type { FileHandle } from 'node:fs/promises';
import type { Geometry } from './geometry';
import { decodeMetaPage, encodeMetaPage, type MetaPage } from './metapage';

/**
 * An open chunk or snapshot file: metapage at 0, data area after it
 * (FORMAT.md "File layout"). Keeps its FileHandle open until close();
 * all I/O is positional, so no shared file offset exists.
 */
export class PagedFile {
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly g: Geometry,
  ) {}

  /** Reads and verifies the metapage (CrcCheckError / InvalidArgError from decodeMetaPage). */
  async readMeta(): Promise<MetaPage> {
    const buf = await this.readAt(0, this.g.metaPageSize);
    return decodeMetaPage(buf, this.g, this.path);
  }

  /**
   * Rewrites the whole metapage with one aligned write, then fdatasync: the
   * caller updates its in-memory state only after this resolves, so memory
   * never runs ahead of disk.
   */
  async writeMeta(meta: MetaPage): Promise<void> {
    await this.writeAt(0, encodeMetaPage(meta, this.g));
    await this.handle.datasync();
  }

  /** Reads `length` bytes of the data area from chunk offset `offset`. */
  readData(offset: number, length: number): Promise<Buffer> {
    return this.readAt(this.g.metaPageSize + offset, length);
  }

  /** Writes into the data area at chunk offset `offset` (not synced). */
  writeData(offset: number, data: Uint8Array): Promise<void> {
    return this.writeAt(this.g.metaPageSize + offset, data);
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  private async readAt(position: number, length: number): Promise<Buffer> {
    // Buffer.alloc zero-fills, so a short read (file truncated from outside)
    // leaves zeros, which is what a sparse hole reads as anyway.
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buf, done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buf;
  }

  private async writeAt(position: number, data: Uint8Array): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  }
}
