import { describe, expect, it } from 'vitest';
import type { DataStore } from '../../chunkstore/index';
import { withCountedStore } from './call-counter';
import { PAGE } from './replay-env';

/**
 * Group commit under load (bench c64: 64 callers on 8 chunks): what keeps the device busy. Measured before
 * these changes (an ad-hoc probe, 64 callers, 2 s): 31.9 writes per log sync, the log idle ~0.9 ms between
 * syncs of ~1.2-1.8 ms, because the next batch's record went through the thread pool and its sync started
 * only after the previous batch's callers had been resolved.
 */

const CHUNKS = [1, 2, 3, 4, 5, 6, 7, 8];

function writeAll(store: DataStore, page: number, fill: number): Promise<void[]> {
  return Promise.all(CHUNKS.map((id) => store.writeChunk(id, 1, new Uint8Array(PAGE).fill(fill), page * PAGE)));
}

/** A read of each chunk runs after its owed writes: once it resolves, they have landed. */
function readAll(store: DataStore): Promise<unknown> {
  return Promise.all(CHUNKS.map((id) => store.readChunk(id, 1, 0, PAGE)));
}

describe('group commit: the log writer keeps the device busy', () => {
  it("a batch's record goes out on the event loop, even above 64 KiB: no pool trip before its sync", async () => {
    // 32 records of a 4 KiB write are 133 KiB: above the policy's 64 KiB they went through the pool, a trip
    // (~140 µs under load here) that every caller of the batch waited for
    await withCountedStore(undefined, async (store, counter) => {
      await writeAll(store, 0, 1);
      counter.reset();
      await Promise.all([1, 2, 3, 4].map((page) => writeAll(store, page, 2)));
      expect(counter.calls.get('log.writeSync')).toBeGreaterThanOrEqual(1);
      expect(counter.calls.get('log.write')).toBeUndefined();
    });
  });

  it("the next batch's sync starts before the previous batch's writes are applied to the chunks", async () => {
    // the apply step (the chunk writes after the log sync) ran first, leaving the device idle meanwhile
    await withCountedStore(undefined, async (store, counter) => {
      await writeAll(store, 0, 1);
      await readAll(store);
      const { reached, open } = counter.holdSyncs('log');
      const first = writeAll(store, 1, 2);
      await reached; // the first batch's sync is held
      counter.gate = null;
      const second = writeAll(store, 2, 3); // queued meanwhile: the next batch
      counter.reset();
      open();
      await Promise.all([first, second]);
      await readAll(store);
      const nextSync = counter.trace.indexOf('log.datasync');
      expect(nextSync).toBeGreaterThanOrEqual(0);
      expect(counter.trace.slice(0, nextSync)).not.toContain('chunk.writeSync');
      expect(counter.trace.slice(nextSync).filter((call) => call === 'chunk.writeSync')).toHaveLength(16);
    });
  });
});
