// Seed 002 single-interface cases 1–16: WriteChunk on a missing chunk and on
// a normal chunk without snapshot.
import { describe, expect, it } from 'vitest';
import { CHUNK, concat, expectCode, PAGE, pages, useEnv } from './helpers';
import { chunkSn3Corrected2 } from './fixtures';

const ctx = useEnv();

/** Asserts a write is refused as backward and changes nothing. */
async function expectBackwardWrite(sn: number): Promise<void> {
  const before = await ctx.env.state(1);
  const data = await ctx.env.store.readChunk(1, sn, 0, PAGE);
  await expectCode(ctx.env.store.writeChunk(1, sn, pages(0xee), 0), 'BackwardRequestError');
  expect(await ctx.env.store.readChunk(1, sn, 0, PAGE)).toEqual(data);
  expect(await ctx.env.state(1)).toEqual(before);
}

describe('WriteChunk on a missing chunk', () => {
  it('case 001: WriteChunk, chunk missing, sn=0 → InvalidArgError, no chunk created', async () => {
    const { store } = ctx.env;
    await expectCode(store.writeChunk(1, 0, pages(1), 0), 'InvalidArgError');
    await expectCode(store.getChunkInfo(1), 'ChunkNotExistError');
    expect(await ctx.env.files()).toEqual([]);
  });

  it(
    'case 002: WriteChunk, chunk missing, sn=1, offset+length>chunksize ' + '→ InvalidArgError, chunk created sn=1',
    async () => {
      const { store } = ctx.env;
      await expectCode(store.writeChunk(1, 1, pages(7, 2), CHUNK - PAGE), 'InvalidArgError');
      expect(await ctx.env.files()).toEqual(['chunk_1']);
      expect(await ctx.env.info(1)).toMatchObject({ sn: 1, correctedSn: 0, isClone: false, snapSn: 0 });
      expect(await store.readChunk(1, 1, CHUNK - PAGE, PAGE)).toEqual(pages(0));
    },
  );

  it.each([
    ['offset', 100, PAGE],
    ['length', 0, PAGE + 100],
  ])(
    'case 003: WriteChunk, chunk missing, sn=1, %s not page-aligned → InvalidArgError, chunk created sn=1',
    async (_what, offset, length) => {
      const { store } = ctx.env;
      await expectCode(store.writeChunk(1, 1, new Uint8Array(length).fill(7), offset), 'InvalidArgError');
      expect(await ctx.env.files()).toEqual(['chunk_1']);
      expect(await ctx.env.info(1)).toMatchObject({ sn: 1, correctedSn: 0, isClone: false });
      expect(await store.readChunk(1, 1, 0, 2 * PAGE)).toEqual(pages(0, 2));
    },
  );

  it('case 004: WriteChunk, chunk missing, sn=1, offset+length<chunksize → success, chunk sn=1', async () => {
    const { store } = ctx.env;
    await store.writeChunk(1, 1, pages(4, 2), PAGE);
    expect(await store.readChunk(1, 1, PAGE, 2 * PAGE)).toEqual(pages(4, 2));
    expect(await ctx.env.files()).toEqual(['chunk_1']);
    expect(await ctx.env.info(1)).toMatchObject({ chunkId: 1, sn: 1, correctedSn: 0, isClone: false });
  });

  it('case 005: WriteChunk, chunk missing, sn=2, offset+length==chunksize → success, chunk sn=2', async () => {
    const { store } = ctx.env;
    await store.writeChunk(1, 2, pages(5, 2), CHUNK - 2 * PAGE);
    expect(await store.readChunk(1, 2, CHUNK - 2 * PAGE, 2 * PAGE)).toEqual(pages(5, 2));
    expect(await ctx.env.files()).toEqual(['chunk_1']);
    expect(await ctx.env.info(1)).toMatchObject({ sn: 2, correctedSn: 0, isClone: false });
  });
});

