import { mkdtemp, readdir, readFile, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataStore, type DataStoreOptions } from '../../chunkstore/index';
import { LogSegment } from '../../chunkstore/log-segment';
import { checkHistory } from './concurrency-checker';
import { perform, Recorder, runSeed, tally, writerOps, type Workload } from './concurrency-workload';
import { expectCode } from './helpers';
import { withCountedStore } from './call-counter';
import { GEOMETRY, PAGE, withTempStore } from './replay-env';

/**
 * The store moves small I/O synchronously on the fd and large I/O through
 * libuv's thread pool (SyncIoPolicy). The other suites run with the default
 * threshold, where the small test geometry makes nearly everything
 * synchronous; here the thread-pool path gets the same scrutiny, and both
 * paths must leave byte-identical files. Likewise the two ways a small read is
 * done (DataStoreOptions.reads): the other suites read through mappings.
 */

const SYNC = 64 * 1024;
const THREAD_POOL = 0;

/**
 * Every file's bytes, but a log segment never written to: the log makes its next segment ahead while the
 * current one fills (zero-filled, off the writers' path), so a spare carries no path's work. (The thread-pool
 * run once ended with one spare more; that picture was taken before close, see runAtRest.)
 */
async function filesOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    const bytes = await readFile(join(dir, name));
    if (LogSegment.indexOf(name) !== null && bytes.every((b) => b === 0)) continue;
    out[name] = bytes.toString('base64');
  }
  return out;
}

/**
 * The answers of writer 0's ops, and every file once the store is closed. Taken while it was open, the picture
 * could catch the log's next segment in the making (zero-filled as `log_<n>.tmp` off the writers' path, then
 * renamed): under load a probe saw `log_4.tmp` there at the end of the 400 ops, and this comparison failed once.
 * `close` waits for it.
 */
async function runAtRest(w: Workload, opts: Partial<DataStoreOptions>) {
  const dir = await mkdtemp(join(tmpdir(), 'chunkstore-io-'));
  try {
    const store = await DataStore.open({ dir, ...GEOMETRY, ...opts });
    const observed = [];
    try {
      for (const { chunk, op } of writerOps(w, 0)) observed.push(await perform(store, GEOMETRY, chunk, op));
    } finally {
      await store.close();
    }
    return { observed, files: await filesOf(dir) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('I/O paths: synchronous small I/O and the thread pool', () => {
  it('the same requests leave byte-identical files on either path', async () => {
    const w: Workload = { seed: runSeed(), writers: 1, opsPerWriter: 400, chunks: [1, 2, 3], geometry: GEOMETRY };
    const run = (opts: Partial<DataStoreOptions>) => runAtRest(w, opts);
    const sync = await run({ syncIoMaxBytes: SYNC, reads: 'mapped' });
    for (const other of [{ syncIoMaxBytes: THREAD_POOL }, { syncIoMaxBytes: SYNC, reads: 'pread' as const }]) {
      const got = await run(other);
      expect(got.observed, `${JSON.stringify(other)} CHUNKSTORE_SEED=${w.seed}`).toEqual(sync.observed);
      expect(got.files, `${JSON.stringify(other)} CHUNKSTORE_SEED=${w.seed}`).toEqual(sync.files);
    }
  });

  it('thread-pool path: 10 concurrent callers on many chunks stay linearizable', async () => {
    const chunks = Array.from({ length: 8 }, (_, i) => i + 1);
    const w: Workload = { seed: runSeed(), writers: 10, opsPerWriter: 200, chunks, geometry: GEOMETRY };
    const rec = new Recorder(GEOMETRY);
    await withTempStore({ syncIoMaxBytes: THREAD_POOL }, async (store) => {
      await rec.run(store, w);
      await rec.observe(store, chunks, 'final');
    });
    const verdict = checkHistory(GEOMETRY, rec.entries);
    expect(verdict.failures, `CHUNKSTORE_SEED=${w.seed}`).toEqual([]);
    expect(tally(rec.entries).get('read ok') ?? 0).toBeGreaterThan(0);
  });

  for (const [name, syncIoMaxBytes] of [
    ['synchronous', SYNC],
    ['thread pool', THREAD_POOL],
  ] as const) {
    it(
      `${name}: readChunkInto fills the caller's buffer like readChunk, ` + `and leaves it alone on a refusal`,
      async () => {
        await withTempStore({ syncIoMaxBytes }, async (store) => {
          const data = new Uint8Array(3 * PAGE).map((_, i) => i % 251);
          await store.writeChunk(1, 1, data, PAGE);
          const target = new Uint8Array(3 * PAGE).fill(0xee);
          await store.readChunkInto(1, 1, PAGE, target);
          expect(target).toEqual(data);
          expect(target).toEqual(await store.readChunk(1, 1, PAGE, 3 * PAGE));

          await store.createCloneChunk(2, 1, 0, GEOMETRY.chunkSize, 'src:0@1');
          const untouched = new Uint8Array(PAGE).fill(0xee);
          await expectCode(store.readChunkInto(2, 1, 0, untouched), 'PageNeverWrittenError');
          await expectCode(store.readChunkInto(1, 1, 100, untouched), 'InvalidArgError');
          await expectCode(store.readChunkInto(9, 1, 0, untouched), 'ChunkNotExistError');
          await expectCode(store.readChunkInto(-1, 1, 0, untouched), 'InvalidArgError'); // a rejection, not a throw
          expect(untouched.every((b) => b === 0xee)).toBe(true);
        });
      },
    );

    it(`${name}: a file cut short from outside reads zeros past its end`, async () => {
      await withTempStore({ syncIoMaxBytes }, async (store, dir) => {
        await store.writeChunk(1, 1, new Uint8Array(2 * PAGE).fill(7), 0);
        // keep the metapage and the first data page, drop the rest
        await truncate(join(dir, 'chunk_1'), GEOMETRY.metaPageSize + PAGE);
        const target = new Uint8Array(2 * PAGE).fill(0xee);
        await store.readChunkInto(1, 1, 0, target);
        expect(target.subarray(0, PAGE).every((b) => b === 7)).toBe(true);
        expect(target.subarray(PAGE).every((b) => b === 0)).toBe(true);
        expect((await store.readChunk(1, 1, PAGE, PAGE)).every((b) => b === 0)).toBe(true);
      });
    });
  }
});

describe('I/O paths: the lock-free read counts itself as an operation in progress', () => {
  it('a 256 KiB read beside one other operation goes through the pool, as the locked path would send it', async () => {
    // large I/O runs synchronously only as the store's one operation (SyncIoPolicy); the lock-free read
    // path asked without counting itself, so beside exactly one other it blocked the event loop instead
    const MiB = 1024 * 1024;
    await withCountedStore({ chunkSize: 4 * MiB }, async (store, counter) => {
      await store.writeChunk(1, 1, new Uint8Array(MiB).fill(1), 0);
      await store.writeChunk(2, 1, new Uint8Array(4 * MiB).fill(2), 0);
      counter.reset();
      const other = store.readChunk(2, 1, 0, 4 * MiB); // above 1 MiB: the pool, in progress meanwhile
      const target = new Uint8Array(256 * 1024);
      await Promise.all([store.readChunkInto(1, 1, 0, target), other]);
      expect(target).toEqual(new Uint8Array(256 * 1024).fill(1));
      expect(counter.calls.get('chunk.readSync')).toBeUndefined();
      expect(counter.calls.get('chunk.read')).toBeGreaterThanOrEqual(2);
    });
  });
});
