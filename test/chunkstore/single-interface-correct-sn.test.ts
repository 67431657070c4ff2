// Seed 002 single-interface cases 59–73: DeleteSnapshotChunkOrCorrectSn.
// Stale calls are BackwardRequestError as the single-interface table says
// (FORMAT.md "Semantics decisions" 2).
import { describe, expect, it } from 'vitest';
import { expectCode, PAGE, pages, useEnv } from './helpers';
import { chunkSn3Corrected2, chunkWithSnapshot, cloneChunk } from './fixtures';

const ctx = useEnv();

/** Chunk 1 at sn 1 with correctedSn `corrected` (0 = never corrected), no snapshot. */
async function chunkSn1(corrected = 0): Promise<void> {
  await ctx.env.store.writeChunk(1, 1, pages(0x01), 0);
  if (corrected) await ctx.env.store.deleteSnapshotChunkOrCorrectSn(1, corrected);
  expect(await ctx.env.info(1)).toMatchObject({ sn: 1, correctedSn: corrected, snapSn: 0 });
}

/** Chunk 1 at sn 2 with snapshot 1 (page 0 COWed), correctedSn 0. */
async function chunkSn2WithSnapshot1(): Promise<void> {
  await chunkWithSnapshot(ctx.env.store, pages(0x01));
  expect(await ctx.env.info(1)).toMatchObject({ sn: 2, correctedSn: 0, snapSn: 1 });
}

/** Chunk 1 at sn 2 == correctedSn 2 with a planted snapshot `snapSn`. */
async function chunkSn2Corrected2WithSnapshot(snapSn: number): Promise<void> {
  await chunkSn1(2);
  await ctx.env.store.writeChunk(1, 2, pages(0x02), 0);
  await ctx.env.plantSnapshot(1, snapSn, [{ page: 0, data: pages(0x5a) }]);
  await ctx.env.reopen();
  expect(await ctx.env.info(1)).toMatchObject({ sn: 2, correctedSn: 2, snapSn });
}

/** Calls with `correctedSn`, then compares with the state before, patched by `change`. */
async function expectCorrect(
  correctedSn: number,
  change: { correctedSn?: number; snapshotDeleted?: boolean },
): Promise<void> {
  const before = await ctx.env.state(1);
  await ctx.env.store.deleteSnapshotChunkOrCorrectSn(1, correctedSn);
  const info = {
    ...before.info,
    correctedSn: change.correctedSn ?? before.info.correctedSn,
    snapSn: change.snapshotDeleted ? 0 : before.info.snapSn,
  };
  const files = change.snapshotDeleted ? ['chunk_1'] : before.files;
  expect(await ctx.env.state(1)).toEqual({ info, files });
  await ctx.env.reopen(); // the change is on disk
  expect(await ctx.env.state(1)).toEqual({ info, files });
}

async function expectStale(correctedSn: number): Promise<void> {
  const before = await ctx.env.state(1);
  await expectCode(ctx.env.store.deleteSnapshotChunkOrCorrectSn(1, correctedSn), 'BackwardRequestError');
  expect(await ctx.env.state(1)).toEqual(before);
}

describe('DeleteSnapshotChunkOrCorrectSn without snapshot', () => {
  it('case 059: chunk missing → success, nothing created', async () => {
    await ctx.env.store.deleteSnapshotChunkOrCorrectSn(1, 7);
    expect(await ctx.env.files()).toEqual([]);
  });

  it('case 060: correctedSn>chunk.sn, correctedSn>chunk.correctedSn → correctedSn recorded', async () => {
    await chunkSn1();
    await expectCorrect(2, { correctedSn: 2 });
  });

  it('case 061: correctedSn>chunk.sn, correctedSn==chunk.correctedSn → success, unchanged', async () => {
    await chunkSn1(2);
    await expectCorrect(2, {});
  });

  it('case 062: correctedSn>chunk.sn, correctedSn<chunk.correctedSn → BackwardRequestError, unchanged', async () => {
    await chunkSn1(3);
    await expectStale(2);
  });

  it.each([
    ['063', 'correctedSn==chunk.correctedSn', 2],
    ['064', 'correctedSn<chunk.correctedSn', 1],
  ])('case %s: correctedSn<chunk.sn, %s → BackwardRequestError, unchanged', async (_n, _what, correctedSn) => {
    await chunkSn3Corrected2(ctx.env.store);
    await expectStale(correctedSn);
  });
});

