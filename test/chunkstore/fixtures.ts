import { expect } from 'vitest';
import type { DataStore } from '../../chunkstore/index';
import { CHUNK, pages } from './helpers';

/**
 * The chunk states the single-interface, scenario and fault suites start from, built on
 * chunk 1 through the public API. Each takes the store to build in (read it from the
 * test's env at the call: a restart replaces it); the data is the caller's where the
 * assertions depend on it.
 */

/** The source of the suites' clone chunks; one chunk of it is `${CLONE_SOURCE}:chunk-<n>`. */
export const CLONE_SOURCE = 'curvefs://pool/volume-7@snap-1';
/** The clone location of chunk 1 in the single-interface suites. */
export const LOCATION = `${CLONE_SOURCE}:chunk-3`;

/** Normal chunk 1 at sn 1 holding `data` from offset 0 (pages 0-1 = 0x01 unless told). */
export async function normalChunk(store: DataStore, data = pages(0x01, 2)): Promise<void> {
  await store.writeChunk(1, 1, data, 0);
}

/**
 * Chunk 1 at sn 2 with snapshot 1: `data` written at sn 1 (pages 0-1 = 0x01 unless told),
 * then `page0` written at sn 2 over page 0 (0x02 unless told), so page 0 was COWed.
 */
export async function chunkWithSnapshot(store: DataStore, data = pages(0x01, 2), page0 = pages(0x02)): Promise<void> {
  await normalChunk(store, data);
  await store.writeChunk(1, 2, page0, 0);
}

/** Chunk 1 at sn 3, correctedSn 2, no snapshot (built through the API, checked on the way). */
export async function chunkSn3Corrected2(store: DataStore): Promise<void> {
  await store.writeChunk(1, 1, pages(0x01), 0);
  await store.deleteSnapshotChunkOrCorrectSn(1, 2); // correctedSn 2
  expect(await store.getChunkInfo(1)).toMatchObject({ sn: 1, correctedSn: 2, snapSn: 0 });
  await store.writeChunk(1, 2, pages(0x02), 0); // sn 2, no snapshot (sn == correctedSn)
  await store.writeChunk(1, 3, pages(0x03), 0); // snapshot 2, sn 3
  await store.deleteSnapshotChunkOrCorrectSn(1, 3); // snapshot gone, correctedSn stays 2
  expect(await store.getChunkInfo(1)).toMatchObject({ sn: 3, correctedSn: 2, snapSn: 0 });
}

/** Clone chunk 1 of LOCATION at `sn` / `correctedSn` (1 / 0 unless told), nothing written. */
export async function cloneChunk(store: DataStore, sn = 1, correctedSn = 0): Promise<void> {
  await store.createCloneChunk(1, sn, correctedSn, CHUNK, LOCATION);
}

/** Clone chunk 1 of LOCATION at sn 1, correctedSn 0, with `data` written from offset 0. */
export async function writtenClone(store: DataStore, data: Uint8Array): Promise<void> {
  await cloneChunk(store);
  await store.writeChunk(1, 1, data, 0);
}
