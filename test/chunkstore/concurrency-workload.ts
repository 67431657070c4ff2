import type { ChunkInfo } from '../../chunkstore/index';
import { mulberry32 } from '../../lib/prng';
import type { Entry } from './concurrency-checker';
import { encodePages, observeData, observeError, observeInfo, type Observed } from './concurrency-observe';
import type { Geometry, Op } from './model';

/**
 * Random concurrent workload against anything shaped like the DataStore.
 * Every writer's list of operations is a pure function of (seed, writer), so
 * a failing seed replays the same requests (the interleaving, decided by the
 * I/O, may differ). Every call is recorded with logical invocation/response
 * times for the linearizability checker.
 */

export interface Target {
  writeChunk(id: number, sn: number, data: Uint8Array, offset: number): Promise<void>;
  readChunk(id: number, sn: number, offset: number, length: number): Promise<Uint8Array>;
  readSnapshotChunk(id: number, sn: number, offset: number, length: number): Promise<Uint8Array>;
  deleteChunk(id: number, sn: number): Promise<void>;
  deleteSnapshotChunkOrCorrectSn(id: number, correctedSn: number): Promise<void>;
  createCloneChunk(id: number, sn: number, correctedSn: number, size: number, location: string): Promise<void>;
  pasteChunk(id: number, data: Uint8Array, offset: number): Promise<void>;
  getChunkInfo(id: number): Promise<ChunkInfo>;
}

export interface Workload {
  readonly seed: number;
  readonly writers: number;
  readonly opsPerWriter: number;
  readonly chunks: readonly number[];
  readonly geometry: Geometry;
}

/** The seed of this run: CHUNKSTORE_SEED when set, else random (printed by the tests on failure). */
export function runSeed(): number {
  const env = process.env.CHUNKSTORE_SEED;
  return env ? Number(env) : Math.floor(Math.random() * 2 ** 31);
}

function weighted<T>(rnd: () => number, choices: readonly (readonly [number, T])[]): T {
  let x = rnd() * choices.reduce((sum, [w]) => sum + w, 0);
  for (const [w, v] of choices) if ((x -= w) < 0) return v;
  return choices[choices.length - 1][1];
}

const KINDS = [
  [28, 'write'],
  [14, 'read'],
  [10, 'readSnap'],
  [5, 'delete'],
  [10, 'deleteSnap'],
  [10, 'clone'],
  [15, 'paste'],
  [8, 'info'],
] as const;

/** The operations of one writer: sequence numbers follow a file version that grows every 40 ops (snapshots). */
export function writerOps(w: Workload, writer: number): { chunk: number; op: Op }[] {
  const rnd = mulberry32(w.seed ^ Math.imul(writer + 1, 0x9e3779b9));
  const int = (n: number) => Math.floor(rnd() * n);
  const { chunkSize, pageSize } = w.geometry;
  const pages = chunkSize / pageSize;
  if (pages > 64) throw new Error('workload tags assume at most 64 pages per chunk');
  const out: { chunk: number; op: Op }[] = [];
  for (let k = 0; k < w.opsPerWriter; k++) {
    const ver = 1 + Math.floor(k / 40);
    const sn = weighted(rnd, [
      [93, ver],
      [1, ver + 1],
      [4, Math.max(1, ver - 1)],
      [2, 0],
    ] as const);
    const range = weighted(rnd, [
      [
        90,
        () => {
          const first = int(pages);
          return { offset: first * pageSize, length: (1 + int(Math.min(4, pages - first))) * pageSize };
        },
      ],
      [4, () => ({ offset: 0, length: chunkSize })],
      [3, () => ({ offset: int(pages) * pageSize + 512, length: pageSize })],
      [3, () => ({ offset: chunkSize - pageSize, length: 2 * pageSize })],
    ] as const)();
    const aligned = range.offset % pageSize === 0 && range.length % pageSize === 0;
    const tags = aligned
      ? Array.from({ length: range.length / pageSize }, (_, i) => (writer * 100_000 + k) * 64 + i + 1)
      : [];
    const kind = weighted(rnd, KINDS);
    const op: Op =
      kind === 'write'
        ? { kind, sn, ...range, tags }
        : kind === 'read'
          ? { kind, sn, ...range }
          : kind === 'readSnap'
            ? {
                kind,
                sn: Math.max(
                  1,
                  ver -
                    weighted(rnd, [
                      [70, 1],
                      [20, 0],
                      [10, 2],
                    ] as const),
                ),
                ...range,
              }
            : kind === 'delete'
              ? {
                  kind,
                  sn: weighted(rnd, [
                    [80, ver],
                    [20, Math.max(1, ver - 1)],
                  ] as const),
                }
              : kind === 'deleteSnap'
                ? {
                    kind,
                    correctedSn: weighted(rnd, [
                      [74, ver],
                      [22, ver - 1],
                      [4, ver + 1],
                    ] as const),
                  }
                : kind === 'clone'
                  ? {
                      kind,
                      sn: rnd() < 0.8 ? ver : 1,
                      correctedSn: rnd() < 0.8 ? 0 : ver + 1,
                      size: rnd() < 0.05 ? chunkSize - pageSize : chunkSize,
                      location:
                        rnd() < 0.04
                          ? ''
                          : weighted(rnd, [
                              [1, 'curve://vol-a@0'],
                              [1, 'curve://vol-b@0'],
                            ] as const),
                    }
                  : kind === 'paste'
                    ? { kind, ...range, tags }
                    : { kind };
    out.push({ chunk: w.chunks[int(w.chunks.length)], op });
  }
  return out;
}

