import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { Bitmap } from '../../chunkstore/bitmap';
import { makeGeometry } from '../../chunkstore/geometry';
import { decodeMetaPage, encodeMetaPage, FileKind, type MetaPage } from '../../chunkstore/metapage';
import { ChunkStoreError, DataStore, type ChunkInfo } from '../../chunkstore/index';

/** Small geometry for tests: 16 pages of 4 KiB, 4 KiB metapage. */
export const PAGE = 4096;
export const CHUNK = 64 * 1024;
export const PAGES = CHUNK / PAGE;
export const GEOMETRY = makeGeometry({ chunkSize: CHUNK, pageSize: PAGE, metaPageSize: PAGE });

/** `count` pages filled with byte `fill`. */
export function pages(fill: number, count = 1): Uint8Array {
  return new Uint8Array(count * PAGE).fill(fill);
}

/** Byte-wise concatenation, to build expected read results. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Expected clone bitmap (FORMAT.md bit order) with the given pages set. */
export function bitmapWith(...setPages: number[]): Uint8Array {
  const bytes = new Uint8Array(PAGES / 8);
  for (const p of setPages) bytes[p >> 3] |= 1 << (p & 7);
  return bytes;
}

/** Asserts that `promise` rejects with a ChunkStoreError of `code`. */
export async function expectCode(promise: Promise<unknown>, code: ChunkStoreError['code']): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(ChunkStoreError);
  expect((err as ChunkStoreError).code).toBe(code);
}

/** A store in a fresh temp dir, reopenable to simulate a restart. */
export class Env {
  store!: DataStore;

  constructor(readonly dir: string) {}

  static async create(): Promise<Env> {
    const env = new Env(await mkdtemp(join(tmpdir(), 'chunkstore-')));
    env.store = await env.openStore();
    return env;
  }

  openStore(): Promise<DataStore> {
    return DataStore.open({ dir: this.dir, chunkSize: CHUNK, pageSize: PAGE, metaPageSize: PAGE });
  }

  /** Close and open again: the restart of the seed's cases. */
  async reopen(): Promise<DataStore> {
    await this.store.close();
    this.store = await this.openStore();
    return this.store;
  }

  /** Sorted listing of the chunk and snapshot files (the op log's files are the crash suite's business). */
  async files(): Promise<string[]> {
    return (await readdir(this.dir)).filter((name) => name.startsWith('chunk_')).sort();
  }

  info(id: number): Promise<ChunkInfo> {
    return this.store.getChunkInfo(id);
  }

  /** Chunk info + directory listing, to assert "other state unchanged". */
  async state(id: number): Promise<{ info: ChunkInfo; files: string[] }> {
    return { info: await this.info(id), files: await this.files() };
  }

  /** Decoded metapage of a file, straight from disk. */
  async diskMeta(name: string): Promise<MetaPage> {
    const buf = await readFile(join(this.dir, name));
    return decodeMetaPage(buf.subarray(0, PAGE), GEOMETRY, name);
  }

  /** Raw bytes of a file's data area (chunk offset `offset`), bypassing the store. */
  async diskData(name: string, offset: number, length: number): Promise<Uint8Array> {
    const buf = await readFile(join(this.dir, name));
    return new Uint8Array(buf.subarray(PAGE + offset, PAGE + offset + length));
  }

  /**
   * Writes a snapshot file `chunk_<id>_snap_<sn>` from outside, as a crash
   * right after snapshot creation or a raft follower's download leaves it;
   * `copied` pages are marked COW'ed with the given data. Reopen to load it.
   */
  async plantSnapshot(id: number, sn: number, copied: Array<{ page: number; data: Uint8Array }> = []): Promise<void> {
    const bitmap = new Bitmap(PAGES);
    const body = new Uint8Array(PAGE + CHUNK);
    for (const { page, data } of copied) {
      bitmap.setRange({ first: page, last: page + data.length / PAGE - 1 });
      body.set(data, PAGE + page * PAGE);
    }
    const meta: MetaPage = {
      kind: FileKind.Snapshot,
      chunkId: id,
      sn,
      correctedSn: 0,
      clone: false,
      location: '',
      bitmap,
    };
    body.set(encodeMetaPage(meta, GEOMETRY), 0);
    await writeFile(join(this.dir, `chunk_${id}_snap_${sn}`), body);
  }

  /** Rewrites chunk `id`'s metapage from outside with some fields changed. Reopen to load it. */
  async patchChunkMeta(id: number, patch: Partial<MetaPage>): Promise<void> {
    const name = `chunk_${id}`;
    const next = { ...(await this.diskMeta(name)), ...patch };
    const handle = await open(join(this.dir, name), 'r+');
    try {
      await handle.write(encodeMetaPage(next, GEOMETRY), 0, PAGE, 0);
    } finally {
      await handle.close();
    }
  }

  async dispose(): Promise<void> {
    await this.store.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Registers a fresh Env per test; read `ctx.env` inside tests. */
export function useEnv(): { env: Env } {
  const ctx = {} as { env: Env };
  beforeEach(async () => {
    ctx.env = await Env.create();
  });
  afterEach(async () => {
    await ctx.env.dispose();
  });
  return ctx;
}

/** Runs `script` in a child Node process: the signal that ended it (null: it exited) and what it printed. */
export function nodeChildOutcome(script: string): { signal: string | null; stdout: string } {
  try {
    return {
      signal: null,
      stdout: execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', stdio: 'pipe' }),
    };
  } catch (err) {
    const e = err as { signal: string | null; stdout: string };
    return { signal: e.signal, stdout: e.stdout };
  }
}
