import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Layout } from './faults-layout';
import * as fixtures from './fixtures';
import { GEOMETRY, outcome, PAGE, pageDigests, StoreDir } from './replay-env';

/**
 * The seed's 11 fault-injection cases ("异常测试"): files are changed from
 * outside the store (layout in faults-layout.ts, after chunkstore/FORMAT.md)
 * to leave what a crash at each point of a request leaves, then the store is
 * started again and the request replayed. "Stop" is a clean close standing in
 * for the crash: the store keeps no write-back state, so the files are what a
 * crash at that point would leave.
 */

const ID = 1; // the chunk the shared fixtures build
const [A, B, C, D, E] = [0x11, 0x22, 0x33, 0x44, 0x55];
const LOCATION = 'curve://fault-src/chunk1@0';

let env: StoreDir;
let disk: Layout;

beforeEach(async () => {
  env = await StoreDir.create();
  disk = new Layout(env.dir, GEOMETRY);
});
afterEach(() => env.dispose());

/** Pages (by fill byte) in order, e.g. pagesOf(A, B, A). */
function pagesOf(...fills: number[]): Uint8Array {
  const out = new Uint8Array(fills.length * PAGE);
  fills.forEach((f, i) => out.fill(f, i * PAGE, (i + 1) * PAGE));
  return out;
}

interface Expected {
  sn: number;
  correctedSn: number;
  snapSn: number;
  /** chunk data from offset 0 */
  data: Uint8Array;
  /** snapshot data from offset 0 (read with sn = snapSn) */
  snapshot?: Uint8Array;
  /** clone bitmap: the pages set */
  written?: number[];
}

/** Asserts the chunk as the API shows it, then again after one more restart. */
async function expectChunk(exp: Expected): Promise<void> {
  for (const when of ['now', 'after another restart']) {
    const info = await env.store.getChunkInfo(ID);
    expect({ sn: info.sn, correctedSn: info.correctedSn, snapSn: info.snapSn }, when).toEqual({
      sn: exp.sn,
      correctedSn: exp.correctedSn,
      snapSn: exp.snapSn,
    });
    const data = await env.store.readChunk(ID, exp.sn, 0, exp.data.length);
    expect(pageDigests(data), `chunk data ${when}`).toEqual(pageDigests(exp.data));
    if (exp.snapshot) {
      const snap = await env.store.readSnapshotChunk(ID, exp.snapSn, 0, exp.snapshot.length);
      expect(pageDigests(snap), `snapshot data ${when}`).toEqual(pageDigests(exp.snapshot));
    }
    if (exp.written) {
      const bits = Array.from({ length: GEOMETRY.chunkSize / PAGE }, (_, i) => i).filter(
        (i) => info.bitmap !== null && (info.bitmap[i >> 3] & (1 << (i & 7))) !== 0,
      );
      expect(bits, `clone bitmap ${when}`).toEqual(exp.written);
    }
    await env.reopen();
  }
}

/** Chunk version 1 with pages A A A, then version 2 writing B at page 0: snapshot 1 exists, page 0 copied. */
const chunkWithSnapshot = () => fixtures.chunkWithSnapshot(env.store, pagesOf(A, A, A), pagesOf(B));

