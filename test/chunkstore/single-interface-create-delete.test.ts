// Seed 002 single-interface cases 41–58: CreateCloneChunk and DeleteChunk.
import { describe, expect, it } from 'vitest';
import { CHUNK, expectCode, PAGE, PAGES, pages, useEnv } from './helpers';
import { chunkWithSnapshot, LOCATION, writtenClone } from './fixtures';

const ctx = useEnv();

/** CreateCloneChunk that must be refused with `code` and change nothing. */
async function expectCloneRefused(
  args: [sn: number, correctedSn: number, size: number, location: string],
  code: 'InvalidArgError' | 'ChunkConflictError',
): Promise<void> {
  const existed = (await ctx.env.files()).includes('chunk_1');
  const before = existed ? await ctx.env.state(1) : null;
  await expectCode(ctx.env.store.createCloneChunk(1, ...args), code);
  if (before) {
    expect(await ctx.env.state(1)).toEqual(before);
  } else {
    await expectCode(ctx.env.store.getChunkInfo(1), 'ChunkNotExistError');
    expect(await ctx.env.files()).toEqual([]);
  }
}

describe('CreateCloneChunk', () => {
  it('case 041: chunk missing, sn=0 → InvalidArgError, no chunk', async () => {
    await expectCloneRefused([0, 0, CHUNK, LOCATION], 'InvalidArgError');
  });

  it('case 042: chunk missing, size!=chunksize → InvalidArgError, no chunk', async () => {
    await expectCloneRefused([1, 0, CHUNK / 2, LOCATION], 'InvalidArgError');
  });

  it('case 043: chunk missing, sn=0, empty location → InvalidArgError, no chunk', async () => {
    await expectCloneRefused([0, 0, CHUNK, ''], 'InvalidArgError');
    await expectCloneRefused([1, 0, CHUNK, ''], 'InvalidArgError');
  });

  it('case 044: chunk missing, sn=1, correctedSn=0 → clone chunk created, bitmap all clear', async () => {
    await ctx.env.store.createCloneChunk(1, 1, 0, CHUNK, LOCATION);
    expect(await ctx.env.files()).toEqual(['chunk_1']);
    expect(await ctx.env.info(1)).toEqual({
      chunkId: 1,
      sn: 1,
      correctedSn: 0,
      snapSn: 0,
      isClone: true,
      location: LOCATION,
      bitmap: new Uint8Array(PAGES / 8),
      chunkSize: CHUNK,
      pageSize: PAGE,
      metaPageSize: PAGE,
    });
  });

  it('case 045: chunk missing, sn=2, correctedSn=3 → clone chunk created with sn 2, correctedSn 3', async () => {
    await ctx.env.store.createCloneChunk(1, 2, 3, CHUNK, LOCATION);
    expect(await ctx.env.info(1)).toMatchObject({
      sn: 2,
      correctedSn: 3,
      isClone: true,
      location: LOCATION,
      bitmap: new Uint8Array(PAGES / 8),
    });
    await ctx.env.reopen();
    expect(await ctx.env.info(1)).toMatchObject({ sn: 2, correctedSn: 3, isClone: true, location: LOCATION });
  });

  it('case 046: clone exists, same arguments, never written → success, unchanged', async () => {
    await ctx.env.store.createCloneChunk(1, 1, 0, CHUNK, LOCATION);
    const before = await ctx.env.state(1);
    await ctx.env.store.createCloneChunk(1, 1, 0, CHUNK, LOCATION);
    expect(await ctx.env.state(1)).toEqual(before);
  });

  it('case 047: clone exists, same arguments, written → success, unchanged', async () => {
    await writtenClone(ctx.env.store, pages(0x01));
    const before = await ctx.env.state(1);
    await ctx.env.store.createCloneChunk(1, 1, 0, CHUNK, LOCATION);
    expect(await ctx.env.state(1)).toEqual(before);
    expect(await ctx.env.store.readChunk(1, 1, 0, PAGE)).toEqual(pages(0x01));
  });

  it(
    'case 048: clone exists, sn!=chunk.sn (write moved sn to correctedSn, create replayed) ' + '→ ChunkConflictError',
    async () => {
      await ctx.env.store.createCloneChunk(1, 2, 3, CHUNK, LOCATION);
      await ctx.env.store.writeChunk(1, 3, pages(0x01), 0);
      await expectCloneRefused([2, 3, CHUNK, LOCATION], 'ChunkConflictError');
    },
  );

  it('case 049: clone exists, correctedSn!=chunk.correctedSn → ChunkConflictError', async () => {
    await writtenClone(ctx.env.store, pages(0x01));
    await expectCloneRefused([1, 2, CHUNK, LOCATION], 'ChunkConflictError');
  });

  it('case 050: clone exists, location!=chunk.location → ChunkConflictError', async () => {
    await writtenClone(ctx.env.store, pages(0x01));
    await expectCloneRefused([1, 0, CHUNK, `${LOCATION}-other`], 'ChunkConflictError');
  });

  it('case 051: normal chunk exists, empty location → InvalidArgError', async () => {
    await ctx.env.store.writeChunk(1, 1, pages(0x01), 0);
    await expectCloneRefused([1, 0, CHUNK, ''], 'InvalidArgError');
  });

  it(
    'case 052: normal chunk exists (clone fully written earlier), create replayed ' + '→ ChunkConflictError',
    async () => {
      await ctx.env.store.createCloneChunk(1, 1, 0, CHUNK, LOCATION);
      await ctx.env.store.writeChunk(1, 1, pages(0x52, PAGES), 0);
      expect((await ctx.env.info(1)).isClone).toBe(false);
      await expectCloneRefused([1, 0, CHUNK, LOCATION], 'ChunkConflictError');
    },
  );
});

