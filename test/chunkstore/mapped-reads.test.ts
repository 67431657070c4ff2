import { mkdtemp, readFile, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BINDING_PATH, FileMapping, fileMappingUnavailable } from '../../chunkstore/file-mapping';
import { DataStore } from '../../chunkstore/index';
import { nodeFs, type StoreFs } from '../../chunkstore/store-fs';
import { withCountedStore } from './call-counter';
import { perform, runSeed, writerOps, type Workload } from './concurrency-workload';
import { nodeChildOutcome } from './helpers';
import { GEOMETRY, PAGE, PAGES, withTempStore as withStore } from './replay-env';

/**
 * Small reads copy out of a read-only mapping of the chunk file (FORMAT.md "Mapped reads"). io-paths.test.ts
 * checks that both read paths answer the same requests alike; here: that the mapped path is the one taken,
 * that a stale view would be caught, that mappings end with their files, and that a file cut short from
 * outside reads as it does with pread instead of ending the process.
 */

const pageOf = (n: number) => new Uint8Array(PAGE).fill(n);

/** Lines of /proc/self/maps naming a file under `dir` (unmap takes effect at once: no wait). */
async function mappingsUnder(dir: string): Promise<string[]> {
  return (await readFile('/proc/self/maps', 'utf8')).split('\n').filter((line) => line.includes(dir));
}

describe('mapped reads', () => {
  it('the binding is built on this machine, and a store reads through mappings unless told otherwise', async () => {
    expect(fileMappingUnavailable()).toBeNull();
    await withStore({}, async (store) => expect(store.reads).toBe('mapped'));
    await withStore({ reads: 'pread' }, async (store) => expect(store.reads).toBe('pread'));
  });

  for (const reads of ['mapped', 'pread'] as const) {
    const expected = reads === 'mapped' ? 'no read call' : 'one pread each';
    it(`${reads}: 200 page reads of a chunk make ${expected}`, async () => {
      await withCountedStore({ reads }, async (store, counter) => {
        for (let p = 0; p < PAGES; p++) await store.writeChunk(1, 1, pageOf(p + 1), p * PAGE);
        counter.reset();
        const target = new Uint8Array(PAGE);
        for (let i = 0; i < 200; i++) {
          const p = (i * 7) % PAGES;
          await store.readChunkInto(1, 1, p * PAGE, target);
          expect(target).toEqual(pageOf(p + 1));
        }
        const reads_ = (counter.calls.get('chunk.readSync') ?? 0) + (counter.calls.get('chunk.read') ?? 0);
        expect(reads_).toBe(reads === 'mapped' ? 0 : 200);
      });
    });
  }

  it('control: a mapping that missed later writes is caught by the comparison io-paths makes', async () => {
    // a view copied at map time instead of the page cache's own pages: what a stale mapping would show
    const staleFs: StoreFs = {
      ...nodeFs,
      async open(path, how) {
        const file = await nodeFs.open(path, how);
        file.map = () => {
          const frozen = new Uint8Array(GEOMETRY.metaPageSize + GEOMETRY.chunkSize);
          file.readSync(frozen, 0, frozen.length, 0);
          const stale = {
            length: frozen.length,
            copyInto: (at: number, t: Uint8Array) => (t.set(frozen.subarray(at, at + t.length)), true),
            unmap: () => undefined,
          };
          return stale as unknown as FileMapping;
        };
        return file;
      },
    };
    const w: Workload = { seed: runSeed(), writers: 1, opsPerWriter: 300, chunks: [1, 2], geometry: GEOMETRY };
    const run = (fs: StoreFs) =>
      withStore({ fs, reads: 'mapped' }, async (store) => {
        const observed = [];
        for (const { chunk, op } of writerOps(w, 0)) observed.push(await perform(store, GEOMETRY, chunk, op));
        return observed;
      });
    expect(await run(staleFs), `CHUNKSTORE_SEED=${w.seed}`).not.toEqual(await run(nodeFs));
  });

  it('a deleted chunk and a closed store leave no mapping behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chunkstore-mapped-'));
    try {
      const store = await DataStore.open({ dir, ...GEOMETRY, reads: 'mapped' });
      for (const id of [1, 2]) {
        await store.writeChunk(id, 1, pageOf(id), 0);
        expect(await store.readChunk(id, 1, 0, PAGE)).toEqual(pageOf(id));
      }
      expect((await mappingsUnder(dir)).filter((l) => l.endsWith('/chunk_1'))).toHaveLength(1);
      await store.deleteChunk(1, 1);
      expect((await mappingsUnder(dir)).filter((l) => l.endsWith('/chunk_1'))).toEqual([]);
      expect((await mappingsUnder(dir)).filter((l) => l.endsWith('/chunk_2'))).toHaveLength(1);
      await store.close();
      expect(await mappingsUnder(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a file cut short from outside after it was mapped reads zeros past its end, as with pread', async () => {
    await withStore({ reads: 'mapped' }, async (store, dir) => {
      await store.writeChunk(1, 1, new Uint8Array(2 * PAGE).fill(7), 0);
      expect(await store.readChunk(1, 1, PAGE, PAGE)).toEqual(pageOf(7)); // mapped now
      await truncate(join(dir, 'chunk_1'), GEOMETRY.metaPageSize + PAGE);
      const target = new Uint8Array(2 * PAGE).fill(0xee);
      await store.readChunkInto(1, 1, 0, target);
      expect(target.subarray(0, PAGE)).toEqual(pageOf(7));
      expect(target.subarray(PAGE)).toEqual(new Uint8Array(PAGE));
      expect(await store.readChunk(1, 1, 0, PAGE)).toEqual(pageOf(7));
    });
  });

  it('control: touching that page past the end without the guarded copy ends the process with SIGBUS', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chunkstore-sigbus-'));
    try {
      const file = join(dir, 'f');
      const script = `
        const fs = require('node:fs'); const b = require(${JSON.stringify(BINDING_PATH)});
        fs.writeFileSync(${JSON.stringify(file)}, Buffer.alloc(4 * 4096, 7));
        const fd = fs.openSync(${JSON.stringify(file)}, 'r+'); const mapped = b.map(fd, 4 * 4096);
        fs.ftruncateSync(fd, 4096);
        const guarded = b.copy(mapped, 8192, new Uint8Array(4096));
        process.stdout.write('guarded copy: ' + guarded + '\\n');
        new Uint8Array(mapped)[8192];`;
      expect(nodeChildOutcome(script)).toEqual({ signal: 'SIGBUS', stdout: 'guarded copy: false\n' });
      expect((await stat(file)).size).toBe(4096);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
