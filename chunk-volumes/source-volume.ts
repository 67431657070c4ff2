// A source volume to clone from: `chunks` chunks of generated data (generated-data.ts), written
// at version 1. Writing the same bytes at the same version again changes nothing, so a retried
// or replayed attempt is harmless.
import { createHash } from 'node:crypto';
import type { DataStore } from '../chunkstore/index';
import { fillGeneratedChunk } from './generated-data';
import { chunkIdOf } from './volume-layout';
import { NO_PROGRESS, type Progress } from './progress';

export const SOURCE_SN = 1;

export interface CreateSourceVolumeInput {
  volumeId: string;
  chunks: number;
  /** picks the generated data; same seed, same bytes */
  seed: number;
}

export interface VolumeGeometry {
  chunks: number;
  chunkSize: number;
  pageSize: number;
}

export interface SourceVolume extends VolumeGeometry {
  volumeId: string;
  sn: number;
  /** SHA-256 (hex) of the whole volume */
  digest: string;
}

export async function createSourceVolume(
  store: DataStore,
  input: CreateSourceVolumeInput,
  progress: Progress = NO_PROGRESS,
): Promise<SourceVolume> {
  const { chunkSize, pageSize } = store.geometry;
  const data = new Uint8Array(chunkSize);
  const hash = createHash('sha256');
  for (let i = 0; i < input.chunks; i++) {
    fillGeneratedChunk(data, input.volumeId, input.seed, i);
    await store.writeChunk(chunkIdOf(input.volumeId, i), SOURCE_SN, data, 0);
    hash.update(data);
    progress.report({ chunksWritten: i + 1 });
  }
  return {
    volumeId: input.volumeId,
    chunks: input.chunks,
    chunkSize,
    pageSize,
    sn: SOURCE_SN,
    digest: hash.digest('hex'),
  };
}
