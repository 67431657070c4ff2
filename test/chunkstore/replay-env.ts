import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataStore, type DataStoreOptions } from '../../chunkstore/index';

/**
 * A store in its own temp directory that can be restarted (close + open),
 * and a full, comparable picture of chunk state through the public API.
 * Shared by the replay, fault and concurrency suites.
 */

export const GEOMETRY = { chunkSize: 64 * 1024, pageSize: 4096, metaPageSize: 4096 } as const;
export const PAGE = GEOMETRY.pageSize;
export const PAGES = GEOMETRY.chunkSize / GEOMETRY.pageSize;

/** A store of the test geometry with `opts` in a fresh temp directory, closed and removed after `body`. */
export async function withTempStore<T>(
  opts: Partial<DataStoreOptions>,
  body: (store: DataStore, dir: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'chunkstore-io-'));
  const store = await DataStore.open({ dir, ...GEOMETRY, ...opts });
  try {
    return await body(store, dir);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export class StoreDir {
  private constructor(
    readonly dir: string,
    public store: DataStore,
  ) {}

  static async create(): Promise<StoreDir> {
    const dir = await mkdtemp(join(tmpdir(), 'chunkstore-replay-'));
    return new StoreDir(dir, await StoreDir.openIn(dir));
  }

  static openIn(dir: string): Promise<DataStore> {
    return DataStore.open({ dir, ...GEOMETRY });
  }

  /** Restart: close, then open the same directory. */
  async reopen(): Promise<DataStore> {
    await this.stop();
    return this.start();
  }

  /** Stops the store (the "crash"); its files may then be changed from outside. */
  stop(): Promise<void> {
    return this.store.close();
  }

  async start(): Promise<DataStore> {
    this.store = await StoreDir.openIn(this.dir);
    return this.store;
  }

  async dispose(): Promise<void> {
    await this.store.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Runs `body` with a fresh StoreDir and always removes it. */
export async function withStoreDir<T>(body: (env: StoreDir) => Promise<T>): Promise<T> {
  const env = await StoreDir.create();
  try {
    return await body(env);
  } finally {
    await env.dispose();
  }
}

/** `count` pages filled with byte `fill`. */
export function fill(value: number, count = 1): Uint8Array {
  return new Uint8Array(count * PAGE).fill(value);
}

/** The error code of a rejected call, or 'ok'. */
export async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    throw err;
  }
}

function digest(data: Uint8Array): string {
  const allSame = data.every((b) => b === data[0]);
  return allSame ? `fill(${data[0]})` : createHash('sha1').update(data).digest('hex').slice(0, 12);
}

/** Readable form of data for comparisons: one digest per page ("fill(17)" for a uniform page). */
export function pageDigests(data: Uint8Array): string[] {
  return Array.from({ length: Math.ceil(data.length / PAGE) }, (_, p) =>
    digest(data.subarray(p * PAGE, (p + 1) * PAGE)),
  );
}

/** One page's content: a digest, or the error that reading it gave (PageNeverWrittenError). */
async function pageView(read: (offset: number) => Promise<Uint8Array>, offset: number): Promise<string> {
  try {
    return digest(await read(offset));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    throw err;
  }
}

export interface ChunkPicture {
  info: unknown;
  data?: string[];
  snapshot?: string[];
}

/** Everything the API shows about a chunk: info, every data page, every snapshot page, or the refusal. */
export async function picture(store: DataStore, id: number): Promise<ChunkPicture> {
  let info;
  try {
    info = await store.getChunkInfo(id);
  } catch (err) {
    return { info: (err as { code?: unknown }).code ?? String(err) };
  }
  const pages = Array.from({ length: PAGES }, (_, p) => p * PAGE);
  const data = await Promise.all(pages.map((o) => pageView((off) => store.readChunk(id, info.sn, off, PAGE), o)));
  const shown = { ...info, bitmap: info.bitmap ? Array.from(info.bitmap) : null };
  if (!info.snapSn) return { info: shown, data };
  const snapshot = await Promise.all(
    pages.map((o) => pageView((off) => store.readSnapshotChunk(id, info.snapSn, off, PAGE), o)),
  );
  return { info: shown, data, snapshot };
}
