// The record format shared by every writer (guest /init, host NBD writer) and the verifier.
// A record is "%015d\n": 16 bytes, so 32 fit a 512-byte sector exactly and none straddles one —
// a torn sector therefore shows up as whole missing/foreign records, never as a half number.

export const RECORD_BYTES = 16;
export const CHUNK_BYTES = 4096;
export const RECORDS_PER_CHUNK = CHUNK_BYTES / RECORD_BYTES; // 256
const DIGITS = RECORD_BYTES - 1;
const MAX_RECORD = 10 ** DIGITS - 1;

/** The exact 16 bytes of record number `n` (1-based). */
export function formatRecord(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > MAX_RECORD) throw new RangeError(`record number out of range: ${n}`);
  return String(n).padStart(DIGITS, '0') + '\n';
}

/** Writes record `n` into `target` at its own slot (slot = n - 1). */
export function writeRecordAt(target: Buffer, slotOffset: number, n: number): void {
  target.write(formatRecord(n), slotOffset, RECORD_BYTES, 'latin1');
}

/** Parses a slot back into its record number, or undefined when it is not a well-formed record. */
export function parseRecord(slot: Uint8Array): number | undefined {
  if (slot.length !== RECORD_BYTES || slot[DIGITS] !== 0x0a) return undefined;
  let value = 0;
  for (let i = 0; i < DIGITS; i++) {
    const digit = slot[i] - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return value;
}

/** Number of 4 KiB chunks needed for `records` records (the last one may be partial). */
export function chunkCount(records: number): number {
  return Math.ceil(records / RECORDS_PER_CHUNK);
}

/** The 4 KiB payload of chunk `chunkIndex` (0-based) for a run of `totalRecords`; slots past the end stay zero. */
export function buildChunk(chunkIndex: number, totalRecords: number): Buffer {
  const chunk = Buffer.alloc(CHUNK_BYTES);
  const first = chunkIndex * RECORDS_PER_CHUNK + 1;
  const last = Math.min(first + RECORDS_PER_CHUNK - 1, totalRecords);
  for (let n = first; n <= last; n++) writeRecordAt(chunk, (n - first) * RECORD_BYTES, n);
  return chunk;
}

/** Records fully written once `chunksDone` chunks are acknowledged. */
export function recordsAfterChunks(chunksDone: number, totalRecords: number): number {
  return Math.min(chunksDone * RECORDS_PER_CHUNK, totalRecords);
}
