// Seed 002 single-interface cases 17–23: WriteChunk on a normal chunk that
// has a snapshot. Snapshots that only a crash or a raft follower's download
// can leave (snap.sn >= chunk.sn) are planted from outside (FORMAT.md layout)
// and loaded by a restart.
import { describe, expect, it } from 'vitest';
import { concat, expectCode, PAGE, PAGES, pages, useEnv } from './helpers';
import { chunkWithSnapshot } from './fixtures';

const ctx = useEnv();

/** Pages whose COW bit is set in the snapshot file on disk. */
async function copiedPages(snapName: string): Promise<number[]> {
  const bitmap = (await ctx.env.diskMeta(snapName)).bitmap;
  expect(bitmap).not.toBeNull();
  return Array.from({ length: PAGES }, (_, i) => i).filter((i) => bitmap?.get(i));
}

/** sn=1 chunk (pages 0-1 = 0x11), then sn=2 write of page 0: snapshot 1 with page 0 copied. */
async function firstSnapshotWithPage0Copied(): Promise<void> {
  await chunkWithSnapshot(ctx.env.store, pages(0x11, 2), pages(0x21));
  expect(await ctx.env.info(1)).toMatchObject({ sn: 2, snapSn: 1 });
}

/** Writes page 1 as sn 2 and checks it was copied-on-write first. */
async function expectPage1Cowed(): Promise<void> {
  const { store } = ctx.env;
  const before = await ctx.env.state(1);
  await store.writeChunk(1, 2, pages(0x17), PAGE);
  expect(await store.readSnapshotChunk(1, 1, 0, 2 * PAGE)).toEqual(pages(0x11, 2));
  expect(await store.readChunk(1, 2, 0, 2 * PAGE)).toEqual(concat(pages(0x21), pages(0x17)));
  expect(await copiedPages('chunk_1_snap_1')).toEqual([0, 1]);
  expect(await ctx.env.state(1)).toEqual(before);
}

/** Writes page 1 as sn 1 on a chunk whose planted snapshot `snapSn` is not older: no COW. */
async function expectNoCowAtSn1(snapSn: number): Promise<void> {
  const { store } = ctx.env;
  const snapName = `chunk_1_snap_${snapSn}`;
  const before = await ctx.env.state(1);
  expect(before.info).toMatchObject({ sn: 1, snapSn });
  await store.writeChunk(1, 1, pages(0x17), PAGE);
  expect(await store.readChunk(1, 1, 0, 2 * PAGE)).toEqual(concat(pages(0x11), pages(0x17)));
  // No COW: bit clear and the snapshot's data area untouched, so the
  // snapshot's view of the page is the chunk's (new) page.
  expect(await copiedPages(snapName)).toEqual([]);
  expect(await ctx.env.diskData(snapName, PAGE, PAGE)).toEqual(pages(0));
  expect(await store.readSnapshotChunk(1, snapSn, PAGE, PAGE)).toEqual(pages(0x17));
  expect(await ctx.env.state(1)).toEqual(before);
}

describe('case 017: WriteChunk, snapshot exists, sn==chunk.sn, sn>correctedSn, region not COWed', () => {
  it('case 017 (scenario 1): snapshot just taken (snap.sn<chunk.sn) → COW then write', async () => {
    await firstSnapshotWithPage0Copied();
    await expectPage1Cowed();
  });

  it(
    'case 017 (scenario 2): historic snapshot of the latest snapshot kept over a restart ' + '→ COW then write',
    async () => {
      await firstSnapshotWithPage0Copied();
      await ctx.env.reopen();
      await expectPage1Cowed();
    },
  );

  it(
    'case 017 (scenario 3): snapshot created, crash before metapage update (snap.sn==chunk.sn) ' + '→ write, no COW',
    async () => {
      await ctx.env.store.writeChunk(1, 1, pages(0x11, 2), 0);
      await ctx.env.plantSnapshot(1, 1);
      await ctx.env.reopen();
      await expectNoCowAtSn1(1);
    },
  );

  it('case 017 (scenario 4): follower downloaded a newer snapshot (snap.sn>chunk.sn) → write, no COW', async () => {
    await ctx.env.store.writeChunk(1, 1, pages(0x11, 2), 0);
    await ctx.env.plantSnapshot(1, 2);
    await ctx.env.reopen();
    await expectNoCowAtSn1(2);
  });
});

