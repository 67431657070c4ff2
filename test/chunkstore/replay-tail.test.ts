import { describe, expect, it } from 'vitest';
import { makeGeometry } from '../../chunkstore/geometry';
import { OpLog } from '../../chunkstore/op-log';
import { nodeFs } from '../../chunkstore/store-fs';
import { logOptions } from '../../chunkstore/store-options';
import { SyncIoPolicy } from '../../chunkstore/sync-io-policy';
import { withCountedStore } from './call-counter';
import { GEOMETRY, PAGE } from './replay-env';

/**
 * The op log's tail at open is replayed from the segments, not from memory: with a checkpoint every
 * `checkpointSegments` (8 x 64 MiB by default) it can be hundreds of MiB: held in memory, 302 MiB of tail cost
 * the log's scan +369 MiB of RSS (c64 killed after 6-12 s); read by place, 334 MiB cost +63 MiB.
 */
describe('replay tail', () => {
  it("holds each record's place, not its data, and reads the record back when its turn comes", async () => {
    await withCountedStore({ checkpointSegments: 8 }, async (store, _counter, dir) => {
      const written = [0, 1, 2, 3].map((i) => new Uint8Array(PAGE).fill(0x40 + i));
      for (const [i, data] of written.entries()) await store.writeChunk(1, 1, data, i * PAGE);
      // as after a power cut (no close, no checkpoint since the first write)
      const opts = logOptions({ dir, ...GEOMETRY }, makeGeometry(GEOMETRY));
      const { log, replay } = await OpLog.open(nodeFs, dir, opts, new SyncIoPolicy(0, () => 0));
      const ops = replay.map((entry) => entry.read().op); // read back from the segments: before they are closed
      await log.close();
      expect(replay.map((entry) => [entry.kind, entry.id])).toEqual(written.map(() => ['write', 1]));
      expect(replay.every((entry) => !('op' in entry))).toBe(true); // no payload kept
      expect(ops.map((op) => op.kind === 'write' && [op.offset, op.data[0]])).toEqual(
        written.map((data, i) => [i * PAGE, data[0]]),
      );
    });
  });
});
