// The instant part of a clone: one clone chunk per source chunk, each naming the source chunk
// and the version it copies (`<source>:<index>@<sn>`). No data moves; reads of the new volume
// are served through read-through.ts until the flatten has pasted every page.
import type { DataStore } from '../chunkstore/index';
import { NO_PROGRESS, VolumeRefusal, type Progress } from './progress';
import type { VolumeGeometry } from './source-volume';
import { chunkIdOf, cloneLocation } from './volume-layout';

/** Version of every chunk of a new clone (the store refuses 0). */
export const CLONE_SN = 1;

export interface CloneSourceInput {
  sourceVolumeId: string;
  chunks: number;
}

export interface CloneSourceVersions extends VolumeGeometry {
  /** the version of each source chunk the clone will copy */
  sns: number[];
}

/**
 * Pins the version of each source chunk. The workflow records the answer, so every later
 * attempt of createCloneChunks names the same versions.
 * @throws ChunkNotExistError (permanent) when a source chunk is missing.
 */
export async function describeCloneSource(store: DataStore, input: CloneSourceInput): Promise<CloneSourceVersions> {
  const sns: number[] = [];
  for (let i = 0; i < input.chunks; i++) {
    const info = await store.getChunkInfo(chunkIdOf(input.sourceVolumeId, i));
    sns.push(info.sn);
  }
  const { chunkSize, pageSize } = store.geometry;
  return { chunks: input.chunks, chunkSize, pageSize, sns };
}

export interface CreateCloneChunksInput {
  sourceVolumeId: string;
  targetVolumeId: string;
  /** from describeCloneSource, one per chunk */
  sourceSns: number[];
}

/**
 * Creates the target's clone chunks. Idempotent: CreateCloneChunk with the same arguments
 * succeeds on a chunk it already made (a retry after a crash halfway through the list).
 * @throws ChunkConflictError (permanent) when a target chunk exists as anything else.
 */
export async function createCloneChunks(
  store: DataStore,
  input: CreateCloneChunksInput,
  progress: Progress = NO_PROGRESS,
): Promise<VolumeGeometry> {
  if (input.sourceVolumeId === input.targetVolumeId)
    throw new VolumeRefusal('InvalidArgError', 'a volume cannot be cloned onto itself');
  const { chunkSize, pageSize } = store.geometry;
  for (const [index, sn] of input.sourceSns.entries()) {
    const location = cloneLocation({ volumeId: input.sourceVolumeId, chunkIndex: index, sn });
    await store.createCloneChunk(chunkIdOf(input.targetVolumeId, index), CLONE_SN, 0, chunkSize, location);
    progress.report({ chunksCreated: index + 1 });
  }
  return { chunks: input.sourceSns.length, chunkSize, pageSize };
}
