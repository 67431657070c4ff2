import { open, type FileHandle } from 'node:fs/promises';

/**
 * Baseline for a Node.js storage engine: the same positional I/O straight on
 * FileHandles (one promise per read/write, through libuv's thread pool), a
 * fresh buffer per read as an API returning data needs.
 */
export class NodeFiles {
  private constructor(private readonly handles: FileHandle[]) {}

  static async open(paths: readonly string[]): Promise<NodeFiles> {
    return new NodeFiles(await Promise.all(paths.map((p) => open(p, 'r+'))));
  }

  async io(kind: 'read' | 'write', file: number, offset: number, data: Uint8Array): Promise<void> {
    const fh = this.handles[file];
    if (kind === 'write') await fh.write(data, 0, data.length, offset);
    else await fh.read(Buffer.allocUnsafe(data.length), 0, data.length, offset);
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((fh) => fh.close()));
  }
}
