import { crc32 } from 'node:zlib';
import { Bitmap } from './bitmap';
import { fail } from './errors';
import {
  bitmapBytes,
  META_CRC_SIZE,
  META_HEADER_SIZE,
  META_SEQ_SIZE,
  maxLocationLength,
  type Geometry,
} from './geometry';

/** Codec of the metapage at offset 0 of every chunk and snapshot file (FORMAT.md "Metapage"). */

export const META_MAGIC = Buffer.from('BFCK', 'latin1');
export const FORMAT_VERSION = 1;

export enum FileKind {
  Chunk = 1,
  Snapshot = 2,
}

const FLAG_CLONE = 1;

export interface MetaPage {
  kind: FileKind;
  chunkId: number;
  /** chunk file: the chunk's sn; snapshot file: the snapshot's sn. */
  sn: number;
  /** chunk files only; 0 in snapshot files. */
  correctedSn: number;
  /** chunk files: true for a clone chunk. */
  clone: boolean;
  /** clone location, '' unless clone. */
  location: string;
  /** clone chunk: written pages; snapshot: copied pages; otherwise null. */
  bitmap: Bitmap | null;
  /** chunk files: every logged op on this chunk up to this seq is durable in it (0: none known) */
  appliedSeq?: number;
}

/** Serializes a metapage into exactly `geometry.metaPageSize` bytes, CRC last. */
export function encodeMetaPage(meta: MetaPage, geometry: Geometry): Buffer {
  const location = Buffer.from(meta.location, 'utf8');
  if (location.length > maxLocationLength(geometry)) {
    fail('InvalidArgError', `clone location of ${location.length} bytes does not fit the metapage`);
  }
  const buf = Buffer.alloc(geometry.metaPageSize);
  META_MAGIC.copy(buf, 0);
  buf.writeUInt16LE(FORMAT_VERSION, 4);
  buf.writeUInt8(meta.kind, 6);
  buf.writeUInt8(meta.clone ? FLAG_CLONE : 0, 7);
  buf.writeBigUInt64LE(BigInt(meta.chunkId), 8);
  buf.writeBigUInt64LE(BigInt(meta.sn), 16);
  buf.writeBigUInt64LE(BigInt(meta.correctedSn), 24);
  buf.writeUInt32LE(geometry.chunkSize, 32);
  buf.writeUInt32LE(geometry.pageSize, 36);
  const bits = meta.bitmap ? meta.bitmap.bits : 0;
  buf.writeUInt32LE(bits, 40);
  buf.writeUInt16LE(location.length, 44);
  if (meta.bitmap) Buffer.from(meta.bitmap.toBytes()).copy(buf, META_HEADER_SIZE);
  location.copy(buf, META_HEADER_SIZE + bitmapBytes(bits));
  buf.writeBigUInt64LE(BigInt(meta.appliedSeq ?? 0), geometry.metaPageSize - META_CRC_SIZE - META_SEQ_SIZE);
  buf.writeUInt32LE(
    crc32(buf.subarray(0, geometry.metaPageSize - META_CRC_SIZE)),
    geometry.metaPageSize - META_CRC_SIZE,
  );
  return buf;
}

function safeNumber(value: bigint, what: string, where: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail('CrcCheckError', `${where}: ${what} ${value} out of range`);
  return Number(value);
}

/**
 * Parses and verifies a metapage read from `where` (a path, for messages).
 * @throws CrcCheckError when the CRC, magic, version, kind or lengths are wrong
 *   (any byte changed on disk); InvalidArgError when the file was written with
 *   another chunkSize/pageSize than the store was opened with.
 */
export function decodeMetaPage(buf: Buffer, geometry: Geometry, where: string): MetaPage {
  if (buf.length < geometry.metaPageSize) fail('CrcCheckError', `${where}: short metapage (${buf.length} bytes)`);
  const stored = buf.readUInt32LE(geometry.metaPageSize - META_CRC_SIZE);
  if (crc32(buf.subarray(0, geometry.metaPageSize - META_CRC_SIZE)) !== stored) {
    fail('CrcCheckError', `${where}: metapage CRC mismatch`);
  }
  const kind = buf.readUInt8(6);
  const valid =
    buf.subarray(0, 4).equals(META_MAGIC) &&
    buf.readUInt16LE(4) === FORMAT_VERSION &&
    (kind === FileKind.Chunk || kind === FileKind.Snapshot);
  if (!valid) fail('CrcCheckError', `${where}: not a version ${FORMAT_VERSION} chunkstore metapage`);
  if (buf.readUInt32LE(32) !== geometry.chunkSize || buf.readUInt32LE(36) !== geometry.pageSize) {
    fail(
      'InvalidArgError',
      `${where}: written with chunkSize ${buf.readUInt32LE(32)} / pageSize ${buf.readUInt32LE(36)}`,
    );
  }
  const bits = buf.readUInt32LE(40);
  const locationLength = buf.readUInt16LE(44);
  if ((bits !== 0 && bits !== geometry.pageCount) || locationLength > maxLocationLength(geometry)) {
    fail('CrcCheckError', `${where}: inconsistent bitmap/location lengths`);
  }
  const locationStart = META_HEADER_SIZE + bitmapBytes(bits);
  return {
    kind,
    chunkId: safeNumber(buf.readBigUInt64LE(8), 'chunk id', where),
    sn: safeNumber(buf.readBigUInt64LE(16), 'sn', where),
    correctedSn: safeNumber(buf.readBigUInt64LE(24), 'correctedSn', where),
    appliedSeq: safeNumber(
      buf.readBigUInt64LE(geometry.metaPageSize - META_CRC_SIZE - META_SEQ_SIZE),
      'appliedSeq',
      where,
    ),
    clone: (buf.readUInt8(7) & FLAG_CLONE) !== 0,
    location: buf.subarray(locationStart, locationStart + locationLength).toString('utf8'),
    bitmap: bits === 0 ? null : new Bitmap(bits, buf.subarray(META_HEADER_SIZE, locationStart)),
  };
}
