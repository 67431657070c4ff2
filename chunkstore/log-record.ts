import { crc32 } from 'node:zlib';

/** Records of the op log (FORMAT.md "Op log"): one per mutation, CRC'd, numbered. */

/** A mutation as the log carries it; DataStore.apply runs it, first time or replayed. */
export type LoggedOp =
  | { kind: 'write'; id: number; sn: number; offset: number; data: Uint8Array }
  | { kind: 'paste'; id: number; offset: number; data: Uint8Array }
  | { kind: 'delete'; id: number; sn: number }
  | { kind: 'deleteSnap'; id: number; correctedSn: number }
  | { kind: 'clone'; id: number; sn: number; correctedSn: number; location: string };

export const RECORD_HEADER = 64;
const MAGIC = 0x524c4642; // 'BFLR' little-endian
const KINDS = ['write', 'paste', 'delete', 'deleteSnap', 'clone'] as const;

export interface LogRecord {
  readonly seq: number;
  readonly epoch: number;
  readonly op: LoggedOp;
  /** zero bytes after the record before the next one (the end of a synced batch, up to a 4 KiB block) */
  readonly pad?: number;
}

function payloadOf(op: LoggedOp): Uint8Array {
  if (op.kind === 'write' || op.kind === 'paste') return op.data;
  if (op.kind === 'clone') return Buffer.from(op.location, 'utf8');
  return new Uint8Array(0);
}

/** Bytes the record of `op` takes in a segment. */
export function recordSize(op: LoggedOp): number {
  return RECORD_HEADER + payloadOf(op).length;
}

/** Serializes `rec` into `out` at `at` (recordSize bytes). */
export function encodeRecord(rec: LogRecord, out: Buffer, at: number): void {
  const { op } = rec;
  const payload = payloadOf(op);
  const h = out.subarray(at, at + RECORD_HEADER);
  h.fill(0);
  h.writeUInt32LE(MAGIC, 0);
  h.writeUInt32LE(payload.length, 8);
  h.writeUInt32LE(rec.epoch, 12);
  h.writeBigUInt64LE(BigInt(rec.seq), 16);
  h.writeUInt8(KINDS.indexOf(op.kind), 24);
  h.writeUInt32LE(rec.pad ?? 0, 28);
  h.writeBigUInt64LE(BigInt(op.id), 32);
  const sn = op.kind === 'deleteSnap' ? op.correctedSn : op.kind === 'paste' ? 0 : op.sn;
  h.writeBigUInt64LE(BigInt(sn), 40);
  h.writeBigUInt64LE(BigInt(op.kind === 'clone' ? op.correctedSn : 0), 48);
  h.writeBigUInt64LE(BigInt(op.kind === 'write' || op.kind === 'paste' ? op.offset : 0), 56);
  out.set(payload, at + RECORD_HEADER);
  const crc = crc32(out.subarray(at + RECORD_HEADER, at + RECORD_HEADER + payload.length), crc32(h.subarray(8)));
  h.writeUInt32LE(crc, 4);
}

/** Payload length announced by a record header, or -1 when the bytes are not a record header. */
export function payloadLength(header: Buffer): number {
  return header.readUInt32LE(0) === MAGIC ? header.readUInt32LE(8) : -1;
}

/** Decodes a header + payload; null when the CRC (torn or never written) or a field is wrong. */
export function decodeRecord(header: Buffer, payload: Buffer): LogRecord | null {
  if (header.readUInt32LE(0) !== MAGIC || header.readUInt32LE(8) !== payload.length) return null;
  if (crc32(payload, crc32(header.subarray(8, RECORD_HEADER))) !== header.readUInt32LE(4)) return null;
  const kind = KINDS[header.readUInt8(24)];
  const num = (at: number) => Number(header.readBigUInt64LE(at));
  const id = num(32);
  const rec = { seq: num(16), epoch: header.readUInt32LE(12), pad: header.readUInt32LE(28) };
  const data = new Uint8Array(payload);
  switch (kind) {
    case 'write':
      return { ...rec, op: { kind, id, sn: num(40), offset: num(56), data } };
    case 'paste':
      return { ...rec, op: { kind, id, offset: num(56), data } };
    case 'delete':
      return { ...rec, op: { kind, id, sn: num(40) } };
    case 'deleteSnap':
      return { ...rec, op: { kind, id, correctedSn: num(40) } };
    case 'clone':
      return { ...rec, op: { kind, id, sn: num(40), correctedSn: num(48), location: payload.toString('utf8') } };
    default:
      return null;
  }
}
