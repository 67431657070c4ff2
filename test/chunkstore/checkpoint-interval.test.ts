import { describe, expect, it } from 'vitest';
import { DataStore } from '../../chunkstore/index';
import { withCountedStore, type CallCounter } from './call-counter';
import { GEOMETRY, PAGE } from './replay-env';

/**
 * When the op log asks for a checkpoint (FORMAT.md "Checkpoint"): once more than `checkpointSegments`
 * segments are in use. Segments here hold 9 records of a lone 4 KiB write (each padded to 8 KiB).
 */
const SEGMENT = GEOMETRY.chunkSize + 2 * PAGE;
const RECORDS_PER_SEGMENT = 9;

const checkpointStarted = (counter: CallCounter) =>
  (counter.calls.get('chunk.datasync') ?? 0) + (counter.calls.get('log_checkpoint.write') ?? 0) > 0;

async function writePages(store: DataStore, count: number, from: number): Promise<void> {
  for (let i = from; i < from + count; i++) await store.writeChunk(1, 1, new Uint8Array(PAGE).fill(i), (i % 16) * PAGE);
}

async function until(done: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; !done() && Date.now() < end;) await new Promise((r) => setTimeout(r, 5));
  return done();
}

describe('checkpoint interval', () => {
  it.each([
    ['unset: 8', undefined, 8],
    ['3', 3, 3],
  ])(
    'checkpointSegments %s: no checkpoint while that many segments hold the log, one as the next opens',
    async (_name, checkpointSegments, segments) => {
      await withCountedStore({ logSegmentSize: SEGMENT, checkpointSegments }, async (store, counter) => {
        counter.reset(); // open's own checkpoint
        const full = segments * RECORDS_PER_SEGMENT;
        await writePages(store, full, 0);
        await new Promise((r) => setTimeout(r, 50));
        expect(checkpointStarted(counter)).toBe(false);
        await writePages(store, 1, full); // its record opens segment segments + 1
        expect(await until(() => (counter.calls.get('log_checkpoint.write') ?? 0) > 0, 5_000)).toBe(true);
      });
    },
  );
});
