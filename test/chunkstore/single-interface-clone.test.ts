// Seed 002 single-interface cases 24–40: WriteChunk and PasteChunk on clone
// chunks (and PasteChunk on normal chunks).
import { describe, expect, it } from 'vitest';
import { bitmapWith, CHUNK, concat, expectCode, PAGE, PAGES, pages, useEnv } from './helpers';
import { chunkWithSnapshot, cloneChunk } from './fixtures';

const ctx = useEnv();

/** Asserts chunk 1 is no longer a clone and keeps sn/correctedSn. */
async function expectConvertedToNormal(sn: number, correctedSn: number): Promise<void> {
  expect(await ctx.env.info(1)).toMatchObject({
    sn,
    correctedSn,
    snapSn: 0,
    isClone: false,
    location: '',
    bitmap: null,
  });
  const meta = await ctx.env.diskMeta('chunk_1');
  expect(meta).toMatchObject({ clone: false, location: '', bitmap: null });
}

describe('WriteChunk on a clone chunk (no snapshot)', () => {
  it('case 024: sn==chunk.sn, sn>correctedSn, region never written → written, bits set, rest unchanged', async () => {
    const { store } = ctx.env;
    await cloneChunk(store);
    const before = await ctx.env.state(1);
    await store.writeChunk(1, 1, pages(0x24, 2), 2 * PAGE);
    expect(await store.readChunk(1, 1, 2 * PAGE, 2 * PAGE)).toEqual(pages(0x24, 2));
    expect(await ctx.env.state(1)).toEqual({ ...before, info: { ...before.info, bitmap: bitmapWith(2, 3) } });
    expect((await ctx.env.diskMeta('chunk_1')).bitmap?.toBytes()).toEqual(bitmapWith(2, 3));
  });

  it('case 025: sn==chunk.sn, sn>correctedSn, region written → overwritten, state unchanged', async () => {
    const { store } = ctx.env;
    await cloneChunk(store);
    await store.writeChunk(1, 1, pages(0x01, 2), 0);
    const before = await ctx.env.state(1);
    await store.writeChunk(1, 1, pages(0x25, 2), 0);
    expect(await store.readChunk(1, 1, 0, 2 * PAGE)).toEqual(pages(0x25, 2));
    expect(await ctx.env.state(1)).toEqual(before);
  });

  it('case 026: sn==chunk.sn, sn>correctedSn, region partly written → overwritten, new bits set', async () => {
    const { store } = ctx.env;
    await cloneChunk(store);
    await store.writeChunk(1, 1, pages(0x01), 0);
    const before = await ctx.env.state(1);
    await store.writeChunk(1, 1, pages(0x26, 3), 0);
    expect(await store.readChunk(1, 1, 0, 3 * PAGE)).toEqual(pages(0x26, 3));
    expect(await ctx.env.state(1)).toEqual({ ...before, info: { ...before.info, bitmap: bitmapWith(0, 1, 2) } });
  });

  it('case 027: write the whole chunk → becomes a normal chunk (isClone false, no location, no bitmap)', async () => {
    const { store } = ctx.env;
    await cloneChunk(store);
    const data = new Uint8Array(CHUNK).map((_, i) => i % 251);
    await store.writeChunk(1, 1, data, 0);
    expect(await store.readChunk(1, 1, 0, CHUNK)).toEqual(data);
    await expectConvertedToNormal(1, 0);
    await ctx.env.reopen();
    await expectConvertedToNormal(1, 0);
  });

  it(
    'case 028: sn>chunk.sn, sn==correctedSn, region never written ' + '→ written, bit set, chunk.sn=sn, no snapshot',
    async () => {
      const { store } = ctx.env;
      await cloneChunk(store, 2, 3);
      const before = await ctx.env.state(1);
      await store.writeChunk(1, 3, pages(0x28), 0);
      expect(await store.readChunk(1, 3, 0, PAGE)).toEqual(pages(0x28));
      expect(await ctx.env.state(1)).toEqual({ ...before, info: { ...before.info, sn: 3, bitmap: bitmapWith(0) } });
    },
  );

  it('case 029: sn==chunk.sn, sn==correctedSn, region partly written → overwritten, new bits set', async () => {
    const { store } = ctx.env;
    await cloneChunk(store, 2, 3);
    await store.writeChunk(1, 3, pages(0x01), 0);
    const before = await ctx.env.state(1);
    expect(before.info).toMatchObject({ sn: 3, correctedSn: 3 });
    await store.writeChunk(1, 3, pages(0x29, 2), 0);
    expect(await store.readChunk(1, 3, 0, 2 * PAGE)).toEqual(pages(0x29, 2));
    expect(await ctx.env.state(1)).toEqual({ ...before, info: { ...before.info, bitmap: bitmapWith(0, 1) } });
  });

  // [case, what, clone's sn, the write's sn, refusal, fill byte]
  it.each([
    [
      '030',
      'sn>chunk.sn, sn>correctedSn → StatusConflictError (clone takes no snapshot)',
      1,
      2,
      'StatusConflictError',
      0x30,
    ],
    ['031', 'sn<chunk.sn → BackwardRequestError', 2, 1, 'BackwardRequestError', 0x31],
  ] as const)('case %s: %s, nothing written', async (_n, _what, chunkSn, sn, code, fill) => {
    const { store } = ctx.env;
    await cloneChunk(store, chunkSn, 0);
    const before = await ctx.env.state(1);
    await expectCode(store.writeChunk(1, sn, pages(fill), 0), code);
    await expectCode(store.readChunk(1, chunkSn, 0, PAGE), 'PageNeverWrittenError');
    expect(await ctx.env.state(1)).toEqual(before);
  });
});

