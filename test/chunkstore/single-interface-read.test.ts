// Seed 002 single-interface cases 74–104: ReadChunk, ReadSnapshotChunk,
// GetChunkInfo. "Data need not be verified" for never-written normal pages;
// we still check the length (and the store hands back zeros).
import { describe, expect, it } from 'vitest';
import { bitmapWith, CHUNK, concat, expectCode, PAGE, PAGES, pages, useEnv } from './helpers';
import * as fixtures from './fixtures';
import { LOCATION } from './fixtures';

const ctx = useEnv();

/** Normal chunk at sn 1, pages 0-1 = 0x01. */
const normalChunk = () => fixtures.normalChunk(ctx.env.store);
/** Chunk at sn 2, snapshot 1: pages 0-1 = 0x01 at sn 1, page 0 rewritten (COWed) with 0x02 at sn 2. */
const chunkWithSnapshot = () => fixtures.chunkWithSnapshot(ctx.env.store);
/** Clone chunk at sn 1 with pages 0-1 written (0x0c). */
const cloneChunk = () => fixtures.writtenClone(ctx.env.store, pages(0x0c, 2));

type Reader = 'readChunk' | 'readSnapshotChunk';

/** The range checks shared by ReadChunk (75, 76) and ReadSnapshotChunk (87, 88). */
async function expectBadRanges(read: Reader): Promise<void> {
  const { store } = ctx.env;
  await expectCode(store[read](1, 1, CHUNK - PAGE, 2 * PAGE), 'InvalidArgError');
  await expectCode(store[read](1, 1, 100, PAGE), 'InvalidArgError');
  await expectCode(store[read](1, 1, 0, PAGE + 1), 'InvalidArgError');
  await expectCode(store[read](1, 1, 0, 0), 'InvalidArgError');
}

/** The argument cases ReadChunk (074–076) and ReadSnapshotChunk (086–088) share, under their numbers. */
function argumentCases(read: Reader, [missing, tooLong, unaligned]: [string, string, string]): void {
  it(`case ${missing}: chunk missing → ChunkNotExistError`, async () => {
    await expectCode(ctx.env.store[read](1, 1, 0, PAGE), 'ChunkNotExistError');
  });

  it(`case ${tooLong}: offset+length>chunksize → InvalidArgError`, async () => {
    await normalChunk();
    await expectCode(ctx.env.store[read](1, 1, CHUNK - PAGE, 2 * PAGE), 'InvalidArgError');
  });

  it(`case ${unaligned}: offset or length not page-aligned → InvalidArgError`, async () => {
    await normalChunk();
    await expectBadRanges(read);
  });
}