describe('WriteChunk, snapshot exists, sn==chunk.sn, sn>correctedSn', () => {
  it('case 018: region already COWed → write, no second COW, snapshot keeps first COW data', async () => {
    const { store } = ctx.env;
    await firstSnapshotWithPage0Copied();
    const before = await ctx.env.state(1);
    await store.writeChunk(1, 2, pages(0x18), 0);
    expect(await store.readSnapshotChunk(1, 1, 0, PAGE)).toEqual(pages(0x11));
    expect(await store.readChunk(1, 2, 0, PAGE)).toEqual(pages(0x18));
    expect(await copiedPages('chunk_1_snap_1')).toEqual([0]);
    expect(await ctx.env.state(1)).toEqual(before);
  });

  it('case 019: region partly COWed → only uncopied pages COWed, snapshot = first COW + pre-write data', async () => {
    const { store } = ctx.env;
    await store.writeChunk(1, 1, concat(pages(0x10), pages(0x11)), 0);
    await store.writeChunk(1, 2, pages(0x20), 0); // page 0 COWed (0x10), chunk page 0 = 0x20
    const before = await ctx.env.state(1);
    await store.writeChunk(1, 2, pages(0x19, 2), 0);
    expect(await store.readSnapshotChunk(1, 1, 0, 2 * PAGE)).toEqual(concat(pages(0x10), pages(0x11)));
    expect(await store.readChunk(1, 2, 0, 2 * PAGE)).toEqual(pages(0x19, 2));
    expect(await copiedPages('chunk_1_snap_1')).toEqual([0, 1]);
    expect(await ctx.env.state(1)).toEqual(before);
  });
});

describe('case 020: WriteChunk, snapshot exists, sn>chunk.sn, sn>correctedSn', () => {
  it(
    'case 020 (scenario 1): historic snapshot not deleted (snap.sn<chunk.sn) ' +
      '→ SnapshotConflictError, nothing written',
    async () => {
      const { store } = ctx.env;
      await firstSnapshotWithPage0Copied();
      const before = await ctx.env.state(1);
      await expectCode(store.writeChunk(1, 3, pages(0x30), 0), 'SnapshotConflictError');
      expect(await store.readChunk(1, 2, 0, PAGE)).toEqual(pages(0x21));
      expect(await ctx.env.state(1)).toEqual(before);
    },
  );

  it(
    'case 020 (scenario 2): snapshot created, crash before metapage update (snap.sn==chunk.sn) ' +
      '→ replay COWs and bumps sn',
    async () => {
      const { store } = ctx.env;
      await store.writeChunk(1, 1, pages(0x11, 2), 0);
      await ctx.env.plantSnapshot(1, 1);
      await ctx.env.reopen();
      await ctx.env.store.writeChunk(1, 2, pages(0x20), 0);
      expect(await ctx.env.files()).toEqual(['chunk_1', 'chunk_1_snap_1']);
      expect(await ctx.env.info(1)).toMatchObject({ sn: 2, correctedSn: 0, snapSn: 1 });
      expect(await ctx.env.store.readSnapshotChunk(1, 1, 0, 2 * PAGE)).toEqual(pages(0x11, 2));
      expect(await ctx.env.store.readChunk(1, 2, 0, 2 * PAGE)).toEqual(concat(pages(0x20), pages(0x11)));
      expect(await copiedPages('chunk_1_snap_1')).toEqual([0]);
    },
  );

  it(
    'case 020 (scenario 3): follower downloaded a newer snapshot (snap.sn>chunk.sn) ' +
      '→ write, no new snapshot, no COW',
    async () => {
      const { store } = ctx.env;
      await store.writeChunk(1, 1, pages(0x11, 2), 0);
      await ctx.env.plantSnapshot(1, 2, [{ page: 1, data: pages(0x5a) }]);
      await ctx.env.reopen();
      await ctx.env.store.writeChunk(1, 2, pages(0x20), 0);
      expect(await ctx.env.files()).toEqual(['chunk_1', 'chunk_1_snap_2']);
      expect(await ctx.env.info(1)).toMatchObject({ sn: 2, correctedSn: 0, snapSn: 2 });
      expect(await copiedPages('chunk_1_snap_2')).toEqual([1]);
      expect(await ctx.env.diskData('chunk_1_snap_2', 0, PAGE)).toEqual(pages(0));
      expect(await ctx.env.store.readChunk(1, 2, 0, PAGE)).toEqual(pages(0x20));
    },
  );
});

