import { fdatasyncSync, fstatSync, readSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { FileMapping } from './file-mapping';
import { WriteThread } from './write-thread';

/**
 * The only file-system calls the store makes. The real one is NodeFs; the
 * crash-consistency harness (test/chunkstore/crash-fs.ts) implements the same
 * interface in memory, records every write and sync, and builds the disk
 * states a power cut may leave. Keep it small: every call added here must be
 * modelled there.
 */
export interface StoreFile {
  /** Positional reads/writes on the calling thread (page-cache hits; see SyncIoPolicy). */
  readSync(target: Uint8Array, offset: number, length: number, position: number): number;
  writeSync(data: Uint8Array, offset: number, length: number, position: number): number;
  /** The same through libuv's thread pool. */
  read(target: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  write(data: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** fdatasync: the data written so far (and the size) is durable. */
  datasync(): Promise<void>;
  /** The same on the calling thread (a lone writer's log sync; see SyncIoPolicy.flush). */
  datasyncSync(): void;
  /** fsync: datasync plus every other metadata of the file. */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
  /**
   * Optional: a read-only shared mapping of the file as long as it is now (null: empty), so reads need no
   * syscall (file-mapping.ts). The caller unmaps it before close() and never shrinks a mapped file. A file
   * system without it (the crash harness's) is read with readSync/read; its writes need nothing: a mapping
   * shows the page cache they go to.
   */
  map?(): FileMapping | null;
}

/** One positional write of a BackgroundWriter batch. */
export interface BackgroundWrite {
  readonly file: StoreFile;
  readonly position: number;
  readonly data: Uint8Array;
}

/** Writes carried out off the event loop, batch after batch in the order given (WriteBehind). */
export interface BackgroundWriter {
  /** Writes every item whole, in order; resolves with each item's error (undefined: written). */
  writeAll(items: readonly BackgroundWrite[]): Promise<Array<Error | undefined>>;
  /** After the batches given so far are written. */
  close(): Promise<void>;
}

export interface StoreFs {
  /** A writer for this store's background writes (one per open store). */
  backgroundWriter(): BackgroundWriter;
  mkdirp(dir: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  /** 'create' fails when the file exists (O_EXCL); 'existing' fails when it does not. */
  open(path: string, how: 'create' | 'existing'): Promise<StoreFile>;
  rename(from: string, to: string): Promise<void>;
  /** Unlinks; a missing file is fine. */
  remove(path: string): Promise<void>;
  /** fsync of a directory: its creates, renames and unlinks are durable. */
  syncDir(dir: string): Promise<void>;
}

class NodeFile implements StoreFile {
  constructor(private readonly handle: FileHandle) {}

  get fd(): number {
    return this.handle.fd;
  }

  readSync(target: Uint8Array, offset: number, length: number, position: number): number {
    return readSync(this.handle.fd, target, offset, length, position);
  }

  writeSync(data: Uint8Array, offset: number, length: number, position: number): number {
    return writeSync(this.handle.fd, data, offset, length, position);
  }

  async read(target: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return (await this.handle.read(target, offset, length, position)).bytesRead;
  }

  async write(data: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return (await this.handle.write(data, offset, length, position)).bytesWritten;
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  datasyncSync(): void {
    fdatasyncSync(this.handle.fd);
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  map(): FileMapping | null {
    const size = fstatSync(this.handle.fd).size;
    return size > 0 ? FileMapping.map(this.handle.fd, size) : null;
  }
}

/** The real file system (node:fs). */
export const nodeFs: StoreFs = {
  backgroundWriter() {
    const thread = new WriteThread();
    return {
      writeAll: (items) => thread.writeAll(items, (w) => descriptorOf(w.file)),
      close: () => thread.close(),
    };
  },
  async mkdirp(dir) {
    await mkdir(dir, { recursive: true });
  },
  readdir: (dir) => readdir(dir),
  async open(path, how) {
    return new NodeFile(await open(path, how === 'create' ? 'wx+' : 'r+'));
  },
  rename: (from, to) => rename(from, to),
  remove: (path) => rm(path, { force: true }),
  async syncDir(dir) {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

function descriptorOf(file: StoreFile): number {
  if (!(file instanceof NodeFile)) throw new Error('nodeFs background writes take only its own files');
  return file.fd;
}
