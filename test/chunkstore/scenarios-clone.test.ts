// Seed 002 scenario suites "克隆" (clone: sn 1, correctedSn 0) and "恢复"
// (recover from snapshot: sn 2, correctedSn 3), step by step.
import { describe, expect, it } from 'vitest';
import { bitmapWith, CHUNK, concat, PAGE, PAGES, pages, useEnv } from './helpers';
import { CLONE_SOURCE } from './fixtures';

const ctx = useEnv();
const EMPTY_BITMAP = new Uint8Array(PAGES / 8);

/** CreateCloneChunk twice (the second is a replay) and check the fresh clone. */
async function createCloneTwice(id: number, sn: number, correctedSn: number): Promise<void> {
  const location = `${CLONE_SOURCE}:chunk-${id}`;
  const expected = { sn, correctedSn, snapSn: 0, isClone: true, location, bitmap: EMPTY_BITMAP };
  await ctx.env.store.createCloneChunk(id, sn, correctedSn, CHUNK, location);
  expect(await ctx.env.info(id)).toMatchObject(expected);
  await ctx.env.store.createCloneChunk(id, sn, correctedSn, CHUNK, location);
  expect(await ctx.env.info(id)).toMatchObject(expected);
}

async function expectBitmap(id: number, ...written: number[]): Promise<void> {
  expect(await ctx.env.info(id)).toMatchObject({ isClone: true, bitmap: bitmapWith(...written) });
}

async function expectNormal(id: number): Promise<void> {
  expect(await ctx.env.info(id)).toMatchObject({ isClone: false, location: '', bitmap: null });
}

describe('scenario suite: clone', () => {
  it('scenarios 1–4: create clones, write and paste, fill by paste, delete', async () => {
    const { store } = ctx.env;

    // Scenario 1: create the clone chunks (chunk1 twice).
    await createCloneTwice(1, 1, 0);
    await createCloneTwice(2, 1, 0);

    // Scenario 2: fill the clone.
    const w1 = pages(0xc1, 2);
    await store.writeChunk(1, 1, w1, 0);
    await expectBitmap(1, 0, 1);
    expect(await store.readChunk(1, 1, 0, 2 * PAGE)).toEqual(w1);
    await store.pasteChunk(1, pages(0xd1, 2), 0); // all written already: nothing pasted
    expect(await store.readChunk(1, 1, 0, 2 * PAGE)).toEqual(w1);
    await expectBitmap(1, 0, 1);

    const w2 = pages(0xc2, 2);
    await store.writeChunk(1, 1, w2, PAGE);
    await expectBitmap(1, 0, 1, 2);
    // Seed text says "0-4KB = second write, 4-12KB = earlier write": garbled;
    // page 0 keeps the first write, pages 1-2 hold the second.
    expect(await store.readChunk(1, 1, 0, 3 * PAGE)).toEqual(concat(w1.subarray(0, PAGE), w2));

    // "Paste partly overlapping the written area": the seed's offset 4 KiB would
    // overlap completely (pages 1-2 are written), so paste pages 2-3.
    const p1 = pages(0xd2, 2);
    await store.pasteChunk(1, p1, 2 * PAGE);
    await expectBitmap(1, 0, 1, 2, 3);
    expect(await store.readChunk(1, 1, 0, 4 * PAGE)).toEqual(concat(w1.subarray(0, PAGE), w2, p1.subarray(PAGE)));

    // Scenario 3: paste every page: the clone becomes a normal chunk.
    const before = await store.readChunk(1, 1, 0, 4 * PAGE);
    await store.pasteChunk(1, pages(0xdf, PAGES), 0);
    await expectNormal(1);
    expect(await store.readChunk(1, 1, 0, CHUNK)).toEqual(concat(before, pages(0xdf, PAGES - 4)));

    // Scenario 4: delete the file.
    await store.deleteChunk(1, 1);
    await store.deleteChunk(2, 1);
    expect(await ctx.env.files()).toEqual([]);
  });
});

describe('scenario suite: recover from snapshot', () => {
  it('scenarios 1–3: clone with correctedSn > sn, paste and write at the new version, fill by write', async () => {
    const { store } = ctx.env;

    // Scenario 1: create the clone chunk (twice).
    await createCloneTwice(1, 2, 3);

    // Scenario 2: recover its data.
    const p1 = pages(0xe1, 2);
    await store.pasteChunk(1, p1, 0);
    await expectBitmap(1, 0, 1);
    expect(await store.readChunk(1, 3, 0, 2 * PAGE)).toEqual(p1);

    const w1 = pages(0xf1, 2);
    await store.writeChunk(1, 3, w1, 0); // sn 3 == correctedSn: no snapshot, sn moves to 3
    expect(await store.readChunk(1, 3, 0, 2 * PAGE)).toEqual(w1);
    expect(await ctx.env.info(1)).toMatchObject({ sn: 3, correctedSn: 3, snapSn: 0, isClone: true });
    expect(await ctx.env.files()).toEqual(['chunk_1']);

    const p2 = pages(0xe2, 2);
    await store.pasteChunk(1, p2, PAGE);
    await expectBitmap(1, 0, 1, 2);
    expect(await store.readChunk(1, 3, 0, 3 * PAGE)).toEqual(concat(w1, p2.subarray(PAGE)));

    // Scenario 3: write every page: the clone becomes a normal chunk.
    const all = new Uint8Array(CHUNK).map((_, i) => (i * 7) % 256);
    await store.writeChunk(1, 3, all, 0);
    await expectNormal(1);
    expect(await ctx.env.info(1)).toMatchObject({ sn: 3, correctedSn: 3 });
    expect(await store.readChunk(1, 3, 0, CHUNK)).toEqual(all);
    await ctx.env.reopen();
    await expectNormal(1);
  });
});
