import { createHash } from 'node:crypto';
import { DataStore, type DataStoreOptions } from '../../chunkstore/index';
import { mulberry32 } from '../../lib/prng';
import { perform } from './concurrency-workload';
import { CrashFs, type CrashChoice } from './crash-fs';
import type { Op } from './model';
import { GEOMETRY, picture } from './replay-env';

/**
 * Crash-consistency harness: runs streams of operations (one stream per
 * chunk, the streams concurrently) on a CrashFs, remembering what the API
 * showed of each chunk after each operation and where in the trace each
 * operation started and was acknowledged. Then, at sampled crash points,
 * it builds post-crash disks (crash-fs.ts), opens the store on each and
 * checks every chunk: it must look as after its last acknowledged
 * operation, or (an operation in flight at the crash) as after the next one;
 * never earlier (an acknowledged operation lost) nor anything else (an
 * operation half applied, a torn page served).
 */

export const DIR = '/store';
/**
 * Small log segments, and a checkpoint once more than two are in use: the runs move between segments and
 * checkpoint, and build small disks.
 */
const SEGMENT = 96 * 1024;
const CHECKPOINT_SEGMENTS = 2;

export interface Stream {
  readonly chunk: number;
  readonly ops: readonly Op[];
}

interface Mark {
  readonly start: number;
  readonly ack: number;
}

export interface Recording {
  readonly fs: CrashFs;
  /** trace length when the workload ended (crash points are 0..end) */
  readonly end: number;
  readonly streams: readonly Stream[];
  /** per stream: the chunk's picture before any op (0) and after op i (i) */
  readonly pictures: readonly string[][];
  readonly marks: readonly Mark[][];
}

export type StoreOptions = Omit<DataStoreOptions, 'dir' | 'fs'>;

export function openOn(fs: CrashFs, options: StoreOptions = {}): Promise<DataStore> {
  const log = { logSegmentSize: SEGMENT, checkpointSegments: CHECKPOINT_SEGMENTS };
  return DataStore.open({ dir: DIR, ...GEOMETRY, syncIoMaxBytes: 0, ...log, ...options, fs });
}

/** What the API shows of a chunk: info and page digests; one whole-chunk read when it succeeds (fast path). */
async function show(store: DataStore, chunk: number): Promise<string> {
  const info = await store.getChunkInfo(chunk).catch(() => null);
  if (!info || info.isClone) return JSON.stringify(await picture(store, chunk));
  const hash = (data: Uint8Array) => createHash('sha1').update(data).digest('hex');
  const data = hash(await store.readChunk(chunk, info.sn, 0, GEOMETRY.chunkSize));
  const snapshot = info.snapSn
    ? hash(await store.readSnapshotChunk(chunk, info.snapSn, 0, GEOMETRY.chunkSize))
    : undefined;
  return JSON.stringify({ info: { ...info, bitmap: null }, data, snapshot });
}

/** Runs the streams concurrently on a fresh CrashFs (see the file comment). */
export async function record(streams: readonly Stream[], options: StoreOptions = {}): Promise<Recording> {
  const fs = new CrashFs();
  const store = await openOn(fs, options);
  const pictures: string[][] = [];
  const marks: Mark[][] = [];
  await Promise.all(
    streams.map(async (s, n) => {
      pictures[n] = [await show(store, s.chunk)];
      marks[n] = [];
      for (const op of s.ops) {
        const start = fs.length;
        await perform(store, GEOMETRY, s.chunk, op);
        marks[n].push({ start, ack: fs.length });
        pictures[n].push(await show(store, s.chunk));
      }
    }),
  );
  const end = fs.length;
  await store.close();
  return { fs, end, streams, pictures, marks };
}

export interface Verdict {
  states: number;
  /** post-crash states where an acknowledged operation was missing */
  lost: number;
  /** states matching no state the operations went through, or where open failed */
  corrupt: number;
  /** the first few failures, for the message */
  examples: string[];
}

/** Checks one post-crash disk; returns null when every chunk is as allowed, else why not. */
export async function checkCrash(
  rec: Recording,
  choice: CrashChoice,
  options: StoreOptions = {},
): Promise<{ kind: 'lost' | 'corrupt'; why: string } | null> {
  let store: DataStore;
  try {
    // synchronous I/O: checking needs no interleaving, and the thread-pool stand-in's yields cost most of the time
    store = await openOn(rec.fs.materialize(choice), { syncIoMaxBytes: 64 * 1024, ...options });
  } catch (err) {
    return { kind: 'corrupt', why: `open failed: ${(err as Error).message}` };
  }
  try {
    for (const [n, s] of rec.streams.entries()) {
      const acked = rec.marks[n].filter((m) => m.ack <= choice.at).length;
      const inFlight = acked < s.ops.length && rec.marks[n][acked].start < choice.at;
      const allowed = rec.pictures[n].slice(acked, acked + (inFlight ? 2 : 1));
      const seen = await show(store, s.chunk);
      if (allowed.includes(seen)) continue;
      const earlier = rec.pictures[n].slice(0, acked).lastIndexOf(seen);
      const where = `chunk ${s.chunk} after ${acked} acknowledged ops`;
      if (earlier >= 0) return { kind: 'lost', why: `${where} looks as after op ${earlier}` };
      return { kind: 'corrupt', why: `${where} looks as after none of them` };
    }
    return null;
  } finally {
    await store.close();
  }
}

/**
 * The crash choices at up to `maxPoints` crash points (all when fewer, else a
 * seeded sample): everything volatile dropped, everything kept, and `random`
 * random prefixes with a random tear of the next write.
 */
export function crashChoices(rec: Recording, seed: number, maxPoints: number, random = 2): CrashChoice[] {
  const rnd = mulberry32(seed);
  const all = Array.from({ length: rec.end + 1 }, (_, i) => i);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  const points = all.length <= maxPoints ? all : all.slice(0, maxPoints);
  return points
    .sort((a, b) => a - b)
    .flatMap((at) => {
      const vol = rec.fs.volatileOps(at);
      const out: CrashChoice[] = [
        { at, kept: 0, tornSectors: 0 },
        { at, kept: vol.length, tornSectors: 0 },
      ];
      for (let r = 0; r < random && vol.length > 0; r++) {
        const kept = Math.floor(rnd() * vol.length);
        const tears = rec.fs.tearsOf(vol[kept]);
        out.push({ at, kept, tornSectors: tears ? 1 + Math.floor(rnd() * tears) : 0 });
      }
      return out;
    });
}

/** Checks every choice; counts lost and corrupt states. */
export async function verify(rec: Recording, choices: readonly CrashChoice[], options: StoreOptions = {}) {
  const verdict: Verdict = { states: 0, lost: 0, corrupt: 0, examples: [] };
  for (const choice of choices) {
    verdict.states++;
    const bad = await checkCrash(rec, choice, options);
    if (!bad) continue;
    verdict[bad.kind]++;
    if (verdict.examples.length < 5) verdict.examples.push(`${JSON.stringify(choice)}: ${bad.kind}: ${bad.why}`);
  }
  return verdict;
}
