import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataStore } from '../../chunkstore/index';
import type { BackgroundWriter } from '../../chunkstore/store-fs';
import { settledWithin } from './call-counter';
import { CrashFs } from './crash-fs';
import { DIR, openOn } from './crash-harness';
import { inProcessWriter } from './in-process-writer';
import { GEOMETRY, PAGE } from './replay-env';

/**
 * Write-behind (FORMAT.md "Write-behind"): with other operations in progress, a chunk page write is owed
 * to a background writer once its log record is durable, and its caller is answered then. Here the
 * background writer is held (a gate in front of the simulated disk's), so the window between the answer
 * and the page landing stays open while the tests look at it.
 */

const PAGES = [0, 1, 2, 3, 4, 5, 6, 7];
const page = (fill: number) => new Uint8Array(PAGE).fill(fill);

/** The simulated disk's background writer behind a gate; `fail` makes every item of later batches fail. */
function gated(fs: CrashFs) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const state = { batches: 0, fail: false };
  fs.backgroundWriter = (): BackgroundWriter => {
    const inner = inProcessWriter();
    return {
      async writeAll(items) {
        state.batches++;
        await gate;
        if (state.fail) return items.map(() => Object.assign(new Error('EIO: injected'), { code: 'EIO' }));
        return inner.writeAll(items);
      },
      close: () => inner.close(),
    };
  };
  return { release: open, state };
}

/** Page `p` of chunk 1 as the chunk file on the simulated disk holds it (not through the store). */
async function onDisk(fs: CrashFs, p: number): Promise<Uint8Array> {
  const file = await fs.open(`${DIR}/chunk_1`, 'existing');
  const out = new Uint8Array(PAGE);
  file.readSync(out, 0, PAGE, GEOMETRY.metaPageSize + p * PAGE);
  return out;
}

/** Chunk 1 created with zeros on page 0 (a lone write: synchronous, nothing owed), then 8 pages at once. */
async function ownedWrites(store: DataStore): Promise<void> {
  await store.writeChunk(1, 1, page(0), 0);
  await Promise.all(PAGES.map((p) => store.writeChunk(1, 1, page(p + 1), p * PAGE)));
}

describe('write-behind: a write is answered once its record is durable, its page owed', () => {
  it('the writes are answered while their pages are held; a read waits for its page and returns it', async () => {
    const fs = new CrashFs();
    const writer = gated(fs);
    const store = await openOn(fs);
    expect(await settledWithin(ownedWrites(store), 2000), 'answered with the background writer held').toBe(true);
    await new Promise((resolve) => setImmediate(resolve)); // the turn's writes go out as one batch
    expect(writer.state.batches).toBe(1);
    // control: the chunk file does not hold the page yet, so what the read returns comes from waiting
    expect(await onDisk(fs, 3)).toEqual(page(0));
    const read = store.readChunk(1, 1, 3 * PAGE, PAGE);
    expect(await settledWithin(read, 100), 'the read waits for the owed page').toBe(false);
    writer.release();
    expect(await read).toEqual(page(4));
    expect(await onDisk(fs, 3)).toEqual(page(4));
    await store.close();
  });

  it('a power cut while pages are owed loses no answered write: the reopened store replays them', async () => {
    const fs = new CrashFs();
    gated(fs);
    const store = await openOn(fs);
    await ownedWrites(store);
    const cut = fs.materialize({ at: fs.length, kept: 0, tornSectors: 0 }); // only what was synced
    // control: on the disk after the cut, the chunk file lacks the answered pages
    for (const p of PAGES) expect(await onDisk(cut, p)).toEqual(page(0));
    const reopened = await openOn(cut);
    for (const p of PAGES) expect(await reopened.readChunk(1, 1, p * PAGE, PAGE)).toEqual(page(p + 1));
    await reopened.close();
  });

  it('close waits for the owed pages and leaves them in the chunk file', async () => {
    const fs = new CrashFs();
    const writer = gated(fs);
    const store = await openOn(fs);
    await ownedWrites(store);
    const closing = store.close();
    expect(await settledWithin(closing, 100), 'close waits for the held pages').toBe(false);
    writer.release();
    await closing;
    for (const p of PAGES) expect(await onDisk(fs, p)).toEqual(page(p + 1));
  });

  it('a failed owed write fails the store: later calls refuse naming it; reopened, the write is there', async () => {
    const fs = new CrashFs();
    const writer = gated(fs);
    const store = await openOn(fs);
    await ownedWrites(store);
    writer.state.fail = true;
    writer.release();
    await expect(store.readChunk(1, 1, 0, PAGE)).rejects.toThrow(/owed after its log record failed.*EIO: injected/);
    await expect(store.writeChunk(2, 1, page(9), 0)).rejects.toThrow(/owed after its log record failed/);
    await expect(store.getChunkInfo(1)).rejects.toThrow(/owed after its log record failed/);
    await expect(store.close()).rejects.toThrow(/EIO: injected/); // its checkpoint cannot cover the write
    const reopened = await openOn(fs);
    for (const p of PAGES) expect(await reopened.readChunk(1, 1, p * PAGE, PAGE)).toEqual(page(p + 1));
    await expect(reopened.getChunkInfo(2)).rejects.toMatchObject({ code: 'ChunkNotExistError' });
    await reopened.close();
  });
});

describe('write-behind: the option', () => {
  it('writeBehind: false: every page is written before its caller is answered; no background batch', async () => {
    const fs = new CrashFs();
    const writer = gated(fs);
    const store = await openOn(fs, { writeBehind: false });
    expect(await settledWithin(ownedWrites(store), 2000)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writer.state.batches).toBe(0);
    for (const p of PAGES) expect(await onDisk(fs, p)).toEqual(page(p + 1));
    await store.close();
  });

  it('a writeBehind that is not a boolean is refused, naming it, and nothing is created', async () => {
    const dir = join(tmpdir(), `write-behind-refused-${process.pid}`);
    const opening = DataStore.open({ dir, ...GEOMETRY, writeBehind: 'no' as unknown as boolean });
    await expect(opening).rejects.toMatchObject({
      code: 'InvalidArgError',
      message: expect.stringMatching(/writeBehind/),
    });
    expect(existsSync(dir), 'the store directory was not made').toBe(false);
  });
});