describe('fault injection (seed 异常测试)', () => {
  it('1: chunk metapage damaged at rest → the restart fails with CrcCheckError', async () => {
    await env.store.writeChunk(ID, 1, pagesOf(A, A), 0);
    await env.stop();
    for (const offset of disk.metaOffsets()) {
      await disk.flipByte(disk.chunkFile(ID), offset);
      expect(await outcome(env.start()), `byte ${offset} flipped`).toBe('CrcCheckError');
      await disk.flipByte(disk.chunkFile(ID), offset); // undo, the next offset is tested alone
    }
    await env.start();
    await expectChunk({ sn: 1, correctedSn: 0, snapSn: 0, data: pagesOf(A, A) });
  });

  it(
    '2: chunk metapage damaged while running → a WriteChunk that updates it succeeds, ' + 'the restart works',
    async () => {
      await env.store.writeChunk(ID, 1, pagesOf(A, A), 0);
      await disk.flipByte(disk.chunkFile(ID), disk.metaOffsets()[0]);
      // sn 2 > chunk sn: the chunk metapage is rewritten (with a snapshot of version 1)
      expect(await outcome(env.store.writeChunk(ID, 2, pagesOf(B), 0))).toBe('ok');
      await env.reopen();
      await expectChunk({ sn: 2, correctedSn: 0, snapSn: 1, data: pagesOf(B, A), snapshot: pagesOf(A, A) });
    },
  );

  it('3: snapshot metapage damaged at rest → the restart fails with CrcCheckError', async () => {
    await chunkWithSnapshot();
    await env.stop();
    await disk.flipByte(disk.snapshotFile(ID, 1), disk.metaOffsets()[1]);
    expect(await outcome(env.start())).toBe('CrcCheckError');
  });

  it('4: snapshot metapage damaged while running → a COW WriteChunk rewrites it, the restart works', async () => {
    await chunkWithSnapshot();
    await disk.flipByte(disk.snapshotFile(ID, 1), disk.metaOffsets()[0]);
    // page 1 not copied yet: COW updates the snapshot metapage
    expect(await outcome(env.store.writeChunk(ID, 2, pagesOf(C), PAGE))).toBe('ok');
    await env.reopen();
    await expectChunk({ sn: 2, correctedSn: 0, snapSn: 1, data: pagesOf(B, C, A), snapshot: pagesOf(A, A, A) });
  });

  it('5: crash with half of a WriteChunk written → the replayed WriteChunk succeeds', async () => {
    await env.store.writeChunk(ID, 1, pagesOf(A, A, A, A), 0);
    await env.stop();
    await disk.writeData(disk.chunkFile(ID), 0, pagesOf(B, B)); // first half of the request below
    await env.start();
    expect(await outcome(env.store.writeChunk(ID, 1, pagesOf(B, B, B, B), 0))).toBe('ok');
    await expectChunk({ sn: 1, correctedSn: 0, snapSn: 0, data: pagesOf(B, B, B, B) });
  });

  it('6: crash after the metapage got the new sn, before the data → the replayed WriteChunk succeeds', async () => {
    await env.store.writeChunk(ID, 1, pagesOf(A, A), 0);
    await env.store.deleteSnapshotChunkOrCorrectSn(ID, 2); // correctedSn 2
    await env.stop();
    await disk.editMeta(disk.chunkFile(ID), { sn: 2 }); // request sn 2 > chunk sn 1, == correctedSn
    await env.start();
    expect(await outcome(env.store.writeChunk(ID, 2, pagesOf(B), PAGE))).toBe('ok');
    await expectChunk({ sn: 2, correctedSn: 2, snapSn: 0, data: pagesOf(A, B) });
    expect(await disk.files()).toEqual(['chunk_1']);
  });

  it(
    '7: crash after the snapshot file was created, before the metapage update → ' + 'replay COWs, sn updated',
    async () => {
      await env.store.writeChunk(ID, 1, pagesOf(A, A, A), 0);
      await env.stop();
      await disk.createSnapshot(ID, 1);
      await env.start();
      expect(await outcome(env.store.writeChunk(ID, 2, pagesOf(B), PAGE))).toBe('ok');
      await expectChunk({ sn: 2, correctedSn: 0, snapSn: 1, data: pagesOf(A, B, A), snapshot: pagesOf(A, A, A) });
      expect((await disk.bitmap(disk.snapshotFile(ID, 1)))?.slice(0, 3), 'page 1 copied into the snapshot').toEqual([
        false,
        true,
        false,
      ]);
    },
  );

  it('8: crash after snapshot creation and metapage update, before COW → replay COWs', async () => {
    await env.store.writeChunk(ID, 1, pagesOf(A, A, A), 0);
    await env.stop();
    await disk.createSnapshot(ID, 1);
    await disk.editMeta(disk.chunkFile(ID), { sn: 2 });
    await env.start();
    expect(await outcome(env.store.writeChunk(ID, 2, pagesOf(B), PAGE))).toBe('ok');
    await expectChunk({ sn: 2, correctedSn: 0, snapSn: 1, data: pagesOf(A, B, A), snapshot: pagesOf(A, A, A) });
    expect((await disk.bitmap(disk.snapshotFile(ID, 1)))?.slice(0, 3), 'page 1 copied into the snapshot').toEqual([
      false,
      true,
      false,
    ]);
  });

  it('9: crash while COW copied data, before the snapshot metapage → replay copies again', async () => {
    await chunkWithSnapshot();
    await env.stop();
    // a torn copy of page 1 in the snapshot's data area, its COW bit still clear
    await disk.writeData(disk.snapshotFile(ID, 1), PAGE, pagesOf(A).fill(E, PAGE / 2));
    await env.start();
    expect(await outcome(env.store.writeChunk(ID, 2, pagesOf(C), PAGE))).toBe('ok');
    await expectChunk({ sn: 2, correctedSn: 0, snapSn: 1, data: pagesOf(B, C, A), snapshot: pagesOf(A, A, A) });
  });

  it('10: crash after COW, while writing the chunk data → replay does not COW again', async () => {
    await chunkWithSnapshot();
    await env.stop();
    // COW of pages 1-2 complete (data + metapage bits), then page 1 of the new data written
    await disk.writeData(disk.snapshotFile(ID, 1), PAGE, pagesOf(A, A));
    await disk.editMeta(disk.snapshotFile(ID, 1), { setBits: [1, 2] });
    await disk.writeData(disk.chunkFile(ID), PAGE, pagesOf(C));
    await env.start();
    expect(await outcome(env.store.writeChunk(ID, 2, pagesOf(C, C), PAGE))).toBe('ok');
    // a second COW would have copied the half-written C into the snapshot
    await expectChunk({ sn: 2, correctedSn: 0, snapSn: 1, data: pagesOf(B, C, C), snapshot: pagesOf(A, A, A) });
  });

  it(
    '11: crash with half of a PasteChunk written, bitmap not updated → ' + 'the replayed PasteChunk succeeds',
    async () => {
      await env.store.createCloneChunk(ID, 1, 0, GEOMETRY.chunkSize, LOCATION);
      await env.store.pasteChunk(ID, pagesOf(D), 0);
      await env.stop();
      await disk.writeData(disk.chunkFile(ID), PAGE, pagesOf(E)); // first half of the paste below
      await env.start();
      expect(await outcome(env.store.pasteChunk(ID, pagesOf(E, E), PAGE))).toBe('ok');
      await expectChunk({ sn: 1, correctedSn: 0, snapSn: 0, data: pagesOf(D, E, E), written: [0, 1, 2] });
      expect((await env.store.getChunkInfo(ID)).isClone).toBe(true);
    },
  );
});
