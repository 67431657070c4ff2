// The background part of a clone: copy the pages a clone chunk does not have yet from its source
// and PasteChunk them in. PasteChunk writes only pages whose clone bit is clear and never
// overwrites a written page (a page the volume's user wrote meanwhile keeps the user's data), so
// running a range twice, or a retry after a worker died mid-range, is harmless: data is
// fdatasync'ed before the bit that claims it (FORMAT.md), a crash in between leaves the bit clear
// and the next attempt pastes the page again. The chunk turns into a normal chunk
// (isClone false) with the paste of its last page.
import type { DataStore } from '../chunkstore/index';
import { NO_PROGRESS, VolumeRefusal, type Progress } from './progress';
import { pageRuns, readThrough } from './read-through';
import { chunkIdOf, parseCloneLocation } from './volume-layout';

/** Pages copied per store call: 1 MiB with 4 KiB pages, big enough to amortize each call. */
const PAGES_PER_PASTE = 256;

export interface FlattenRangeInput {
  targetVolumeId: string;
  chunkIndex: number;
  firstPage: number;
  pageCount: number;
}

export interface ChunkProgress {
  chunkIndex: number;
  /** pages the chunk holds itself (all of them once it is flat) */
  writtenPages: number;
  pages: number;
  isClone: boolean;
  /** pages this call pasted */
  pasted: number;
}

export async function flattenChunkRange(
  store: DataStore,
  input: FlattenRangeInput,
  progress: Progress = NO_PROGRESS,
): Promise<ChunkProgress> {
  const chunkId = chunkIdOf(input.targetVolumeId, input.chunkIndex);
  const info = await store.getChunkInfo(chunkId);
  const pages = info.chunkSize / info.pageSize;
  const end = Math.min(pages, input.firstPage + input.pageCount);
  if (!info.isClone || !info.bitmap)
    return { chunkIndex: input.chunkIndex, writtenPages: pages, pages, isClone: false, pasted: 0 };
  const source = parseCloneLocation(info.location);
  if (!source)
    throw new VolumeRefusal(
      'BadCloneLocation',
      `chunk ${chunkId}: location ${JSON.stringify(info.location)} is not <volume>:<index>@<sn>`,
    );
  const sourceRef = { chunkId: chunkIdOf(source.volumeId, source.chunkIndex), sn: source.sn };

  const ps = info.pageSize;
  let pasted = 0;
  for (const run of pageRuns(info.bitmap, input.firstPage, end)) {
    if (run.written) continue;
    for (let first = run.first; first < run.end; first += PAGES_PER_PASTE) {
      const count = Math.min(PAGES_PER_PASTE, run.end - first);
      const data = await readThrough(store, sourceRef, first * ps, count * ps);
      await store.pasteChunk(chunkId, data, first * ps);
      pasted += count;
      progress.report({ chunkIndex: input.chunkIndex, pasted });
      // stop between pastes when cancelled (or the worker shuts down): a retry resumes from the bitmap
      await progress.checkpoint();
    }
  }
  const after = await store.getChunkInfo(chunkId);
  return {
    chunkIndex: input.chunkIndex,
    writtenPages: after.bitmap ? countSet(after.bitmap, pages) : pages,
    pages,
    isClone: after.isClone,
    pasted,
  };
}

export function countSet(bitmap: Uint8Array, pages: number): number {
  let n = 0;
  for (const run of pageRuns(bitmap, 0, pages)) if (run.written) n += run.end - run.first;
  return n;
}