describe('case 021: WriteChunk, snapshot exists, sn==chunk.sn, sn==correctedSn → write, no COW', () => {
  it.each([
    ['scenario 1: historic snapshot, snap.sn<chunk.sn', 1],
    ['scenario 2: crash after snapshot creation, snap.sn==chunk.sn', 2],
    ['scenario 3: follower download, snap.sn>chunk.sn', 3],
  ])('case 021 (%s)', async (_name, snapSn) => {
    const { store } = ctx.env;
    await store.writeChunk(1, 1, pages(0x11, 2), 0);
    await store.deleteSnapshotChunkOrCorrectSn(1, 2);
    await store.writeChunk(1, 2, pages(0x22, 2), 0); // sn 2 == correctedSn 2
    await ctx.env.plantSnapshot(1, snapSn, [{ page: 0, data: pages(0x5a) }]);
    await ctx.env.reopen();
    const before = await ctx.env.state(1);
    expect(before.info).toMatchObject({ sn: 2, correctedSn: 2, snapSn });
    await ctx.env.store.writeChunk(1, 2, pages(0x2f, 2), 0);
    expect(await ctx.env.store.readChunk(1, 2, 0, 2 * PAGE)).toEqual(pages(0x2f, 2));
    expect(await ctx.env.store.readSnapshotChunk(1, snapSn, 0, PAGE)).toEqual(pages(0x5a));
    expect(await copiedPages(`chunk_1_snap_${snapSn}`)).toEqual([0]);
    expect(await ctx.env.diskData(`chunk_1_snap_${snapSn}`, PAGE, PAGE)).toEqual(pages(0));
    expect(await ctx.env.state(1)).toEqual(before);
  });
});

describe('WriteChunk, snapshot exists, other sn relations', () => {
  it('case 022: sn>chunk.sn, sn==correctedSn → write, no COW, chunk.sn=sn, rest unchanged', async () => {
    const { store } = ctx.env;
    await store.writeChunk(1, 1, pages(0x11, 2), 0);
    await store.deleteSnapshotChunkOrCorrectSn(1, 3);
    await ctx.env.plantSnapshot(1, 1, [{ page: 0, data: pages(0x5a) }]);
    await ctx.env.reopen();
    const before = await ctx.env.state(1);
    await ctx.env.store.writeChunk(1, 3, pages(0x33, 2), 0);
    expect(await ctx.env.store.readChunk(1, 3, 0, 2 * PAGE)).toEqual(pages(0x33, 2));
    expect(await ctx.env.store.readSnapshotChunk(1, 1, 0, PAGE)).toEqual(pages(0x5a));
    expect(await copiedPages('chunk_1_snap_1')).toEqual([0]);
    expect(await ctx.env.state(1)).toEqual({ ...before, info: { ...before.info, sn: 3 } });
  });

  it('case 023: sn<chunk.sn → BackwardRequestError, nothing written', async () => {
    const { store } = ctx.env;
    await firstSnapshotWithPage0Copied();
    const before = await ctx.env.state(1);
    await expectCode(store.writeChunk(1, 1, pages(0x23), PAGE), 'BackwardRequestError');
    expect(await store.readChunk(1, 2, PAGE, PAGE)).toEqual(pages(0x11));
    expect(await copiedPages('chunk_1_snap_1')).toEqual([0]);
    expect(await ctx.env.state(1)).toEqual(before);
  });
});
