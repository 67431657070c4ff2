import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WriteThread } from '../../chunkstore/write-thread';

/** The write-behind thread on real descriptors: order across batches, one item's failure, both data layouts. */

let dir: string;
let thread: WriteThread;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'write-thread-'));
  thread = new WriteThread();
});
afterEach(async () => {
  await thread.close();
  await rm(dir, { recursive: true, force: true });
});

const bytes = (fill: number, n = 4096) => new Uint8Array(n).fill(fill);

describe('WriteThread', () => {
  it('batches land in the order sent: the later write of a position wins', async () => {
    const path = join(dir, 'f');
    const fd = openSync(path, 'w+');
    try {
      const sent = [1, 2, 3, 4].map((fill) => thread.writeAll([{ position: 4096, data: bytes(fill) }], () => fd));
      expect(await Promise.all(sent)).toEqual([[undefined], [undefined], [undefined], [undefined]]);
      expect(readFileSync(path).subarray(4096)).toEqual(Buffer.from(bytes(4)));
    } finally {
      closeSync(fd);
    }
  });

  it('views of one buffer are handed over whole (detached here) and written at their own offsets', async () => {
    const path = join(dir, 'f');
    const fd = openSync(path, 'w+');
    try {
      const shared = new Uint8Array(3 * 4096);
      shared.set(bytes(7), 4096);
      shared.set(bytes(9), 8192);
      const items = [
        { position: 0, data: shared.subarray(8192, 12288) },
        { position: 4096, data: shared.subarray(4096, 8192) },
      ];
      await thread.writeAll(items, () => fd);
      expect(shared.byteLength, 'transferred, not copied').toBe(0);
      const file = readFileSync(path);
      expect(file.subarray(0, 4096)).toEqual(Buffer.from(bytes(9)));
      expect(file.subarray(4096, 8192)).toEqual(Buffer.from(bytes(7)));
    } finally {
      closeSync(fd);
    }
  });

  it("one item's failure is its own: the others of the batch are written", async () => {
    const path = join(dir, 'f');
    const fd = openSync(path, 'w+');
    const readOnly = openSync(path, 'r');
    try {
      const fds = [fd, readOnly, fd];
      const items = [0, 1, 2].map((k) => ({ k, position: k * 4096, data: bytes(k + 1) }));
      const errors = await thread.writeAll(items, (item) => fds[item.k]!);
      expect(errors[0]).toBeUndefined();
      expect(errors[1]).toMatchObject({ code: 'EBADF' });
      expect(errors[2]).toBeUndefined();
      const file = readFileSync(path);
      expect(file.subarray(8192, 12288)).toEqual(Buffer.from(bytes(3)));
    } finally {
      closeSync(fd);
      closeSync(readOnly);
    }
  });
});
