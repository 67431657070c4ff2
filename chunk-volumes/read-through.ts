// Reading a volume while it is a clone: the clone chunks hold only the pages written or pasted
// so far; every other page is still the source's (FORMAT.md: a clear bit = "the page still
// lives at `location`"). The read path resolves that here, above the store, so a clone is
// readable the moment its clone chunks exist: pages the chunk has come from the chunk, the rest
// from the location it names (recursively, for a clone of a clone that is itself not flat yet).
import type { DataStore } from '../chunkstore/index';
import { chunkIdOf, parseCloneLocation } from './volume-layout';
import { VolumeRefusal } from './progress';

/** Chains deeper than this are refused (a location loop would never end). */
const MAX_CLONE_DEPTH = 16;

/** A chunk, read at its current version, or at version `sn` (a clone's source). */
export interface ChunkRef {
  chunkId: number;
  sn?: number;
}

/**
 * The bytes [offset, offset + length) of a chunk as a reader of its volume sees them.
 * `offset` and `length` must be page-aligned (the store refuses anything else).
 * @throws ChunkNotExistError when the chunk (or a source it names) does not exist;
 *   a permanent failure for an unreadable location or a chain deeper than MAX_CLONE_DEPTH.
 */
export async function readThrough(
  store: DataStore,
  ref: ChunkRef,
  offset: number,
  length: number,
  depth = 0,
): Promise<Uint8Array> {
  const info = await store.getChunkInfo(ref.chunkId);
  const readOwn = (at: number, len: number) =>
    ref.sn === undefined
      ? store.readChunk(ref.chunkId, info.sn, at, len)
      : store.readSnapshotChunk(ref.chunkId, ref.sn, at, len);
  const bitmap = info.bitmap;
  if (!info.isClone || !bitmap) return readOwn(offset, length);

  const source = parseCloneLocation(info.location);
  if (!source)
    throw new VolumeRefusal(
      'BadCloneLocation',
      `chunk ${ref.chunkId}: location ${JSON.stringify(info.location)} is not <volume>:<index>@<sn>`,
    );
  if (depth >= MAX_CLONE_DEPTH)
    throw new VolumeRefusal('CloneChainTooDeep', `chunk ${ref.chunkId}: more than ${MAX_CLONE_DEPTH} clones deep`);
  const sourceRef: ChunkRef = { chunkId: chunkIdOf(source.volumeId, source.chunkIndex), sn: source.sn };

  const ps = info.pageSize;
  const out = new Uint8Array(length);
  for (const run of pageRuns(bitmap, offset / ps, (offset + length) / ps)) {
    const at = run.first * ps;
    const len = (run.end - run.first) * ps;
    const data = run.written ? await readOwn(at, len) : await readThrough(store, sourceRef, at, len, depth + 1);
    out.set(data, at - offset);
  }
  return out;
}

/** Maximal runs of pages [first, end) in [from, to) whose clone bit is the same. */
export function* pageRuns(
  bitmap: Uint8Array,
  from: number,
  to: number,
): Generator<{ first: number; end: number; written: boolean }> {
  const bit = (i: number) => (bitmap[i >> 3]! & (1 << (i & 7))) !== 0;
  for (let first = from; first < to;) {
    const written = bit(first);
    let end = first + 1;
    while (end < to && bit(end) === written) end++;
    yield { first, end, written };
    first = end;
  }
}
