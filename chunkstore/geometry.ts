import { fail } from './errors';

/** Sizes shared by every file of one DataStore (see FORMAT.md "Geometry"). */
export interface Geometry {
  readonly chunkSize: number;
  readonly pageSize: number;
  readonly metaPageSize: number;
  readonly pageCount: number;
}

/** Inclusive range of page indexes [first, last]. */
export interface PageRange {
  readonly first: number;
  readonly last: number;
}

/** Fixed part of the metapage before the bitmap (FORMAT.md "Metapage"). */
export const META_HEADER_SIZE = 48;
/** Trailing CRC32 of the metapage. */
export const META_CRC_SIZE = 4;
/** The op-log seq (u64) just before the CRC: ops up to it are durable in this chunk (FORMAT.md "Op log"). */
export const META_SEQ_SIZE = 8;

export const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;
export const DEFAULT_PAGE_SIZE = 4096;
export const DEFAULT_META_PAGE_SIZE = 4096;

function positiveInt(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0 || value > 0xffffffff) {
    fail('InvalidArgError', `${name} must be a positive 32-bit integer, got ${value}`);
  }
  return value;
}

export function bitmapBytes(bits: number): number {
  return (bits + 7) >> 3;
}

/** Room left in a metapage for the clone location (bounded by its u16 length field). */
export function maxLocationLength(geometry: Geometry): number {
  const room =
    geometry.metaPageSize - META_HEADER_SIZE - bitmapBytes(geometry.pageCount) - META_SEQ_SIZE - META_CRC_SIZE;
  return Math.min(room, 0xffff);
}

/**
 * Validates the options of DataStore.open and derives the page count.
 * @throws InvalidArgError on a non-integer size, a chunk size that is not a
 *   multiple of the page size, or a metapage too small for header + bitmap + CRC.
 */
export function makeGeometry(opts: { chunkSize?: number; pageSize?: number; metaPageSize?: number }): Geometry {
  const chunkSize = positiveInt('chunkSize', opts.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const pageSize = positiveInt('pageSize', opts.pageSize ?? DEFAULT_PAGE_SIZE);
  const metaPageSize = positiveInt('metaPageSize', opts.metaPageSize ?? DEFAULT_META_PAGE_SIZE);
  if (chunkSize % pageSize !== 0) {
    fail('InvalidArgError', `chunkSize ${chunkSize} is not a multiple of pageSize ${pageSize}`);
  }
  const geometry: Geometry = { chunkSize, pageSize, metaPageSize, pageCount: chunkSize / pageSize };
  if (maxLocationLength(geometry) < 0) {
    fail('InvalidArgError', `metaPageSize ${metaPageSize} cannot hold a bitmap of ${geometry.pageCount} pages`);
  }
  return geometry;
}

/**
 * Checks that [offset, offset + length) is non-empty, page-aligned and inside
 * the chunk, and returns the pages it covers.
 * @throws InvalidArgError otherwise.
 */
export function pageRange(geometry: Geometry, offset: number, length: number): PageRange {
  const { pageSize, chunkSize } = geometry;
  const ok =
    Number.isSafeInteger(offset) &&
    Number.isSafeInteger(length) &&
    offset >= 0 &&
    length > 0 &&
    offset % pageSize === 0 &&
    length % pageSize === 0 &&
    offset + length <= chunkSize;
  if (!ok) {
    fail('InvalidArgError', `bad range offset=${offset} length=${length} (page ${pageSize}, chunk ${chunkSize})`);
  }
  return { first: offset / pageSize, last: (offset + length) / pageSize - 1 };
}
