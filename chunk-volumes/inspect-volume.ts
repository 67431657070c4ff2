// What a volume looks like in the store: per chunk whether it exists, is still a clone, how many
// pages it holds itself, where the rest comes from; and a SHA-256 of the volume's bytes as a
// reader sees them (read-through, so a clone that is not flat yet already reads as its source).
import { createHash } from 'node:crypto';
import { ChunkStoreError, type DataStore } from '../chunkstore/index';
import { countSet } from './flatten';
import { readThrough } from './read-through';
import { chunkIdOf } from './volume-layout';
import { NO_PROGRESS, type Progress } from './progress';

/** Bytes read per call while hashing: 1 MiB. */
const READ_BYTES = 1 << 20;

export interface InspectVolumeInput {
  volumeId: string;
  chunks: number;
  /** hash the volume's bytes (reads all of it; default true) */
  digest?: boolean;
}

export interface ChunkView {
  chunkIndex: number;
  chunkId: number;
  exists: boolean;
  sn?: number;
  isClone?: boolean;
  writtenPages?: number;
  location?: string;
}

export interface VolumeView {
  volumeId: string;
  chunkSize: number;
  pageSize: number;
  chunks: ChunkView[];
  /** SHA-256 (hex) of the volume's bytes; absent when not asked for or a chunk is missing */
  digest?: string;
}

export async function inspectVolume(
  store: DataStore,
  input: InspectVolumeInput,
  progress: Progress = NO_PROGRESS,
): Promise<VolumeView> {
  const { chunkSize, pageSize } = store.geometry;
  const pages = chunkSize / pageSize;
  const chunks: ChunkView[] = [];
  for (let i = 0; i < input.chunks; i++) {
    const chunkId = chunkIdOf(input.volumeId, i);
    try {
      const info = await store.getChunkInfo(chunkId);
      const writtenPages = info.bitmap ? countSet(info.bitmap, pages) : pages;
      chunks.push({
        chunkIndex: i,
        chunkId,
        exists: true,
        sn: info.sn,
        isClone: info.isClone,
        writtenPages,
        location: info.location,
      });
    } catch (err) {
      if (!(err instanceof ChunkStoreError && err.code === 'ChunkNotExistError')) throw err;
      chunks.push({ chunkIndex: i, chunkId, exists: false });
    }
  }
  const view: VolumeView = { volumeId: input.volumeId, chunkSize, pageSize, chunks };
  if (input.digest === false || chunks.some((c) => !c.exists)) return view;
  const hash = createHash('sha256');
  for (const chunk of chunks) {
    for (let at = 0; at < chunkSize; at += READ_BYTES) {
      hash.update(await readThrough(store, { chunkId: chunk.chunkId }, at, Math.min(READ_BYTES, chunkSize - at)));
    }
    progress.report({ chunksRead: chunk.chunkIndex + 1 });
  }
  return { ...view, digest: hash.digest('hex') };
}
