// How a volume maps onto a chunk store (chunk-volumes/README.md):
//   - a volume is `chunks` chunks of the store's chunkSize, chunk i holding the volume's bytes
//     [i * chunkSize, (i + 1) * chunkSize);
//   - chunk ids are derived, never stored: the top 37 bits are a hash of the volume id, the low
//     16 bits the chunk index (ids stay below 2^53, as the store requires);
//   - a clone chunk's location names what it copies: `<sourceVolumeId>:<chunkIndex>@<sn>`, the
//     source volume's chunk `chunkIndex` as of version `sn`.
// No I/O: the API validates ids with the same rules.
import { createHash } from 'node:crypto';

export const VOLUME_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const MAX_CHUNKS_PER_VOLUME = 1 << 16;

export function isVolumeId(value: string): boolean {
  return VOLUME_ID_PATTERN.test(value);
}

/** The store's chunk id of chunk `index` of `volumeId`. */
export function chunkIdOf(volumeId: string, index: number): number {
  if (!isVolumeId(volumeId)) throw new RangeError(`bad volume id ${JSON.stringify(volumeId)}`);
  if (!Number.isInteger(index) || index < 0 || index >= MAX_CHUNKS_PER_VOLUME)
    throw new RangeError(`bad chunk index ${index}`);
  const digest = createHash('sha256').update(volumeId).digest();
  // 37 bits of the digest (40 bits read, 3 dropped): key * 2^16 + index < 2^53
  const key = Math.floor(digest.readUIntBE(0, 5) / 8);
  return key * MAX_CHUNKS_PER_VOLUME + index;
}

export interface CloneSource {
  volumeId: string;
  chunkIndex: number;
  sn: number;
}

export function cloneLocation(source: CloneSource): string {
  return `${source.volumeId}:${source.chunkIndex}@${source.sn}`;
}

const LOCATION_RE = /^([a-z0-9][a-z0-9-]{0,62}):(0|[1-9]\d*)@([1-9]\d*)$/;

/** Parses a clone location written by cloneLocation; null for anything else. */
export function parseCloneLocation(location: string): CloneSource | null {
  const m = LOCATION_RE.exec(location);
  if (!m) return null;
  const chunkIndex = Number(m[2]);
  const sn = Number(m[3]);
  if (chunkIndex >= MAX_CHUNKS_PER_VOLUME || !Number.isSafeInteger(sn)) return null;
  return { volumeId: m[1]!, chunkIndex, sn };
}