describe('DeleteSnapshotChunkOrCorrectSn with snapshot', () => {
  it(
    'case 065: correctedSn>chunk.sn, correctedSn>chunk.correctedSn, chunk.sn>snap.sn ' +
      '→ snapshot deleted, correctedSn recorded',
    async () => {
      await chunkSn2WithSnapshot1();
      await expectCorrect(3, { correctedSn: 3, snapshotDeleted: true });
    },
  );

  it(
    'case 066: correctedSn>chunk.sn, correctedSn>chunk.correctedSn, chunk.sn<=snap.sn ' +
      '→ snapshot kept, correctedSn recorded',
    async () => {
      await chunkSn1();
      await ctx.env.plantSnapshot(1, 1);
      await ctx.env.reopen();
      await expectCorrect(2, { correctedSn: 2 });
    },
  );

  it(
    'case 067: correctedSn==chunk.sn, correctedSn>chunk.correctedSn, chunk.sn>snap.sn ' +
      '→ snapshot deleted, rest unchanged',
    async () => {
      await chunkSn2WithSnapshot1();
      await expectCorrect(2, { snapshotDeleted: true });
    },
  );

  it(
    'case 068: correctedSn==chunk.sn, correctedSn>chunk.correctedSn, ' +
      'chunk.sn<=snap.sn ' +
      '→ snapshot kept, unchanged',
    async () => {
      await chunkSn1();
      await ctx.env.plantSnapshot(1, 2);
      await ctx.env.reopen();
      await expectCorrect(1, {});
      expect(await ctx.env.store.readSnapshotChunk(1, 2, 0, PAGE)).toEqual(pages(0x01));
    },
  );

  it(
    'case 069: correctedSn<chunk.sn, correctedSn>chunk.correctedSn ' + '→ BackwardRequestError, snapshot kept',
    async () => {
      await chunkSn2WithSnapshot1();
      await expectStale(1);
      expect(await ctx.env.store.readSnapshotChunk(1, 1, 0, PAGE)).toEqual(pages(0x01));
    },
  );

  it(
    'case 070: correctedSn==chunk.sn==chunk.correctedSn, chunk.sn>snap.sn ' + '→ snapshot deleted, rest unchanged',
    async () => {
      await chunkSn2Corrected2WithSnapshot(1);
      await expectCorrect(2, { snapshotDeleted: true });
    },
  );

  it.each([2, 3])(
    'case 071: correctedSn==chunk.sn==chunk.correctedSn, chunk.sn<=snap.sn (snap.sn=%i) → snapshot kept, unchanged',
    async (snapSn) => {
      await chunkSn2Corrected2WithSnapshot(snapSn);
      await expectCorrect(2, {});
      expect(await ctx.env.store.readSnapshotChunk(1, snapSn, 0, PAGE)).toEqual(pages(0x5a));
    },
  );

  it(
    'case 072: correctedSn==chunk.sn, correctedSn<chunk.correctedSn ' + '→ BackwardRequestError, snapshot kept',
    async () => {
      await chunkSn1(3);
      await ctx.env.plantSnapshot(1, 1, [{ page: 0, data: pages(0x5a) }]);
      await ctx.env.reopen();
      expect(await ctx.env.info(1)).toMatchObject({ sn: 1, correctedSn: 3, snapSn: 1 });
      await expectStale(1);
    },
  );

  it('case 073: clone chunk without snapshot, any correctedSn → StatusConflictError, unchanged', async () => {
    await cloneChunk(ctx.env.store, 2, 0);
    const before = await ctx.env.state(1);
    for (const correctedSn of [1, 2, 3]) {
      await expectCode(ctx.env.store.deleteSnapshotChunkOrCorrectSn(1, correctedSn), 'StatusConflictError');
    }
    expect(await ctx.env.state(1)).toEqual(before);
  });
});
