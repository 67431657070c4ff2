import { open, type FileHandle } from 'node:fs/promises';

/**
 * Baseline: the same positional I/O straight on FileHandles, one promise per
 * read/write through libuv's thread pool, as the store did every call before
 * it moved small I/O to synchronous calls. Reads go into the caller's buffer,
 * as fio's and the store's do.
 */
export class NodeFiles {
  private constructor(private readonly handles: FileHandle[]) {}

  static async open(paths: readonly string[]): Promise<NodeFiles> {
    return new NodeFiles(await Promise.all(paths.map((p) => open(p, 'r+'))));
  }

  async io(kind: 'read' | 'write', file: number, offset: number, buf: Uint8Array): Promise<void> {
    const fh = this.handles[file];
    if (kind === 'write') await fh.write(buf, 0, buf.length, offset);
    else await fh.read(buf, 0, buf.length, offset);
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((fh) => fh.close()));
  }
}