describe('ReadChunk', () => {
  argumentCases('readChunk', ['074', '075', '076']);

  it('case 077: sn>chunk.sn, offset+length==chunksize, never written → success', async () => {
    await normalChunk();
    const data = await ctx.env.store.readChunk(1, 5, 2 * PAGE, CHUNK - 2 * PAGE);
    expect(data.length).toBe(CHUNK - 2 * PAGE);
  });

  it('case 078: sn<chunk.sn, written region → last written data', async () => {
    await ctx.env.store.writeChunk(1, 2, pages(0x78, 2), PAGE);
    expect(await ctx.env.store.readChunk(1, 1, PAGE, 2 * PAGE)).toEqual(pages(0x78, 2));
  });

  it('case 079: sn==chunk.sn, partly written → written part equals last write', async () => {
    await normalChunk();
    const data = await ctx.env.store.readChunk(1, 1, PAGE, 3 * PAGE);
    expect(data.length).toBe(3 * PAGE);
    expect(data.subarray(0, PAGE)).toEqual(pages(0x01));
  });

  it('case 080: chunk with snapshot, never written region → success', async () => {
    await chunkWithSnapshot();
    expect((await ctx.env.store.readChunk(1, 2, 4 * PAGE, 2 * PAGE)).length).toBe(2 * PAGE);
  });

  it('case 081: chunk with snapshot, written region → last written data', async () => {
    await chunkWithSnapshot();
    expect(await ctx.env.store.readChunk(1, 2, 0, 2 * PAGE)).toEqual(concat(pages(0x02), pages(0x01)));
  });

  it('case 082: chunk with snapshot, partly written → written part equals last write', async () => {
    await chunkWithSnapshot();
    const data = await ctx.env.store.readChunk(1, 2, 0, 4 * PAGE);
    expect(data.subarray(0, 2 * PAGE)).toEqual(concat(pages(0x02), pages(0x01)));
  });

  it('case 083: clone chunk, never written region → PageNeverWrittenError', async () => {
    await cloneChunk();
    await expectCode(ctx.env.store.readChunk(1, 1, 2 * PAGE, PAGE), 'PageNeverWrittenError');
  });

  it('case 084: clone chunk, written region → last written data', async () => {
    await cloneChunk();
    expect(await ctx.env.store.readChunk(1, 1, 0, 2 * PAGE)).toEqual(pages(0x0c, 2));
  });

  it('case 085: clone chunk, partly written → PageNeverWrittenError', async () => {
    await cloneChunk();
    await expectCode(ctx.env.store.readChunk(1, 1, PAGE, 2 * PAGE), 'PageNeverWrittenError');
  });
});

describe('ReadSnapshotChunk', () => {
  argumentCases('readSnapshotChunk', ['086', '087', '088']);

  it('case 089: no snapshot, sn!=chunk.sn → ChunkNotExistError', async () => {
    await normalChunk();
    await expectCode(ctx.env.store.readSnapshotChunk(1, 2, 0, PAGE), 'ChunkNotExistError');
  });

  it('case 090: no snapshot, sn==chunk.sn, never written → success', async () => {
    await normalChunk();
    expect((await ctx.env.store.readSnapshotChunk(1, 1, 4 * PAGE, PAGE)).length).toBe(PAGE);
  });

  it('case 091: no snapshot, sn==chunk.sn, written → last written data', async () => {
    await normalChunk();
    expect(await ctx.env.store.readSnapshotChunk(1, 1, 0, 2 * PAGE)).toEqual(pages(0x01, 2));
  });

  it('case 092: no snapshot, sn==chunk.sn, partly written → written part equals last write', async () => {
    await normalChunk();
    const data = await ctx.env.store.readSnapshotChunk(1, 1, PAGE, 2 * PAGE);
    expect(data.subarray(0, PAGE)).toEqual(pages(0x01));
  });

  it('case 093: snapshot exists, sn neither chunk.sn nor snap.sn → ChunkNotExistError', async () => {
    await chunkWithSnapshot();
    await expectCode(ctx.env.store.readSnapshotChunk(1, 3, 0, PAGE), 'ChunkNotExistError');
  });

  it('case 094: snapshot exists, sn==chunk.sn, partly written → current chunk data', async () => {
    await chunkWithSnapshot();
    const data = await ctx.env.store.readSnapshotChunk(1, 2, 0, 3 * PAGE);
    expect(data.subarray(0, 2 * PAGE)).toEqual(concat(pages(0x02), pages(0x01)));
  });

  it('case 095: sn==snap.sn, region not COWed → the chunk file data', async () => {
    await chunkWithSnapshot();
    expect(await ctx.env.store.readSnapshotChunk(1, 1, PAGE, PAGE)).toEqual(pages(0x01));
    expect(await ctx.env.diskData('chunk_1', PAGE, PAGE)).toEqual(pages(0x01));
  });

  it('case 096: sn==snap.sn, region COWed → the data COWed into the snapshot file', async () => {
    await chunkWithSnapshot();
    expect(await ctx.env.store.readSnapshotChunk(1, 1, 0, PAGE)).toEqual(pages(0x01));
    expect(await ctx.env.diskData('chunk_1_snap_1', 0, PAGE)).toEqual(pages(0x01));
  });

  it('case 097: sn==snap.sn, region partly COWed → COWed part from snapshot, rest from chunk', async () => {
    const { store } = ctx.env;
    await store.writeChunk(1, 1, concat(pages(0x10), pages(0x11), pages(0x12)), 0);
    await store.writeChunk(1, 2, pages(0x20), PAGE); // COW page 1
    await store.writeChunk(1, 2, pages(0x2f), 2 * PAGE); // COW page 2
    expect(await store.readSnapshotChunk(1, 1, 0, 3 * PAGE)).toEqual(concat(pages(0x10), pages(0x11), pages(0x12)));
    expect(await store.readChunk(1, 2, 0, 3 * PAGE)).toEqual(concat(pages(0x10), pages(0x20), pages(0x2f)));
  });

  it('case 098: clone chunk, sn==chunk.sn, never written → PageNeverWrittenError', async () => {
    await cloneChunk();
    await expectCode(ctx.env.store.readSnapshotChunk(1, 1, 4 * PAGE, PAGE), 'PageNeverWrittenError');
  });

  it('case 099: clone chunk, sn==chunk.sn, written → last written data', async () => {
    await cloneChunk();
    expect(await ctx.env.store.readSnapshotChunk(1, 1, 0, 2 * PAGE)).toEqual(pages(0x0c, 2));
  });

  it('case 100: clone chunk, sn==chunk.sn, partly written → PageNeverWrittenError', async () => {
    await cloneChunk();
    await expectCode(ctx.env.store.readSnapshotChunk(1, 1, 0, 3 * PAGE), 'PageNeverWrittenError');
  });
});

