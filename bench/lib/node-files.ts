import { readSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Ceiling for the store: the same positional I/O on bare files, taking the
 * same path the store's SyncIoPolicy takes — a synchronous pread/pwrite on the
 * fd, or a FileHandle call through libuv's thread pool — with nothing around
 * it (no metapage, locks, checks). Reads go into the caller's buffer, as
 * fio's and the store's do. The store's ratio to this is its own overhead.
 */
export class NodeFiles {
  private constructor(private readonly handles: FileHandle[]) {}

  static async open(paths: readonly string[]): Promise<NodeFiles> {
    return new NodeFiles(await Promise.all(paths.map((p) => open(p, 'r+'))));
  }

  async io(kind: 'read' | 'write', file: number, offset: number, buf: Uint8Array, sync: boolean): Promise<void> {
    const fh = this.handles[file]!;
    if (sync) {
      if (kind === 'write') writeSync(fh.fd, buf, 0, buf.length, offset);
      else readSync(fh.fd, buf, 0, buf.length, offset);
    } else if (kind === 'write') await fh.write(buf, 0, buf.length, offset);
    else await fh.read(buf, 0, buf.length, offset);
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((fh) => fh.close()));
  }
}