describe('DeleteChunk', () => {
  it('case 053: chunk missing → success', async () => {
    await ctx.env.store.deleteChunk(1, 5);
    expect(await ctx.env.files()).toEqual([]);
  });

  it.each([
    ['054', 'sn==chunk.sn', 2],
    ['055', 'sn>chunk.sn', 3],
  ])('case %s: normal chunk without snapshot, %s → success, chunk deleted', async (_n, _what, sn) => {
    const { store } = ctx.env;
    await store.writeChunk(1, 2, pages(0x54), 0);
    await store.deleteChunk(1, sn);
    expect(await ctx.env.files()).toEqual([]);
    await expectCode(store.getChunkInfo(1), 'ChunkNotExistError');
    await ctx.env.reopen();
    await expectCode(ctx.env.store.getChunkInfo(1), 'ChunkNotExistError');
  });

  it('case 056: normal chunk without snapshot, sn<chunk.sn → BackwardRequestError, not deleted', async () => {
    const { store } = ctx.env;
    await store.writeChunk(1, 2, pages(0x56), 0);
    const before = await ctx.env.state(1);
    await expectCode(store.deleteChunk(1, 1), 'BackwardRequestError');
    expect(await ctx.env.state(1)).toEqual(before);
    expect(await store.readChunk(1, 2, 0, PAGE)).toEqual(pages(0x56));
  });

  // Seed contradiction (FORMAT.md "Semantics decisions" 1): the table says
  // success + both files deleted, the snapshot scenario suite says
  // SnapshotExistError. The scenario suite wins; the table's end state
  // (snapshot and chunk deleted) is reached by deleting the snapshot first.
  it(
    'case 057: normal chunk with snapshot, sn==chunk.sn ' + '→ SnapshotExistError until the snapshot is deleted',
    async () => {
      const { store } = ctx.env;
      await chunkWithSnapshot(store, pages(0x01));
      const before = await ctx.env.state(1);
      expect(before.files).toEqual(['chunk_1', 'chunk_1_snap_1']);
      await expectCode(store.deleteChunk(1, 2), 'SnapshotExistError');
      expect(await ctx.env.state(1)).toEqual(before);
      expect(await store.readSnapshotChunk(1, 1, 0, PAGE)).toEqual(pages(0x01));
      await store.deleteSnapshotChunkOrCorrectSn(1, 2);
      await store.deleteChunk(1, 2);
      expect(await ctx.env.files()).toEqual([]);
      await expectCode(store.getChunkInfo(1), 'ChunkNotExistError');
    },
  );

  it('case 058: clone chunk, sn==chunk.sn → success, chunk deleted', async () => {
    const { store } = ctx.env;
    await store.createCloneChunk(1, 1, 0, CHUNK, LOCATION);
    await store.writeChunk(1, 1, pages(0x58), 0);
    await store.deleteChunk(1, 1);
    expect(await ctx.env.files()).toEqual([]);
    await expectCode(store.getChunkInfo(1), 'ChunkNotExistError');
  });
});