function payload(op: { offset: number; length: number; tags: readonly number[] }, pageSize: number): Uint8Array {
  return op.tags.length ? encodePages(op.tags, pageSize) : new Uint8Array(op.length).fill(0xab);
}

/** Issues one model operation against the target and returns what it observed (never throws a ChunkStoreError). */
export async function perform(t: Target, geometry: Geometry, id: number, op: Op): Promise<Observed> {
  const ps = geometry.pageSize;
  const ok = (): Observed => ({ ok: true });
  try {
    switch (op.kind) {
      case 'write':
        return await t.writeChunk(id, op.sn, payload(op, ps), op.offset).then(ok);
      case 'read':
        return observeData(await t.readChunk(id, op.sn, op.offset, op.length), op.length, ps);
      case 'readSnap':
        return observeData(await t.readSnapshotChunk(id, op.sn, op.offset, op.length), op.length, ps);
      case 'delete':
        return await t.deleteChunk(id, op.sn).then(ok);
      case 'deleteSnap':
        return await t.deleteSnapshotChunkOrCorrectSn(id, op.correctedSn).then(ok);
      case 'clone':
        return await t.createCloneChunk(id, op.sn, op.correctedSn, op.size, op.location).then(ok);
      case 'paste':
        return await t.pasteChunk(id, payload(op, ps), op.offset).then(ok);
      case 'info':
        return observeInfo(await t.getChunkInfo(id), id, geometry);
    }
  } catch (err) {
    return observeError(err);
  }
}

/** Calls the target and records each call with logical invocation/response times. */
export class Recorder {
  private clock = 0;
  readonly entries: Entry[] = [];

  constructor(private readonly geometry: Geometry) {}

  async call(t: Target, chunk: number, op: Op, by: string): Promise<Observed> {
    const inv = ++this.clock;
    const observed = await perform(t, this.geometry, chunk, op);
    this.entries.push({ chunk, op, inv, res: ++this.clock, observed, by });
    return observed;
  }

  /** Runs all writers concurrently, each issuing its next op when the previous one finished. */
  async run(t: Target, w: Workload): Promise<void> {
    const writer = async (n: number) => {
      let k = 0;
      for (const { chunk, op } of writerOps(w, n)) await this.call(t, chunk, op, `w${n}#${k++}`);
    };
    await Promise.all(Array.from({ length: w.writers }, (_, n) => writer(n)));
  }

  /** Sequentially observes the whole state of each chunk: info, every page, every snapshot page. */
  async observe(t: Target, chunks: readonly number[], by: string): Promise<void> {
    const ps = this.geometry.pageSize;
    for (const chunk of chunks) {
      const info = await this.call(t, chunk, { kind: 'info' }, `${by}:info`);
      const snapSn = info.ok && info.info ? info.info.snapSn : 0;
      for (let offset = 0; offset < this.geometry.chunkSize; offset += ps) {
        await this.call(t, chunk, { kind: 'read', sn: 0, offset, length: ps }, `${by}:read@${offset}`);
        if (snapSn)
          await this.call(t, chunk, { kind: 'readSnap', sn: snapSn, offset, length: ps }, `${by}:snap@${offset}`);
      }
    }
  }
}

/** Outcome counts ("write ok", "write BackwardRequestError", ...) to show what a run exercised. */
export function tally(entries: readonly Entry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of entries) {
    const key = `${e.op.kind} ${e.observed.ok ? 'ok' : e.observed.code}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