describe('WriteChunk on a normal chunk without snapshot', () => {
  it(
    'case 006: sn==chunk.sn, sn>correctedSn, region never written ' + '→ success, data read back, state unchanged',
    async () => {
      const { store } = ctx.env;
      await store.writeChunk(1, 1, pages(1), 0);
      const before = await ctx.env.state(1);
      await store.writeChunk(1, 1, pages(6, 2), 4 * PAGE);
      expect(await store.readChunk(1, 1, 4 * PAGE, 2 * PAGE)).toEqual(pages(6, 2));
      expect(await ctx.env.state(1)).toEqual(before);
    },
  );

  it('case 007: sn==chunk.sn, sn>correctedSn, region written → overwritten, state unchanged', async () => {
    const { store } = ctx.env;
    await store.writeChunk(1, 1, pages(1, 2), 0);
    const before = await ctx.env.state(1);
    await store.writeChunk(1, 1, pages(7, 2), 0);
    expect(await store.readChunk(1, 1, 0, 2 * PAGE)).toEqual(pages(7, 2));
    expect(await ctx.env.state(1)).toEqual(before);
  });

  it('case 008: sn==chunk.sn, sn>correctedSn, region partly written → overwritten, state unchanged', async () => {
    const { store } = ctx.env;
    await store.writeChunk(1, 1, pages(1, 2), 0);
    const before = await ctx.env.state(1);
    await store.writeChunk(1, 1, pages(8, 3), PAGE);
    expect(await store.readChunk(1, 1, 0, 4 * PAGE)).toEqual(concat(pages(1), pages(8, 3)));
    expect(await ctx.env.state(1)).toEqual(before);
  });

  it('case 009: sn>chunk.sn, sn>correctedSn → snapshot of chunk.sn created, COW, chunk.sn=sn', async () => {
    const { store } = ctx.env;
    await store.writeChunk(1, 1, pages(1, 3), 0);
    await store.writeChunk(1, 2, pages(9, 2), PAGE);
    expect(await ctx.env.files()).toEqual(['chunk_1', 'chunk_1_snap_1']);
    expect(await ctx.env.info(1)).toMatchObject({ sn: 2, correctedSn: 0, snapSn: 1 });
    expect(await store.readSnapshotChunk(1, 1, 0, 3 * PAGE)).toEqual(pages(1, 3));
    expect(await store.readChunk(1, 2, 0, 3 * PAGE)).toEqual(concat(pages(1), pages(9, 2)));
    // The old data was copied into the snapshot file itself.
    expect(await ctx.env.diskData('chunk_1_snap_1', PAGE, 2 * PAGE)).toEqual(pages(1, 2));
  });

  it('case 010: sn>chunk.sn, sn==correctedSn → no snapshot, chunk.sn=sn, correctedSn kept', async () => {
    const { store } = ctx.env;
    await store.writeChunk(1, 1, pages(1), 0);
    await store.deleteSnapshotChunkOrCorrectSn(1, 2);
    await store.writeChunk(1, 2, pages(10), 0);
    expect(await store.readChunk(1, 2, 0, PAGE)).toEqual(pages(10));
    expect(await ctx.env.files()).toEqual(['chunk_1']);
    expect(await ctx.env.info(1)).toMatchObject({ sn: 2, correctedSn: 2, snapSn: 0 });
  });

  it('case 011: sn==chunk.sn, sn==correctedSn → overwritten, state unchanged', async () => {
    const { store } = ctx.env;
    await store.writeChunk(1, 1, pages(1), 0);
    await store.deleteSnapshotChunkOrCorrectSn(1, 2);
    await store.writeChunk(1, 2, pages(2), 0);
    const before = await ctx.env.state(1);
    expect(before.info).toMatchObject({ sn: 2, correctedSn: 2 });
    await store.writeChunk(1, 2, pages(11, 2), 0);
    expect(await store.readChunk(1, 2, 0, 2 * PAGE)).toEqual(pages(11, 2));
    expect(await ctx.env.state(1)).toEqual(before);
  });

  it('case 012: sn<chunk.sn, sn>correctedSn → BackwardRequestError, nothing written', async () => {
    await ctx.env.store.writeChunk(1, 2, pages(2), 0); // sn 2, correctedSn 0
    await expectBackwardWrite(1);
  });

  it.each([
    ['013', 'sn==correctedSn', 2],
    ['014', 'sn<correctedSn', 1],
  ])('case %s: sn<chunk.sn, %s → BackwardRequestError, nothing written', async (_n, _what, sn) => {
    await chunkSn3Corrected2(ctx.env.store);
    await expectBackwardWrite(sn);
  });

  it('case 015: sn==chunk.sn, sn<correctedSn → BackwardRequestError, nothing written', async () => {
    await ctx.env.store.writeChunk(1, 1, pages(1), 0);
    await ctx.env.store.deleteSnapshotChunkOrCorrectSn(1, 2);
    await expectBackwardWrite(1);
  });

  it('case 016: sn>chunk.sn, sn<correctedSn → BackwardRequestError, nothing written', async () => {
    await ctx.env.store.writeChunk(1, 1, pages(1), 0);
    await ctx.env.store.deleteSnapshotChunkOrCorrectSn(1, 3);
    await expectBackwardWrite(2);
  });
});
