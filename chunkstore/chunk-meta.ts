import { Bitmap } from './bitmap';
import type { Geometry } from './geometry';
import { FileKind, type MetaPage } from './metapage';

/**
 * What a chunk file's metapage holds (FORMAT.md "Metapage"), as the chunk is
 * created, checked at load and reported; ChunkFile keeps it and writes it.
 */

/** What getChunkInfo reports (see index.ts for the field contract). */
export interface ChunkInfo {
  chunkId: number;
  sn: number;
  correctedSn: number;
  snapSn: number;
  isClone: boolean;
  location: string;
  bitmap: Uint8Array | null;
  chunkSize: number;
  pageSize: number;
  metaPageSize: number;
}

/** Parameters a chunk is created with. */
export interface NewChunk {
  sn: number;
  correctedSn: number;
  /** non-empty: a clone chunk whose unwritten pages live at `location`. */
  location: string;
}

/** The metapage of a chunk made by op `doneSeq + 1`; a clone gets an all-clear bitmap. */
export function newChunkMeta(id: number, init: NewChunk, geometry: Geometry, doneSeq: number): MetaPage {
  const clone = init.location !== '';
  return {
    appliedSeq: doneSeq,
    kind: FileKind.Chunk,
    chunkId: id,
    sn: init.sn,
    correctedSn: init.correctedSn,
    clone,
    location: init.location,
    bitmap: clone ? new Bitmap(geometry.pageCount) : null,
  };
}

/** True when a (CRC-valid) metapage is chunk `id`'s: the kind, the id, and a bitmap exactly when a clone. */
export function describesChunk(meta: MetaPage, id: number): boolean {
  return meta.kind === FileKind.Chunk && meta.chunkId === id && meta.clone === (meta.bitmap !== null);
}

/** getChunkInfo's answer (the bitmap a copy). */
export function chunkInfo(m: MetaPage, snapSn: number, geometry: Geometry): ChunkInfo {
  return {
    chunkId: m.chunkId,
    sn: m.sn,
    correctedSn: m.correctedSn,
    snapSn,
    isClone: m.clone,
    location: m.location,
    bitmap: m.bitmap ? m.bitmap.toBytes() : null,
    chunkSize: geometry.chunkSize,
    pageSize: geometry.pageSize,
    metaPageSize: geometry.metaPageSize,
  };
}
