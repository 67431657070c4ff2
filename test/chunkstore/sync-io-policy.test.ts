import { describe, expect, it } from 'vitest';
import { makeGeometry } from '../../chunkstore/geometry';
import { PagedFile } from '../../chunkstore/paged-file';
import type { StoreFile } from '../../chunkstore/store-fs';
import { SyncIoPolicy } from '../../chunkstore/sync-io-policy';

/** When small I/O may run synchronously, and the back-off when it stops being cheap. */

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* spin: a "slow" synchronous call */
  }
}

describe('SyncIoPolicy', () => {
  it('with other operations in progress, allows synchronous I/O up to maxBytes only; 0 never', () => {
    const policy = new SyncIoPolicy(65536, () => 2);
    expect(policy.useSync(4096)).toBe(true);
    expect(policy.useSync(65536)).toBe(true);
    expect(policy.useSync(65537)).toBe(false);
    expect(new SyncIoPolicy(0, () => 1).useSync(4096)).toBe(false);
  });

  it('ignores an occasional slow call (a preempted thread), backs off when slow calls are frequent', () => {
    const policy = new SyncIoPolicy(65536, () => 1);
    policy.timed(() => busy(3));
    for (let i = 0; i < 100; i++) policy.timed(() => undefined);
    policy.timed(() => busy(3));
    expect(policy.suspended).toBe(false);
    expect(policy.useSync(4096)).toBe(true);
    for (let i = 0; i < 3; i++) policy.timed(() => busy(3));
    expect(policy.suspended).toBe(true);
    expect(policy.useSync(4096)).toBe(false);
  });

  it('returns the result of the timed call and still counts a call that throws', () => {
    const policy = new SyncIoPolicy(4096, () => 1);
    expect(policy.timed(() => 42)).toBe(42);
    for (let i = 0; i < 3; i++) {
      expect(() =>
        policy.timed(() => {
          busy(3);
          throw new Error('EIO');
        }),
      ).toThrow('EIO');
    }
    expect(policy.suspended).toBe(true);
  });
});

describe('SyncIoPolicy: large I/O', () => {
  it('goes synchronous up to 1 MiB only while it is the only store operation in progress', () => {
    let inProgress = 1;
    const policy = new SyncIoPolicy(65536, () => inProgress);
    const MiB = 1 << 20;
    expect(policy.useSync(MiB)).toBe(true);
    expect(policy.useSync(MiB + 4096)).toBe(false);
    inProgress = 2;
    expect(policy.useSync(MiB), 'another operation is in progress').toBe(false);
    expect(policy.useSync(4096)).toBe(true);
    inProgress = 1;
    expect(policy.useSync(MiB)).toBe(true);
    expect(new SyncIoPolicy(0, () => 1).useSync(MiB), '0 = always the thread pool').toBe(false);
  });
});

describe('SyncIoPolicy: the read path times a sample of its calls', () => {
  // two performance.now() per read were half of what the store adds to a 4 KiB page-cache read (probe:
  // store 635-641k/s untimed vs 484-621k/s timed, bare readSync 676-708k/s)
  function fileWithSlowReads(slow: () => boolean): StoreFile {
    const unused = () => Promise.reject(new Error('not used'));
    return {
      readSync: (_t, _o, length) => (slow() && busy(3), length),
      writeSync: () => 0,
      read: unused,
      write: unused,
      datasync: unused,
      datasyncSync: () => undefined,
      sync: unused,
      truncate: unused,
      close: async () => undefined,
    };
  }
  const geometry = makeGeometry({ chunkSize: 65536, pageSize: 4096, metaPageSize: 4096 });

  it('a few slow reads in a row are mostly not even timed: no back-off', async () => {
    let n = 0;
    const policy = new SyncIoPolicy(65536, () => 1);
    const file = new PagedFile(
      'f',
      fileWithSlowReads(() => n++ < 3),
      geometry,
      policy,
      false,
    );
    for (let i = 0; i < 3; i++) await file.readDataInto(0, new Uint8Array(4096));
    expect(policy.suspended).toBe(false);
  });

  it('a cold cache (every read slow) still backs off within a dozen reads', async () => {
    const policy = new SyncIoPolicy(65536, () => 1);
    const file = new PagedFile(
      'f',
      fileWithSlowReads(() => true),
      geometry,
      policy,
      false,
    );
    let reads = 0;
    while (!policy.suspended && reads < 100) {
      await file.readDataInto(0, new Uint8Array(4096));
      reads++;
    }
    expect(reads).toBeLessThanOrEqual(12);
  });
});

describe('SyncIoPolicy.flush: a lone fdatasync blocks the event loop only while the device is fast', () => {
  /** A file whose blocking fdatasync takes `slowMs()` ms; counts blocking and pool syncs. */
  function syncFile(slowMs: () => number) {
    const calls = { blocking: 0, pool: 0 };
    const file = {
      datasyncSync: () => {
        calls.blocking++;
        busy(slowMs());
      },
      datasync: async () => {
        calls.pool++;
      },
    } as unknown as StoreFile;
    return { file, calls };
  }
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("one slow sync (the store's checkpoint in the way) sends the next ones to the pool for 100 ms only", async () => {
    // before: for a whole second, ~10 % of a lone writer's syncs at one checkpoint every ~3 s (bench c1: the
    // event loop idle 22 % in the run that fell to 84 % of fio)
    let slow = 6;
    const { file, calls } = syncFile(() => slow);
    const policy = new SyncIoPolicy(65536, () => 1);
    await policy.flush(file);
    slow = 0;
    await policy.flush(file);
    expect(calls).toEqual({ blocking: 1, pool: 1 });
    await sleep(150);
    await policy.flush(file);
    expect(calls).toEqual({ blocking: 2, pool: 1 });
  });

  it('while the syncs stay slow the pool keeps them longer, up to a second; a fast one resets that', async () => {
    let slow = 6;
    const { file, calls } = syncFile(() => slow);
    const policy = new SyncIoPolicy(65536, () => 1);
    await policy.flush(file); // slow: 100 ms in the pool
    await sleep(150);
    await policy.flush(file); // still slow: 200 ms
    await sleep(150);
    await policy.flush(file);
    expect(calls).toEqual({ blocking: 2, pool: 1 });
    await sleep(100);
    slow = 0;
    await policy.flush(file); // fast again: back to 100 ms for the next slow one
    slow = 6;
    await policy.flush(file);
    await sleep(150);
    await policy.flush(file);
    expect(calls).toEqual({ blocking: 5, pool: 1 });
  });
});
