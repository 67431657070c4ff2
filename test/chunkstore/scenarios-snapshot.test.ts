// Seed 002 scenario suites "普通使用" (normal use) and "快照" (snapshot),
// step by step, each suite one test because every step builds on the last.
import { describe, expect, it } from 'vitest';
import { CHUNK, concat, expectCode, PAGE, pages, useEnv } from './helpers';

const ctx = useEnv();

describe('scenario suite: normal use (no snapshot, no clone)', () => {
  it('scenarios 1–3: missing chunk, WriteChunk creates it, reads, overwrites, user deletes the file', async () => {
    const { store } = ctx.env;

    // Scenario 1: new file, chunk file does not exist.
    await expectCode(store.readChunk(1, 1, 0, PAGE), 'ChunkNotExistError');
    await expectCode(store.getChunkInfo(1), 'ChunkNotExistError');
    await store.deleteChunk(1, 1);

    // Scenario 2: WriteChunk creates the chunk file.
    const first = pages(0xa1);
    await store.writeChunk(1, 1, first, 0);
    expect(await ctx.env.files()).toEqual(['chunk_1']);
    expect(await ctx.env.info(1)).toEqual({
      chunkId: 1,
      sn: 1,
      correctedSn: 0,
      snapSn: 0,
      isClone: false,
      location: '',
      bitmap: null,
      chunkSize: CHUNK,
      pageSize: PAGE,
      metaPageSize: PAGE,
    });
    expect(await store.readChunk(1, 1, 0, PAGE)).toEqual(first);
    expect((await store.readChunk(1, 1, CHUNK - PAGE, PAGE)).length).toBe(PAGE);

    const second = pages(0xa2);
    await store.writeChunk(1, 1, second, 0);
    expect((await store.readChunk(1, 1, 0, 3 * PAGE)).subarray(0, PAGE)).toEqual(second);

    const third = pages(0xa3);
    await store.writeChunk(1, 1, third, PAGE);
    expect((await store.readChunk(1, 1, 0, 3 * PAGE)).subarray(0, 2 * PAGE)).toEqual(concat(second, third));

    const fourth = pages(0xa4, 2);
    await store.writeChunk(1, 1, fourth, PAGE);
    expect(await store.readChunk(1, 1, 0, 3 * PAGE)).toEqual(concat(second, fourth));
    expect(await ctx.env.files()).toEqual(['chunk_1']);

    // Scenario 3: the user deletes the file.
    await store.deleteChunk(1, 1);
    await expectCode(store.getChunkInfo(1), 'ChunkNotExistError');
    expect(await ctx.env.files()).toEqual([]);
  });
});

describe('scenario suite: snapshot (file of chunk1 and chunk2, version 1)', () => {
  it('scenarios 1–5: two snapshots taken and deleted, chunk delete refused while a snapshot exists', async () => {
    const { store } = ctx.env;
    const v1 = pages(0x11, 3);
    const v2 = pages(0x22, 4);

    // Initial state: chunk1 written at version 1, chunk2 missing.
    await store.writeChunk(1, 1, v1, 0);

    // Scenario 1: first snapshot of the file (version becomes 2).
    await store.writeChunk(1, 2, v2.subarray(0, PAGE), PAGE);
    expect(await ctx.env.files()).toEqual(['chunk_1', 'chunk_1_snap_1']);
    await store.writeChunk(1, 2, v2.subarray(0, PAGE), PAGE); // same region again: no second COW
    expect(await store.readSnapshotChunk(1, 1, PAGE, PAGE)).toEqual(pages(0x11));
    expect(await store.readSnapshotChunk(1, 1, 0, 3 * PAGE)).toEqual(v1);
    await store.writeChunk(1, 2, v2.subarray(0, PAGE), 0); // COW of page 0
    await store.writeChunk(1, 2, v2.subarray(0, 3 * PAGE), PAGE); // COW of the not yet copied pages 2-3
    expect(await ctx.env.info(1)).toMatchObject({ sn: 2, snapSn: 1, correctedSn: 0 });
    expect(await store.readChunk(1, 2, 0, 4 * PAGE)).toEqual(v2);
    expect(await store.readSnapshotChunk(1, 1, 0, 3 * PAGE)).toEqual(v1);
    await expectCode(store.readSnapshotChunk(2, 1, 0, PAGE), 'ChunkNotExistError');

    // Scenario 2: first snapshot done, delete it.
    await store.deleteSnapshotChunkOrCorrectSn(1, 2);
    expect(await ctx.env.files()).toEqual(['chunk_1']);
    expect(await ctx.env.info(1)).toMatchObject({ sn: 2, correctedSn: 0, snapSn: 0 });
    await store.deleteSnapshotChunkOrCorrectSn(2, 2);
    const chunk2v2 = pages(0xb2, 2);
    await store.writeChunk(2, 2, chunk2v2, 0);
    expect(await ctx.env.info(2)).toMatchObject({ sn: 2, correctedSn: 0, snapSn: 0 });

    // Scenario 3: second snapshot (version 3).
    const v3 = pages(0x33, 2);
    await store.writeChunk(1, 3, v3, 0);
    expect(await ctx.env.files()).toEqual(['chunk_1', 'chunk_1_snap_2', 'chunk_2']);
    expect(await ctx.env.info(1)).toMatchObject({ sn: 3, correctedSn: 0, snapSn: 2 });
    expect(await store.readSnapshotChunk(1, 2, 0, 4 * PAGE)).toEqual(v2);
    expect(await store.readSnapshotChunk(2, 2, 0, 2 * PAGE)).toEqual(chunk2v2);
    await expectCode(store.deleteChunk(1, 3), 'SnapshotExistError');
    expect(await ctx.env.files()).toEqual(['chunk_1', 'chunk_1_snap_2', 'chunk_2']);

    // Scenario 4 (unnumbered in the seed): second snapshot done, delete it.
    await store.deleteSnapshotChunkOrCorrectSn(1, 3);
    expect(await ctx.env.info(1)).toMatchObject({ sn: 3, correctedSn: 0, snapSn: 0 });
    await store.deleteSnapshotChunkOrCorrectSn(2, 3);
    expect(await ctx.env.info(2)).toMatchObject({ sn: 2, correctedSn: 3, snapSn: 0 });
    await store.writeChunk(2, 3, pages(0xb3), 0);
    const chunk2Info = await ctx.env.info(2);
    expect(chunk2Info).toMatchObject({ sn: 3, correctedSn: 3, snapSn: 0 });
    await store.writeChunk(2, 3, pages(0xb3), 0);
    expect(await ctx.env.info(2)).toEqual(chunk2Info);
    expect(await ctx.env.files()).toEqual(['chunk_1', 'chunk_2']);

    // Scenario 5: the user deletes the file.
    await store.deleteChunk(1, 3);
    await store.deleteChunk(2, 3);
    await expectCode(store.getChunkInfo(1), 'ChunkNotExistError');
    await expectCode(store.getChunkInfo(2), 'ChunkNotExistError');
    expect(await ctx.env.files()).toEqual([]);
  });
});
