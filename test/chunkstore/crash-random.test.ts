import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../lib/prng';
import { checkHistory, type Entry } from './concurrency-checker';
import { perform, Recorder, runSeed, writerOps, type Workload } from './concurrency-workload';
import { CrashFs } from './crash-fs';
import { openOn } from './crash-harness';
import { GEOMETRY } from './replay-env';

/**
 * The model-based random test with power cuts: 10 callers run 2,000 random
 * operations on 12 chunks over a CrashFs (crash-fs.ts); then, at random points
 * of that run, a post-crash disk is built (a random prefix of the unsynced
 * writes, the next one torn), the store is opened on it and every chunk read
 * back. The history (calls acknowledged before the crash point, calls in flight
 * at it, the reads after) must be linearizable against the model; a call in
 * flight may have taken effect or not, so each subset of them is tried.
 * CHUNKSTORE_SEED reproduces a run.
 */

const CHUNKS = Array.from({ length: 12 }, (_, i) => i + 1);
const CRASHES = 20;

interface Traced {
  entry: Entry;
  start: number;
  ack: number;
}

function subsets<T>(items: readonly T[]): T[][] {
  return items.reduce<T[][]>((all, item) => [...all, ...all.map((s) => [...s, item])], [[]]);
}

describe('model-based random test with crashes', () => {
  it(`10 callers, 2,000 ops, ${CRASHES} power cuts at random points: linearizable, nothing acked lost`, async () => {
    const seed = runSeed();
    const rnd = mulberry32(seed ^ 0x5eed);
    const w: Workload = { seed, writers: 10, opsPerWriter: 200, chunks: CHUNKS, geometry: GEOMETRY };
    const fs = new CrashFs();
    const store = await openOn(fs);
    const traced: Traced[] = [];
    let clock = 0;
    await Promise.all(
      Array.from({ length: w.writers }, async (_, n) => {
        let k = 0;
        for (const { chunk, op } of writerOps(w, n)) {
          const start = fs.length;
          const inv = ++clock;
          const observed = await perform(store, GEOMETRY, chunk, op);
          traced.push({ entry: { chunk, op, inv, res: ++clock, observed, by: `w${n}#${k++}` }, start, ack: fs.length });
        }
      }),
    );
    const end = fs.length;
    await store.close();

    for (let c = 0; c < CRASHES; c++) {
      const at = Math.floor(rnd() * (end + 1));
      const vol = fs.volatileOps(at);
      const kept = Math.floor(rnd() * (vol.length + 1));
      const tears = kept < vol.length ? fs.tearsOf(vol[kept]) : 0;
      const choice = { at, kept, tornSectors: tears ? Math.floor(rnd() * (tears + 1)) : 0 };
      const context = `CHUNKSTORE_SEED=${seed} crash ${JSON.stringify(choice)} of ${end}`;
      const crashed = await openOn(fs.materialize(choice), { syncIoMaxBytes: 64 * 1024 });
      const after = new Recorder(GEOMETRY);
      await after.observe(crashed, CHUNKS, 'after crash');
      await crashed.close();
      const cut = clock + 1;
      const observed = after.entries.map((e) => ({ ...e, inv: e.inv + cut, res: e.res + cut }));
      const done = traced.filter((t) => t.ack <= at).map((t) => t.entry);
      const mutating = new Set(['write', 'paste', 'delete', 'deleteSnap', 'clone']);
      const flying = traced
        .filter((t) => t.start < at && t.ack > at && mutating.has(t.entry.op.kind))
        .map((t): Entry => ({ ...t.entry, res: cut, observed: { ok: true, any: true } }));
      for (const chunk of CHUNKS) {
        const base = [...done, ...observed].filter((e) => e.chunk === chunk);
        const maybe = flying.filter((e) => e.chunk === chunk);
        const verdicts = subsets(maybe).map((s) => checkHistory(GEOMETRY, [...base, ...s]));
        const ok = verdicts.some((v) => v.ok);
        expect(ok, `${context}: chunk ${chunk}, ${maybe.length} in flight: ${verdicts[0].failures[0]}`).toBe(true);
      }
    }
  });
});
