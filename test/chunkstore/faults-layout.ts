import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * The on-disk format of chunkstore/FORMAT.md, as far as the fault-injection
 * tests need it to change files from outside the store. Written from the
 * document, not from the implementation's codec; a format change touches
 * only this file.
 */

const MAGIC = Buffer.from('BFCK', 'latin1');
const VERSION = 1;
const KIND_SNAPSHOT = 2;
/** Metapage field offsets (FORMAT.md "Metapage"). */
const F = { sn: 16, correctedSn: 24, bitmapBits: 40, bitmap: 48 } as const;

export interface LayoutGeometry {
  readonly chunkSize: number;
  readonly pageSize: number;
  readonly metaPageSize: number;
}

export class Layout {
  constructor(
    readonly dir: string,
    private readonly geometry: LayoutGeometry,
  ) {}

  chunkFile(id: number): string {
    return join(this.dir, `chunk_${id}`);
  }

  snapshotFile(id: number, sn: number): string {
    return join(this.dir, `chunk_${id}_snap_${sn}`);
  }

  /** File names in the store directory, sorted. */
  async files(): Promise<string[]> {
    // chunk and snapshot files only: the op log's files are the crash suite's business
    return (await readdir(this.dir)).filter((name) => name.startsWith('chunk_')).sort();
  }

  /** Offsets inside the metapage worth corrupting: a header field, the padding, the CRC itself. */
  metaOffsets(): number[] {
    return [F.sn, this.geometry.metaPageSize - 100, this.geometry.metaPageSize - 1];
  }

  /** Inverts one byte of a file (the metapage when offset < metaPageSize). */
  async flipByte(file: string, offset: number): Promise<void> {
    await this.rw(file, async (fh) => {
      const b = Buffer.alloc(1);
      await fh.read(b, 0, 1, offset);
      b[0] ^= 0xff;
      await fh.write(b, 0, 1, offset);
    });
  }

  /** Writes bytes into the data area at chunk offset `offset`, as a half-done store write would. */
  async writeData(file: string, offset: number, data: Uint8Array): Promise<void> {
    await this.rw(file, (fh) => fh.write(data, 0, data.length, this.geometry.metaPageSize + offset));
  }

  /** Rewrites metapage fields with a valid CRC, as a store update that reached the disk would. */
  async editMeta(file: string, edit: { sn?: number; correctedSn?: number; setBits?: number[] }): Promise<void> {
    await this.rw(file, async (fh) => {
      const meta = Buffer.alloc(this.geometry.metaPageSize);
      await fh.read(meta, 0, meta.length, 0);
      if (edit.sn !== undefined) meta.writeBigUInt64LE(BigInt(edit.sn), F.sn);
      if (edit.correctedSn !== undefined) meta.writeBigUInt64LE(BigInt(edit.correctedSn), F.correctedSn);
      if (edit.setBits?.length && meta.readUInt32LE(F.bitmapBits) === 0) throw new Error(`${file} has no bitmap`);
      for (const i of edit.setBits ?? []) meta[F.bitmap + (i >> 3)] |= 1 << (i & 7);
      this.seal(meta);
      await fh.write(meta, 0, meta.length, 0);
    });
  }

  /** Reads the page bitmap of a metapage (clone: written pages; snapshot: copied pages), null when absent. */
  async bitmap(file: string): Promise<boolean[] | null> {
    const meta = Buffer.alloc(this.geometry.metaPageSize);
    await this.rw(file, (fh) => fh.read(meta, 0, meta.length, 0));
    const bits = meta.readUInt32LE(F.bitmapBits);
    if (bits === 0) return null;
    return Array.from({ length: bits }, (_, i) => (meta[F.bitmap + (i >> 3)] & (1 << (i & 7))) !== 0);
  }

  /** Creates snapshot file `sn` of chunk `id` with nothing copied, as a crash right after its creation leaves it. */
  async createSnapshot(id: number, sn: number): Promise<void> {
    const pageCount = this.geometry.chunkSize / this.geometry.pageSize;
    const meta = Buffer.alloc(this.geometry.metaPageSize);
    MAGIC.copy(meta, 0);
    meta.writeUInt16LE(VERSION, 4);
    meta.writeUInt8(KIND_SNAPSHOT, 6);
    meta.writeBigUInt64LE(BigInt(id), 8);
    meta.writeBigUInt64LE(BigInt(sn), F.sn);
    meta.writeUInt32LE(this.geometry.chunkSize, 32);
    meta.writeUInt32LE(this.geometry.pageSize, 36);
    meta.writeUInt32LE(pageCount, F.bitmapBits);
    this.seal(meta);
    const fh = await open(this.snapshotFile(id, sn), 'wx');
    try {
      await fh.write(meta, 0, meta.length, 0);
      await fh.truncate(this.geometry.metaPageSize + this.geometry.chunkSize);
    } finally {
      await fh.close();
    }
  }

  private seal(meta: Buffer): void {
    const end = this.geometry.metaPageSize - 4;
    meta.writeUInt32LE(crc32(meta.subarray(0, end)), end);
  }

  private async rw<T>(file: string, body: (fh: Awaited<ReturnType<typeof open>>) => Promise<T>): Promise<T> {
    const fh = await open(file, 'r+');
    try {
      return await body(fh);
    } finally {
      await fh.close();
    }
  }
}
