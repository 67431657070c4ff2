import { describe, expect, it } from 'vitest';
import type { DataStore } from '../../chunkstore/index';
import { makeGeometry } from '../../chunkstore/geometry';
import { OpLog } from '../../chunkstore/op-log';
import { nodeFs } from '../../chunkstore/store-fs';
import { logOptions } from '../../chunkstore/store-options';
import { ASYNC_AFTER_SLOW_MS, SyncIoPolicy } from '../../chunkstore/sync-io-policy';
import { CallCounter, settledWithin, withCountedStore } from './call-counter';
import { GEOMETRY, PAGE } from './replay-env';

/**
 * What a durable write costs in calls, by file: a lone caller's latency is
 * its record's way to the disk, and every trip through libuv's thread pool
 * (~25-45 µs, more under load) adds to the device's fdatasync time
 * (bench/chunkstore.ts: c1 against fio --fdatasync=1). The real file system,
 * each call counted (call-counter.ts).
 */

/**
 * Runs `body` while a checkpoint waits in chunk_1's fdatasync (held until `open` or the end), chunk_1 clean
 * since that sync began: small log segments (9 records of a 4 KiB write), a checkpoint once more than two are in
 * use, so one starts after ~20 writes.
 */
async function withGatedCheckpoint(body: (store: DataStore, c: CallCounter, open: () => void) => Promise<void>) {
  const segmentSize = GEOMETRY.chunkSize + 2 * PAGE;
  await withCountedStore({ logSegmentSize: segmentSize, checkpointSegments: 2 }, async (store, counter) => {
    const { reached, open } = counter.holdSyncs('chunk');
    let gated = false;
    void reached.then(() => (gated = true));
    try {
      // chunk_1 written once, the rest to chunk_2: no write to chunk_1 once its sync has started
      await store.writeChunk(1, 1, new Uint8Array(PAGE).fill(1), 0);
      for (let i = 0; !gated && i < 100; i++) {
        await Promise.race([store.writeChunk(2, 1, new Uint8Array(PAGE).fill(i), (i % 16) * PAGE), reached]);
      }
      expect(gated).toBe(true);
      await body(store, counter, open);
    } finally {
      open();
    }
  });
}

