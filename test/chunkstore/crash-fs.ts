import { basename, dirname } from 'node:path';
import type { StoreFile, StoreFs } from '../../chunkstore/store-fs';
import { inProcessWriter } from './in-process-writer';

/**
 * An in-memory StoreFs that records every write, truncate, sync and
 * directory change, and builds the disk states a power cut after any of them
 * may leave (LazyFS's model): whatever a later sync made durable is there;
 * of the rest, in the order it was issued, any prefix survives, and the
 * first write not kept whole may be torn at a 4 KiB sector boundary.
 * Directory entries (create, rename, unlink) are durable only after a sync of
 * the directory, file data and size only after a (data)sync of that file.
 */

export const SECTOR = 4096;

type TraceOp =
  | { kind: 'write'; ino: number; pos: number; data: Uint8Array }
  | { kind: 'truncate'; ino: number; length: number }
  | { kind: 'sync'; ino: number }
  | { kind: 'link'; path: string; ino: number | null }
  | { kind: 'rename'; from: string; to: string }
  | { kind: 'syncDir' };

interface Inode {
  data: Uint8Array;
  size: number;
}

/** Which of the non-durable operations a crash keeps: the first `kept`, plus `tornSectors` of the next write. */
export interface CrashChoice {
  readonly at: number;
  readonly kept: number;
  readonly tornSectors: number;
}

