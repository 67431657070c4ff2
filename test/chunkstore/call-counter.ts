import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DataStore, type DataStoreOptions } from '../../chunkstore/index';
import { nodeFs, type StoreFile, type StoreFs } from '../../chunkstore/store-fs';
import { inProcessWriter } from './in-process-writer';
import { GEOMETRY } from './replay-env';

/**
 * The real file system with every call of the store counted as `<file kind>.<call>` (kinds: 'log' for
 * segments, 'chunk', else the file's name), for the tests of what a durable write costs in calls
 * (log-io.test.ts, group-commit.test.ts).
 */

const POOL_CALLS = ['read', 'write', 'datasync', 'sync', 'truncate'] as const;

export class CallCounter {
  readonly calls = new Map<string, number>();
  /** file positions of the op log's writes, in order */
  readonly logWrites: number[] = [];
  /** writes of chunk metapages (offset 0) */
  chunkMetaWrites = 0;
  /** every call, in order */
  readonly trace: string[] = [];
  /** while set, an fdatasync through the pool of a file of this kind waits for `until` */
  gate: { kind: string; until: Promise<void>; reached: () => void } | null = null;

  readonly fs: StoreFs = {
    ...nodeFs,
    open: async (path, how) => this.wrap(basename(path), await nodeFs.open(path, how)),
    // the counted files are wrappers without a descriptor: owed writes go through their writeSync
    backgroundWriter: inProcessWriter,
  };

  reset(): void {
    this.calls.clear();
    this.logWrites.length = 0;
    this.trace.length = 0;
  }

  /** Holds pool fdatasyncs of `kind` files until `open()`; `reached` resolves when the first one waits. */
  holdSyncs(kind: string): { reached: Promise<void>; open: () => void } {
    let open!: () => void;
    const until = new Promise<void>((resolve) => (open = resolve));
    const reached = new Promise<void>((resolve) => (this.gate = { kind, until, reached: resolve }));
    return { reached, open };
  }

  /** Calls that went through the thread pool, e.g. ['log.datasync']. */
  poolCalls(): string[] {
    return [...this.calls.entries()]
      .filter(([name]) => POOL_CALLS.some((c) => name.endsWith(`.${c}`)))
      .flatMap(([name, n]) => Array<string>(n).fill(name))
      .sort();
  }

  private wrap(name: string, file: StoreFile): StoreFile {
    // segments `log_<n>` are 'log'; log_checkpoint and .tmp files keep their names
    const final = name.replace(/\.tmp$/, ''); // created as .tmp, then renamed: the handle stays
    const kind = /^log_\d+$/.test(final) ? 'log' : /^chunk_\d+$/.test(final) ? 'chunk' : final;
    const count = (call: string) => this.calls.set(`${kind}.${call}`, (this.calls.get(`${kind}.${call}`) ?? 0) + 1);
    const counted = {} as StoreFile;
    for (const call of [...POOL_CALLS, 'readSync', 'writeSync', 'datasyncSync', 'close'] as const) {
      const real = (file[call] as (...args: unknown[]) => unknown).bind(file);
      (counted as unknown as Record<string, unknown>)[call] = (...args: unknown[]) => {
        count(call);
        this.trace.push(`${kind}.${call}`);
        if (kind === 'log' && (call === 'write' || call === 'writeSync')) this.logWrites.push(args[3] as number);
        if (kind === 'chunk' && (call === 'write' || call === 'writeSync') && args[3] === 0) this.chunkMetaWrites++;
        const gate = this.gate;
        if (gate && kind === gate.kind && call === 'datasync') {
          gate.reached();
          return gate.until.then(() => real(...args));
        }
        return real(...args);
      };
    }
    const map = file.map?.bind(file);
    if (map) counted.map = () => (count('map'), map()); // a mapping's reads are no calls: nothing to count
    return counted;
  }
}

export async function withCountedStore(
  extra: Partial<DataStoreOptions> | undefined,
  body: (store: DataStore, c: CallCounter, dir: string) => Promise<void>,
) {
  const dir = await mkdtemp(join(tmpdir(), 'chunkstore-log-io-'));
  const counter = new CallCounter();
  const store = await DataStore.open({
    dir,
    ...GEOMETRY,
    fs: counter.fs,
    ...extra,
  });
  try {
    await body(store, counter, dir);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms));
  return Promise.race([p.then(() => true), timeout]);
}
