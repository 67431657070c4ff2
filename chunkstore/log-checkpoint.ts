import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { StoreFile, StoreFs } from './store-fs';

/**
 * The op log's checkpoint file `log_checkpoint` (FORMAT.md "Op log"): two
 * 4 KiB slots written in turn, each {generation, epoch, checkpoint seq, CRC};
 * the valid slot with the higher generation counts, so a torn or lost slot
 * write leaves the previous state readable.
 */

export const CHECKPOINT_FILE = 'log_checkpoint';
const SLOT = 4096;
const MAGIC = 0x50434642; // 'BFCP' little-endian

export interface CheckpointState {
  /** bumped by every open: records of a later epoch never continue an earlier epoch's tail */
  readonly epoch: number;
  /** every op with a seq <= this is durable in the chunk files */
  readonly seq: number;
}

function encode(generation: number, state: CheckpointState): Buffer {
  const buf = Buffer.alloc(SLOT);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeBigUInt64LE(BigInt(generation), 8);
  buf.writeUInt32LE(state.epoch, 16);
  buf.writeBigUInt64LE(BigInt(state.seq), 24);
  buf.writeUInt32LE(crc32(buf.subarray(0, SLOT - 4)), SLOT - 4);
  return buf;
}

function decode(buf: Buffer): { generation: number; state: CheckpointState } | null {
  if (buf.length < SLOT || buf.readUInt32LE(0) !== MAGIC) return null;
  if (crc32(buf.subarray(0, SLOT - 4)) !== buf.readUInt32LE(SLOT - 4)) return null;
  return {
    generation: Number(buf.readBigUInt64LE(8)),
    state: { epoch: buf.readUInt32LE(16), seq: Number(buf.readBigUInt64LE(24)) },
  };
}

export class CheckpointFile {
  private constructor(
    private readonly file: StoreFile,
    private generation: number,
  ) {}

  /** Opens (creating durably when missing) and reads the current state. */
  static async open(fs: StoreFs, dir: string): Promise<{ file: CheckpointFile; state: CheckpointState }> {
    const path = join(dir, CHECKPOINT_FILE);
    if (!(await fs.readdir(dir)).includes(CHECKPOINT_FILE)) {
      await fs.remove(`${path}.tmp`);
      const tmp = await fs.open(`${path}.tmp`, 'create');
      const empty = encode(0, { epoch: 0, seq: 0 });
      await tmp.write(Buffer.concat([empty, empty]), 0, 2 * SLOT, 0);
      await tmp.sync();
      await tmp.close();
      await fs.rename(`${path}.tmp`, path);
      await fs.syncDir(dir);
    }
    const file = await fs.open(path, 'existing');
    const slots = [0, 1].map((i) => {
      const buf = Buffer.alloc(SLOT);
      const n = file.readSync(buf, 0, SLOT, i * SLOT);
      return decode(buf.subarray(0, n));
    });
    const best = slots.reduce((a, b) => (b && (!a || b.generation > a.generation) ? b : a), null);
    return {
      file: new CheckpointFile(file, best?.generation ?? 0),
      state: best?.state ?? { epoch: 0, seq: 0 },
    };
  }

  /** Writes the next slot and makes it durable. */
  async write(state: CheckpointState): Promise<void> {
    const generation = this.generation + 1;
    await this.file.write(encode(generation, state), 0, SLOT, (generation % 2) * SLOT);
    await this.file.datasync();
    this.generation = generation;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
