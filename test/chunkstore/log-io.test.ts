import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataStore } from '../../chunkstore/index';
import { nodeFs, type StoreFile, type StoreFs } from '../../chunkstore/store-fs';
import { GEOMETRY, PAGE } from './replay-env';

/**
 * What a durable write costs in calls, by file: a lone caller's latency is
 * its record's way to the disk, and every trip through libuv's thread pool
 * (~25-45 µs, more under load) adds to the device's fdatasync time
 * (bench/chunkstore.ts: c1 against fio --fdatasync=1). The real file system,
 * each call counted as `<file kind>.<call>`.
 */

const POOL_CALLS = ['read', 'write', 'datasync', 'sync', 'truncate'] as const;

class CallCounter {
  readonly calls = new Map<string, number>();

  readonly fs: StoreFs = {
    ...nodeFs,
    open: async (path, how) => this.wrap(basename(path), await nodeFs.open(path, how)),
  };

  reset(): void {
    this.calls.clear();
  }

  /** Calls that went through the thread pool, e.g. ['log.datasync']. */
  poolCalls(): string[] {
    return [...this.calls.entries()]
      .filter(([name]) => POOL_CALLS.some((c) => name.endsWith(`.${c}`)))
      .flatMap(([name, n]) => Array<string>(n).fill(name))
      .sort();
  }

  private wrap(name: string, file: StoreFile): StoreFile {
    const kind = name.startsWith('log_') ? 'log' : name.startsWith('chunk_') ? 'chunk' : name;
    const count = (call: string) => this.calls.set(`${kind}.${call}`, (this.calls.get(`${kind}.${call}`) ?? 0) + 1);
    const counted = {} as StoreFile;
    for (const call of [...POOL_CALLS, 'readSync', 'writeSync', 'close'] as const) {
      const real = (file[call] as (...args: unknown[]) => unknown).bind(file);
      (counted as unknown as Record<string, unknown>)[call] = (...args: unknown[]) => {
        count(call);
        return real(...args);
      };
    }
    return counted;
  }
}

async function withCountedStore(
  syncIoMaxBytes: number | undefined,
  body: (store: DataStore, c: CallCounter) => Promise<void>,
) {
  const dir = await mkdtemp(join(tmpdir(), 'chunkstore-log-io-'));
  const counter = new CallCounter();
  const store = await DataStore.open({
    dir,
    ...GEOMETRY,
    fs: counter.fs,
    ...(syncIoMaxBytes === undefined ? {} : { syncIoMaxBytes }),
  });
  try {
    await body(store, counter);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('op log I/O: what a durable write costs', () => {
  it('a lone 4 KiB write: its record written on the event loop, one fdatasync, one trip through the pool', async () => {
    await withCountedStore(undefined, async (store, counter) => {
      await store.writeChunk(1, 1, new Uint8Array(PAGE).fill(1), 0); // creates the chunk
      counter.reset();
      await store.writeChunk(1, 1, new Uint8Array(PAGE).fill(2), PAGE);
      expect(counter.poolCalls()).toEqual(['log.datasync']);
      expect(counter.calls.get('log.writeSync')).toBe(1);
      expect(counter.calls.get('chunk.writeSync')).toBe(1);
    });
  });

  it('with syncIoMaxBytes 0 the record goes through the pool like every other write', async () => {
    await withCountedStore(0, async (store, counter) => {
      await store.writeChunk(1, 1, new Uint8Array(PAGE).fill(1), 0);
      counter.reset();
      await store.writeChunk(1, 1, new Uint8Array(PAGE).fill(2), PAGE);
      expect(counter.poolCalls()).toEqual(['chunk.write', 'log.datasync', 'log.write']);
    });
  });
});