describe('PasteChunk', () => {
  it('case 032: chunk missing → ChunkNotExistError, no chunk created', async () => {
    await expectCode(ctx.env.store.pasteChunk(1, pages(0x32), 0), 'ChunkNotExistError');
    expect(await ctx.env.files()).toEqual([]);
  });

  it('case 033: normal chunk, offset+length>chunksize → InvalidArgError, nothing written', async () => {
    const { store } = ctx.env;
    await store.writeChunk(1, 1, pages(0x01), 0);
    const before = await ctx.env.state(1);
    await expectCode(store.pasteChunk(1, pages(0x33, 2), CHUNK - PAGE), 'InvalidArgError');
    expect(await store.readChunk(1, 1, CHUNK - PAGE, PAGE)).toEqual(pages(0));
    expect(await ctx.env.state(1)).toEqual(before);
  });

  it.each([
    ['offset', 512, PAGE],
    ['length', 0, 100],
  ])(
    'case 034: normal chunk, %s not page-aligned → InvalidArgError, nothing written',
    async (_what, offset, length) => {
      const { store } = ctx.env;
      await store.writeChunk(1, 1, pages(0x01), 0);
      const before = await ctx.env.state(1);
      await expectCode(store.pasteChunk(1, new Uint8Array(length).fill(0x34), offset), 'InvalidArgError');
      expect(await store.readChunk(1, 1, 0, PAGE)).toEqual(pages(0x01));
      expect(await ctx.env.state(1)).toEqual(before);
    },
  );

  it('case 035: normal chunk without snapshot, region never written → success, nothing written', async () => {
    const { store } = ctx.env;
    await store.writeChunk(1, 1, pages(0x01), 0);
    const before = await ctx.env.state(1);
    await store.pasteChunk(1, pages(0x35, 2), 2 * PAGE);
    expect(await store.readChunk(1, 1, 2 * PAGE, 2 * PAGE)).toEqual(pages(0, 2));
    expect(await ctx.env.state(1)).toEqual(before);
  });

  it('case 036: normal chunk with snapshot, region never written → success, nothing written', async () => {
    const { store } = ctx.env;
    await chunkWithSnapshot(store, pages(0x01));
    const before = await ctx.env.state(1);
    expect(before.info.snapSn).toBe(1);
    await store.pasteChunk(1, pages(0x36, 2), 2 * PAGE);
    expect(await store.readChunk(1, 2, 2 * PAGE, 2 * PAGE)).toEqual(pages(0, 2));
    expect(await store.readSnapshotChunk(1, 1, 0, 3 * PAGE)).toEqual(concat(pages(0x01), pages(0, 2)));
    expect(await ctx.env.state(1)).toEqual(before);
  });

  it('case 037: clone chunk, region never written → written, bits set, rest unchanged', async () => {
    const { store } = ctx.env;
    await cloneChunk(store);
    const before = await ctx.env.state(1);
    await store.pasteChunk(1, pages(0x37, 2), 4 * PAGE);
    expect(await store.readChunk(1, 1, 4 * PAGE, 2 * PAGE)).toEqual(pages(0x37, 2));
    expect(await ctx.env.state(1)).toEqual({ ...before, info: { ...before.info, bitmap: bitmapWith(4, 5) } });
  });

  it('case 038: clone chunk, region written → success, data kept, state unchanged', async () => {
    const { store } = ctx.env;
    await cloneChunk(store);
    await store.writeChunk(1, 1, pages(0x01, 2), 0);
    const before = await ctx.env.state(1);
    await store.pasteChunk(1, pages(0x38, 2), 0);
    expect(await store.readChunk(1, 1, 0, 2 * PAGE)).toEqual(pages(0x01, 2));
    expect(await ctx.env.state(1)).toEqual(before);
  });

  it('case 039: clone chunk, region partly written → only unwritten pages pasted, their bits set', async () => {
    const { store } = ctx.env;
    await cloneChunk(store);
    await store.writeChunk(1, 1, pages(0x01), PAGE);
    const before = await ctx.env.state(1);
    await store.pasteChunk(1, pages(0x39, 3), 0);
    expect(await store.readChunk(1, 1, 0, 3 * PAGE)).toEqual(concat(pages(0x39), pages(0x01), pages(0x39)));
    expect(await ctx.env.state(1)).toEqual({ ...before, info: { ...before.info, bitmap: bitmapWith(0, 1, 2) } });
  });

  it('case 040: paste the whole chunk → becomes a normal chunk', async () => {
    const { store } = ctx.env;
    await cloneChunk(store);
    await store.writeChunk(1, 1, pages(0x01), 3 * PAGE);
    await store.pasteChunk(1, pages(0x40, PAGES), 0);
    const expected = concat(pages(0x40, 3), pages(0x01), pages(0x40, PAGES - 4));
    expect(await store.readChunk(1, 1, 0, CHUNK)).toEqual(expected);
    await expectConvertedToNormal(1, 0);
    await ctx.env.reopen();
    await expectConvertedToNormal(1, 0);
  });
});
