// Deterministic test data for source volumes: every chunk gets its own pseudo-random bytes from
// (volume id, seed, chunk index), so a page landing in the wrong chunk or at the wrong offset is
// caught, and anyone (a test, an operator) can recompute what a volume must contain.
import { createHash } from 'node:crypto';

/** Fills `target` with chunk `chunkIndex` of a generated volume (xorshift32 stream). */
export function fillGeneratedChunk(target: Uint8Array, volumeId: string, seed: number, chunkIndex: number): void {
  const digest = createHash('sha256').update(`${volumeId}\0${seed}\0${chunkIndex}`).digest();
  let x = digest.readUInt32LE(0) || 1;
  const words = new Uint32Array(target.buffer, target.byteOffset, target.length >>> 2);
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
}

/** SHA-256 (hex) of a whole generated volume, as inspectVolume reports it for a stored one. */
export function generatedVolumeDigest(volumeId: string, seed: number, chunks: number, chunkSize: number): string {
  const hash = createHash('sha256');
  const chunk = new Uint8Array(chunkSize);
  for (let i = 0; i < chunks; i++) {
    fillGeneratedChunk(chunk, volumeId, seed, i);
    hash.update(chunk);
  }
  return hash.digest('hex');
}
