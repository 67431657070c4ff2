import { join } from 'node:path';
import { decodeRecord, payloadLength, RECORD_HEADER, type LogRecord } from './log-record';
import type { StoreFile, StoreFs } from './store-fs';

const ZEROS = Buffer.alloc(1024 * 1024);
const NAME_RE = /^log_(0|[1-9]\d*)$/;

/**
 * One preallocated op-log segment `log_<n>` (FORMAT.md "Op log"): created
 * zero-filled at its full size (so appends change no metadata and fdatasync
 * suffices), records from offset 0, reused after a checkpoint frees it.
 */
export class LogSegment {
  /** highest seq written into it in its current use (0: none) */
  lastSeq = 0;

  private constructor(
    readonly index: number,
    readonly file: StoreFile,
  ) {}

  /** The index of a segment's file name, or null for other names. */
  static indexOf(name: string): number | null {
    const m = NAME_RE.exec(name);
    return m ? Number(m[1]) : null;
  }

  static async open(fs: StoreFs, dir: string, index: number): Promise<LogSegment> {
    return new LogSegment(index, await fs.open(join(dir, `log_${index}`), 'existing'));
  }

  /** Zero-filled, synced, then renamed into place and the directory synced: it appears complete or not at all. */
  static async create(fs: StoreFs, dir: string, index: number, size: number): Promise<LogSegment> {
    const path = join(dir, `log_${index}`);
    await fs.remove(`${path}.tmp`);
    const file = await fs.open(`${path}.tmp`, 'create');
    for (let at = 0; at < size; at += ZEROS.length) await file.write(ZEROS, 0, Math.min(ZEROS.length, size - at), at);
    await file.sync();
    await fs.rename(`${path}.tmp`, path);
    await fs.syncDir(dir);
    return new LogSegment(index, file);
  }

  /** The record at `pos`, or null (end of records, torn, never written, or past `size`). */
  read(pos: number, size: number): LogRecord | null {
    if (pos + RECORD_HEADER > size) return null;
    const header = Buffer.alloc(RECORD_HEADER);
    if (this.file.readSync(header, 0, RECORD_HEADER, pos) < RECORD_HEADER) return null;
    const len = payloadLength(header);
    if (len < 0 || pos + RECORD_HEADER + len > size) return null;
    const payload = Buffer.alloc(len);
    if (this.file.readSync(payload, 0, len, pos + RECORD_HEADER) < len) return null;
    return decodeRecord(header, payload);
  }
}
