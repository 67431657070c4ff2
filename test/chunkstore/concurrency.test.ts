import { describe, expect, it } from 'vitest';
import { checkHistory } from './concurrency-checker';
import { Recorder, runSeed, tally, type Workload } from './concurrency-workload';
import { GEOMETRY, withStoreDir } from './replay-env';

/**
 * Seed concurrency cases 1 and 2: 10 concurrent callers doing random
 * operations on one chunk / on many chunks. Every call is recorded with its
 * invocation and response time; the history, plus a full sequential read of
 * the final state before and after a restart, must be linearizable against
 * the reference model (test/chunkstore/model.ts). Reproduce a failure with
 * CHUNKSTORE_SEED=<seed printed in the failure>.
 */

const CASES = [
  { name: 'ONE chunk', chunks: [7], opsPerWriter: 250 },
  // includes an id above 2^32 (ids are u64 on disk)
  { name: 'MANY chunks', chunks: [...Array.from({ length: 23 }, (_, i) => i + 1), 2 ** 40 + 3], opsPerWriter: 300 },
];

describe('concurrency: random operations from 10 callers, checked against the model', () => {
  for (const c of CASES) {
    it(`10 writers on ${c.name} (${10 * c.opsPerWriter} ops)`, async () => {
      const w: Workload = {
        seed: runSeed(),
        writers: 10,
        opsPerWriter: c.opsPerWriter,
        chunks: c.chunks,
        geometry: GEOMETRY,
      };
      const rec = new Recorder(GEOMETRY);
      await withStoreDir(async (env) => {
        await rec.run(env.store, w);
        await rec.observe(env.store, c.chunks, 'final');
        await rec.observe(await env.reopen(), c.chunks, 'restarted');
      });
      const verdict = checkHistory(GEOMETRY, rec.entries);
      const seen = tally(rec.entries);
      const context = `CHUNKSTORE_SEED=${w.seed}\noutcomes: ${JSON.stringify([...seen].sort())}`;
      expect(verdict.failures, context).toEqual([]);
      // the run must have reached the interesting states, or it proves little
      for (const must of [
        'write ok',
        'write BackwardRequestError',
        'readSnap ok',
        'paste ok',
        'clone ok',
        'delete ok',
        'deleteSnap ok',
      ]) {
        expect(seen.get(must) ?? 0, `${must} never happened; ${context}`).toBeGreaterThan(0);
      }
      const infos = rec.entries.flatMap((e) => (e.observed.ok && e.observed.info ? [e.observed.info] : []));
      // On ONE chunk the other writers delete a clone or a snapshot within moments: some seeds never read one
      // with an info (CHUNKSTORE_SEED=260964369: 5 clones made, none seen; CHUNKSTORE_SEED=1966593308: 103
      // snapshots deleted, 34 read, none seen by any of 187 infos). Across many chunks one always is; on one
      // chunk 'readSnap ok' above shows a snapshot reached and checked.
      if (c.chunks.length > 1) {
        expect(
          infos.some((i) => i.snapSn > 0),
          `no snapshot observed; ${context}`,
        ).toBe(true);
        expect(
          infos.some((i) => i.isClone),
          `no clone chunk observed; ${context}`,
        ).toBe(true);
      }
    });
  }
});