describe('op log I/O: what a durable write costs', () => {
  it('a lone 4 KiB write: its record written and synced on the event loop, no trip through the pool', async () => {
    // a pool trip costs ~140 µs here under load: bare Node's pwrite + fdatasync ran at 3.3-4.6k/s with the
    // fdatasync in the pool, 6.5-8.2k/s blocking (fio --fdatasync=1: 5-8.6k/s)
    await withCountedStore(undefined, async (store, counter) => {
      await store.writeChunk(1, 1, new Uint8Array(PAGE).fill(1), 0); // creates the chunk
      // Under load (a CI run) that first sync can be slow, which by design sends the next second's syncs to
      // the pool (sync-io-policy.ts): the write measured here comes after that window.
      await new Promise((resolve) => setTimeout(resolve, ASYNC_AFTER_SLOW_MS + 50));
      counter.reset();
      await store.writeChunk(1, 1, new Uint8Array(PAGE).fill(2), PAGE);
      expect(counter.poolCalls()).toEqual([]);
      expect(Object.fromEntries(counter.calls)).toEqual({
        'log.writeSync': 1,
        'log.datasyncSync': 1,
        'chunk.writeSync': 1,
      });
    });
  });

  it('with other operations in progress the fdatasync goes through the pool: the event loop serves them', async () => {
    await withCountedStore(undefined, async (store, counter) => {
      const chunks = [1, 2, 3, 4, 5, 6, 7, 8];
      await Promise.all(chunks.map((id) => store.writeChunk(id, 1, new Uint8Array(PAGE).fill(1), 0)));
      counter.reset();
      await Promise.all(chunks.map((id) => store.writeChunk(id, 1, new Uint8Array(PAGE).fill(2), PAGE)));
      expect(counter.calls.get('log.datasync')).toBeGreaterThanOrEqual(1);
      expect(counter.calls.get('log.datasyncSync')).toBeUndefined();
    });
  });

  it('each synced batch starts a fresh 4 KiB block: no sync rewrites a block an earlier one wrote', async () => {
    // a 4 KiB write's record is 4160 bytes; appended back to back, every sync rewrote the
    // previous record's last block, which made fio's 4160-byte appends ~60 % of its 4096-byte ones
    await withCountedStore(undefined, async (store, counter, dir) => {
      const write = (page: number) => store.writeChunk(1, 1, new Uint8Array(PAGE).fill(page), page * PAGE);
      await write(0); // creates the chunk and the first segment
      counter.reset();
      for (let page = 1; page < 5; page++) await write(page);
      expect(counter.logWrites).toHaveLength(4);
      expect(counter.logWrites.map((at) => at % 4096)).toEqual([0, 0, 0, 0]);
      // as after a power cut (no close, no checkpoint): the chain is read back across the gaps
      const opts = logOptions({ dir, ...GEOMETRY }, makeGeometry(GEOMETRY));
      const { log, replay } = await OpLog.open(nodeFs, dir, opts, new SyncIoPolicy(0, () => 0));
      const ops = replay.map((r) => r.read().op); // read back from the segments: before they are closed
      await log.close();
      expect(ops.map((op) => op.kind === 'write' && op.offset)).toEqual([0, PAGE, 2 * PAGE, 3 * PAGE, 4 * PAGE]);
    });
  });

  it("sync 'batch': the timer's fdatasync goes through the pool, nobody waits for it", async () => {
    // blocking there cost the event loop a sync every interval: plain writes ran at 15-20 % of fio's
    await withCountedStore({ sync: 'batch', batchIntervalMs: 1 }, async (store, counter) => {
      await store.writeChunk(1, 1, new Uint8Array(PAGE).fill(1), 0);
      counter.reset();
      await store.writeChunk(1, 1, new Uint8Array(PAGE).fill(2), PAGE);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(counter.calls.get('log.datasync')).toBeGreaterThanOrEqual(1);
      expect(counter.calls.get('log.datasyncSync')).toBeUndefined();
    });
  });

  it('a checkpoint syncing a chunk neither holds up a write to it nor sends the log sync to the pool', async () => {
    // before: the checkpoint synced each chunk under its lock, so a write to it waited for that fdatasync,
    // and its lock task counted as an operation in progress, which sent ~10 % of a lone writer's log
    // syncs to the pool (bench c1)
    await withGatedCheckpoint(async (store, counter) => {
      await new Promise((resolve) => setTimeout(resolve, ASYNC_AFTER_SLOW_MS + 50)); // as in the first test
      counter.reset();
      const write = store.writeChunk(1, 1, new Uint8Array(PAGE).fill(0xee), 0);
      expect(await settledWithin(write, 2_000)).toBe(true);
      expect(counter.calls.get('log.datasyncSync')).toBe(1);
      expect(counter.calls.get('log.datasync')).toBeUndefined();
    });
  });

  it("a metapage update waits for a checkpoint's chunk sync in flight: data durable before the metapage", async () => {
    // the checkpoint clears the chunk's dirty mark when its sync starts; the update must not take that for
    // done (before: the new metapage was written while the chunk's earlier data could still be lost)
    await withGatedCheckpoint(async (store, counter, open) => {
      const metaWrites = counter.chunkMetaWrites;
      const write = store.writeChunk(1, 2, new Uint8Array(PAGE).fill(0xee), 0); // sn 2: snapshot, then sn in meta
      expect(await settledWithin(write, 300)).toBe(false);
      expect(counter.chunkMetaWrites).toBe(metaWrites);
      open();
      await write;
      expect(counter.chunkMetaWrites).toBe(metaWrites + 1);
    });
  });

  it('with syncIoMaxBytes 0 the record goes through the pool like every other write', async () => {
    await withCountedStore({ syncIoMaxBytes: 0 }, async (store, counter) => {
      await store.writeChunk(1, 1, new Uint8Array(PAGE).fill(1), 0);
      counter.reset();
      await store.writeChunk(1, 1, new Uint8Array(PAGE).fill(2), PAGE);
      expect(counter.poolCalls()).toEqual(['chunk.write', 'log.datasync', 'log.write']);
    });
  });
});
