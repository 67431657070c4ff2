import { readSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Geometry } from './geometry';
import { decodeMetaPage, encodeMetaPage, type MetaPage } from './metapage';
import type { SyncIoPolicy } from './sync-io-policy';

/**
 * An open chunk or snapshot file: metapage at 0, data area after it
 * (FORMAT.md "File layout"). Keeps its FileHandle open until close();
 * all I/O is positional, so no shared file offset exists. Small reads and
 * writes run synchronously on the fd when the policy allows (see
 * SyncIoPolicy for why and when), the rest through the FileHandle.
 */
export class PagedFile {
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly g: Geometry,
    private readonly io: SyncIoPolicy,
  ) {}

  /** Reads and verifies the metapage (CrcCheckError / InvalidArgError from decodeMetaPage). */
  async readMeta(): Promise<MetaPage> {
    const buf = Buffer.allocUnsafe(this.g.metaPageSize);
    await this.readInto(0, buf);
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

  /** Reads `length` bytes of the data area from chunk offset `offset` into a new buffer. */
  async readData(offset: number, length: number): Promise<Buffer> {
    // allocUnsafe: zero-filling a buffer about to be overwritten cost a quarter
    // of the read path; readInto zeroes only what the file did not supply.
    const buf = Buffer.allocUnsafe(length);
    await this.readInto(this.g.metaPageSize + offset, buf);
    return buf;
  }

  /** Reads `target.length` bytes of the data area from chunk offset `offset` into `target`. */
  readDataInto(offset: number, target: Uint8Array): Promise<void> {
    return this.readInto(this.g.metaPageSize + offset, target);
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

  /**
   * Fills `target` from file position `position`. A short read (file
   * truncated from outside) leaves zeros in the rest, which is what a sparse
   * hole reads as anyway.
   */
  private async readInto(position: number, target: Uint8Array): Promise<void> {
    const length = target.length;
    let done = 0;
    if (this.io.useSync(length)) {
      const fd = this.handle.fd;
      done = this.io.timed(() => {
        let n = 0;
        while (n < length) {
          const got = readSync(fd, target, n, length - n, position + n);
          if (got === 0) break;
          n += got;
        }
        return n;
      });
    } else {
      while (done < length) {
        const { bytesRead } = await this.handle.read(target, done, length - done, position + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    }
    if (done < length) target.fill(0, done);
  }

  private async writeAt(position: number, data: Uint8Array): Promise<void> {
    const length = data.length;
    if (this.io.useSync(length)) {
      const fd = this.handle.fd;
      this.io.timed(() => {
        for (let n = 0; n < length; ) n += writeSync(fd, data, n, length - n, position + n);
      });
      return;
    }
    let done = 0;
    while (done < length) {
      const { bytesWritten } = await this.handle.write(data, done, length - done, position + done);
      done += bytesWritten;
    }
  }
}