function fsError(code: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${path}`), { code });
}

function writeInto(inode: Inode, pos: number, data: Uint8Array): void {
  const end = pos + data.length;
  if (end > inode.data.length) {
    const grown = new Uint8Array(Math.max(end, inode.data.length * 2));
    grown.set(inode.data.subarray(0, inode.size));
    inode.data = grown;
  }
  inode.data.set(data, pos);
  inode.size = Math.max(inode.size, end);
}

function truncateTo(inode: Inode, length: number): void {
  if (length < inode.size) inode.data.fill(0, length, inode.size);
  else if (length > inode.data.length) writeInto(inode, length, new Uint8Array(0));
  inode.size = length;
}

/** Number of sector-aligned pieces a write touches. */
function sectorsOf(op: { pos: number; data: Uint8Array }): number {
  const first = Math.floor(op.pos / SECTOR);
  const last = Math.floor((op.pos + op.data.length - 1) / SECTOR);
  return op.data.length === 0 ? 0 : last - first + 1;
}

class MemFile implements StoreFile {
  private closed = false;

  constructor(
    private readonly fs: CrashFs,
    private readonly ino: number,
  ) {}

  private inode(): Inode {
    if (this.closed) throw fsError('EBADF', `inode ${this.ino}`);
    return this.fs.inodes.get(this.ino)!;
  }

  readSync(target: Uint8Array, offset: number, length: number, position: number): number {
    const inode = this.inode();
    const n = Math.max(0, Math.min(length, inode.size - position));
    target.set(inode.data.subarray(position, position + n), offset);
    return n;
  }

  writeSync(data: Uint8Array, offset: number, length: number, position: number): number {
    const bytes = data.slice(offset, offset + length);
    writeInto(this.inode(), position, bytes);
    this.fs.record({ kind: 'write', ino: this.ino, pos: position, data: bytes });
    return length;
  }

  async read(target: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    await this.fs.tick();
    return this.readSync(target, offset, length, position);
  }

  async write(data: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    await this.fs.tick();
    return this.writeSync(data, offset, length, position);
  }

  async datasync(): Promise<void> {
    this.inode();
    await this.fs.tick();
    this.datasyncSync();
  }

  datasyncSync(): void {
    this.inode();
    this.fs.record({ kind: 'sync', ino: this.ino });
  }

  sync(): Promise<void> {
    return this.datasync();
  }

  async truncate(length: number): Promise<void> {
    truncateTo(this.inode(), length);
    this.fs.record({ kind: 'truncate', ino: this.ino, length });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The simulated disk. `trace` grows with every change; crash states are built from it. */
export class CrashFs implements StoreFs {
  readonly inodes = new Map<number, Inode>();
  private readonly names = new Map<string, number>();
  private readonly trace: TraceOp[] = [];
  private nextIno = 1;
  /** Set by a test to see the trace grow (e.g. to stop a run at a point). */
  onRecord: ((length: number) => void) | null = null;

  /** Operations recorded so far: the crash points are 0..length. */
  get length(): number {
    return this.trace.length;
  }

  record(op: TraceOp): void {
    this.trace.push(op);
    this.onRecord?.(this.trace.length);
  }

  /** An asynchronous call yields once, so concurrent callers interleave as on a real thread pool. */
  tick(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** Owed chunk writes land a turn later, each recorded like any write (a crash point after it). */
  backgroundWriter = inProcessWriter;

  async mkdirp(): Promise<void> {}

  async readdir(dir: string): Promise<string[]> {
    return [...this.names.keys()].filter((p) => dirname(p) === dir).map((p) => basename(p));
  }

  async open(path: string, how: 'create' | 'existing'): Promise<StoreFile> {
    let ino = this.names.get(path);
    if (how === 'create') {
      if (ino !== undefined) throw fsError('EEXIST', path);
      ino = this.nextIno++;
      this.inodes.set(ino, { data: new Uint8Array(0), size: 0 });
      this.names.set(path, ino);
      this.record({ kind: 'link', path, ino });
    } else if (ino === undefined) throw fsError('ENOENT', path);
    return new MemFile(this, ino);
  }

  async rename(from: string, to: string): Promise<void> {
    const ino = this.names.get(from);
    if (ino === undefined) throw fsError('ENOENT', from);
    this.names.delete(from);
    this.names.set(to, ino);
    this.record({ kind: 'rename', from, to });
  }

  async remove(path: string): Promise<void> {
    if (!this.names.delete(path)) return;
    this.record({ kind: 'link', path, ino: null });
  }

  async syncDir(): Promise<void> {
    await this.tick();
    this.record({ kind: 'syncDir' });
  }

  /** The operations of trace[0, at) that no sync before `at` made durable, by trace index. */
  volatileOps(at: number): number[] {
    const synced = new Set<number>();
    let dirSynced = false;
    const out: number[] = [];
    for (let i = at - 1; i >= 0; i--) {
      const op = this.trace[i];
      if (op.kind === 'sync') synced.add(op.ino);
      else if (op.kind === 'syncDir') dirSynced = true;
      else if (op.kind === 'write' || op.kind === 'truncate') {
        if (!synced.has(op.ino)) out.push(i);
      } else if (!dirSynced) out.push(i);
    }
    return out.reverse();
  }

  /** Tears the write at trace index `i` can have: 0 when it is not a write of several sectors. */
  tearsOf(i: number): number {
    const op = this.trace[i];
    return op?.kind === 'write' ? Math.max(0, sectorsOf(op) - 1) : 0;
  }

  /** The disk after a power cut at `choice.at` (a fresh CrashFs with an empty trace). */
  materialize(choice: CrashChoice): CrashFs {
    const vol = this.volatileOps(choice.at);
    const dropped = new Set(vol.slice(choice.kept));
    const torn = choice.tornSectors > 0 ? vol[choice.kept] : -1;
    const out = new CrashFs();
    const inodes = new Map<number, Inode>();
    const inode = (ino: number) => {
      let node = inodes.get(ino);
      if (!node) inodes.set(ino, (node = { data: new Uint8Array(0), size: 0 }));
      return node;
    };
    const names = new Map<string, number>();
    for (let i = 0; i < choice.at; i++) {
      const op = this.trace[i];
      if (dropped.has(i) && i !== torn) continue;
      switch (op.kind) {
        case 'write': {
          let data = op.data;
          if (i === torn) {
            const end = (Math.floor(op.pos / SECTOR) + choice.tornSectors) * SECTOR;
            data = data.subarray(0, end - op.pos);
          }
          writeInto(inode(op.ino), op.pos, data);
          break;
        }
        case 'truncate':
          truncateTo(inode(op.ino), op.length);
          break;
        case 'link':
          if (op.ino === null) names.delete(op.path);
          else names.set(op.path, op.ino);
          break;
        case 'rename': {
          const ino = names.get(op.from);
          names.delete(op.from);
          if (ino !== undefined) names.set(op.to, ino);
          break;
        }
        default:
          break;
      }
    }
    for (const [path, ino] of names) {
      const fresh = out.nextIno++;
      const node = inode(ino);
      out.inodes.set(fresh, { data: node.data.slice(0, node.size), size: node.size });
      out.names.set(path, fresh);
    }
    return out;
  }
}
