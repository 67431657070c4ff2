// Pure verifier for the drill images: no I/O except the optional file convenience wrapper.
// (a) 'complete': the active chain must hold records 1..N in order and nothing after them.
// (b) 'prefix':   an old layer read alone must hold a clean prefix 1..k (k ≤ N), nothing torn,
//                 and only zeros after it — i.e. a consistent point-in-time image.
import { readFile } from 'node:fs/promises';
import { RECORD_BYTES, formatRecord, parseRecord } from './records';

export type VerifyMode = 'complete' | 'prefix';

export interface Verdict {
  ok: boolean;
  /** Records found in order from record 1 (the prefix length; N for a complete image). */
  k?: number;
  /** 1-based slot of the first record that is wrong (missing, torn, foreign or trailing). */
  firstBadRecord?: number;
  reason: string;
}

export interface VerifyOptions {
  records: number;
  mode: VerifyMode;
}

export function verifyRecords(image: Uint8Array, { records, mode }: VerifyOptions): Verdict {
  if (!Number.isInteger(records) || records < 1) throw new RangeError(`records must be a positive integer: ${records}`);
  const bytes = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  const k = countLeadingRecords(bytes, records);

  if (mode === 'complete' && k < records) {
    const slot = k + 1;
    if (slot * RECORD_BYTES > bytes.length) {
      return {
        ok: false,
        k,
        firstBadRecord: slot,
        reason: `short image: ${bytes.length} bytes end before record ${slot} of ${records}`,
      };
    }
    return { ok: false, k, firstBadRecord: slot, reason: describeBadSlot(bytes, slot) };
  }

  const garbageAt = firstNonZeroByte(bytes, k * RECORD_BYTES);
  if (garbageAt !== -1) {
    const slot = Math.floor(garbageAt / RECORD_BYTES) + 1;
    const what =
      slot === k + 1 && k < records ? describeBadSlot(bytes, slot) : `trailing data after the last record ${k}`;
    return { ok: false, k, firstBadRecord: slot, reason: `${what} (first non-zero byte at offset ${garbageAt})` };
  }

  return mode === 'complete'
    ? { ok: true, k, reason: `all ${records} records present in order, zeros after` }
    : { ok: true, k, reason: `clean prefix of ${k} of ${records} records, zeros after` };
}

/** Reads a raw export and verifies it (convenience for activities; the check itself stays pure). */
export async function verifyRawFile(path: string, options: VerifyOptions): Promise<Verdict> {
  return verifyRecords(await readFile(path), options);
}

/** How many slots from the start hold exactly records 1, 2, 3, … (never more than `limit`). */
function countLeadingRecords(bytes: Buffer, limit: number): number {
  const available = Math.min(limit, Math.floor(bytes.length / RECORD_BYTES));
  for (let n = 1; n <= available; n++) {
    const offset = (n - 1) * RECORD_BYTES;
    if (bytes.toString('latin1', offset, offset + RECORD_BYTES) !== formatRecord(n)) return n - 1;
  }
  return available;
}

function describeBadSlot(bytes: Buffer, slot: number): string {
  const offset = (slot - 1) * RECORD_BYTES;
  const data = bytes.subarray(offset, offset + RECORD_BYTES);
  if (data.length < RECORD_BYTES) return `short image: record ${slot} is cut at the end of the image`;
  if (data.every((b) => b === 0)) return `gap: record ${slot} is missing (zeros)`;
  const found = parseRecord(data);
  if (found !== undefined) return `out of order: slot ${slot} holds record ${found}`;
  return `torn record ${slot}: ${JSON.stringify(data.toString('latin1'))}`;
}

const ZERO_BLOCK = Buffer.alloc(64 * 1024);

/** Offset of the first non-zero byte at or after `from`, or -1. Compares in 64 KiB blocks for speed. */
function firstNonZeroByte(bytes: Buffer, from: number): number {
  for (let block = from; block < bytes.length; block += ZERO_BLOCK.length) {
    const end = Math.min(block + ZERO_BLOCK.length, bytes.length);
    if (bytes.compare(ZERO_BLOCK, 0, end - block, block, end) === 0) continue;
    for (let i = block; i < end; i++) if (bytes[i] !== 0) return i;
  }
  return -1;
}