describe('GetChunkInfo', () => {
  const geometry = { chunkSize: CHUNK, pageSize: PAGE, metaPageSize: PAGE };

  it('case 101: chunk missing → ChunkNotExistError', async () => {
    await expectCode(ctx.env.store.getChunkInfo(1), 'ChunkNotExistError');
  });

  it(
    'case 102: normal chunk without snapshot ' + '→ sn/correctedSn, snapSn 0, not clone, no bitmap/location',
    async () => {
      await normalChunk();
      await ctx.env.store.deleteSnapshotChunkOrCorrectSn(1, 4);
      const expected = {
        chunkId: 1,
        sn: 1,
        correctedSn: 4,
        snapSn: 0,
        isClone: false,
        location: '',
        bitmap: null,
        ...geometry,
      };
      expect(await ctx.env.info(1)).toEqual(expected);
      await ctx.env.reopen();
      expect(await ctx.env.info(1)).toEqual(expected);
    },
  );

  it('case 103: normal chunk with snapshot a → snapSn a', async () => {
    await chunkWithSnapshot();
    const expected = {
      chunkId: 1,
      sn: 2,
      correctedSn: 0,
      snapSn: 1,
      isClone: false,
      location: '',
      bitmap: null,
      ...geometry,
    };
    expect(await ctx.env.info(1)).toEqual(expected);
    await ctx.env.reopen();
    expect(await ctx.env.info(1)).toEqual(expected);
  });

  it('case 104: clone chunk → isClone, location of CreateCloneChunk, bits of written pages', async () => {
    await ctx.env.store.createCloneChunk(1, 2, 3, CHUNK, LOCATION);
    await ctx.env.store.writeChunk(1, 3, pages(0x0c), 0);
    await ctx.env.store.pasteChunk(1, pages(0x0d, 2), (PAGES - 2) * PAGE);
    const expected = {
      chunkId: 1,
      sn: 3,
      correctedSn: 3,
      snapSn: 0,
      isClone: true,
      location: LOCATION,
      bitmap: bitmapWith(0, PAGES - 2, PAGES - 1),
      ...geometry,
    };
    expect(await ctx.env.info(1)).toEqual(expected);
    await ctx.env.reopen();
    expect(await ctx.env.info(1)).toEqual(expected);
  });
});
