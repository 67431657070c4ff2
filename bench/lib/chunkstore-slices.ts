import type { FioResult } from './fio';

/** Summing the slices of one chunk store bench measurement (bench/chunkstore.ts: store and fio alternate). */

/** One slice of durable store writes. */
export interface StoreSlice {
  ios: number;
  seconds: number;
  logSyncs: number;
  logSyncMs: number;
  chunkSyncs: number;
  eventLoopBusy: number;
  /** the sync(1) after the slice: the chunk pages its writes left dirty (a checkpoint's work, outside it) */
  writebackMs: number;
}

/** A run's slices as one measurement: rates over the summed time, the loop's busy share weighted by time. */
export function sumStore(slices: StoreSlice[]) {
  const sum = (f: (x: StoreSlice) => number) => slices.reduce((n, x) => n + f(x), 0);
  const [ios, seconds, syncs] = [sum((x) => x.ios), sum((x) => x.seconds), sum((x) => x.logSyncs)];
  return {
    iops: ios / seconds,
    writesPerSync: ios / Math.max(1, syncs),
    syncsPerSec: syncs / seconds,
    /** share of the time a log fdatasync was running: the rest, the device waited for the store */
    logSyncing: sum((x) => x.logSyncMs) / 1000 / seconds,
    chunkSyncs: sum((x) => x.chunkSyncs),
    /** the rate counting the writeback each slice left (sync(1) after it) as its own time */
    iopsWithWriteback: ios / (seconds + sum((x) => x.writebackMs) / 1000),
    eventLoopBusy: sum((x) => x.eventLoopBusy * x.seconds) / seconds,
  };
}

export const rate = (slices: Array<{ ios: number; seconds: number }>) =>
  slices.reduce((n, x) => n + x.ios, 0) / slices.reduce((n, x) => n + x.seconds, 0);

/** Runs `f` on each item one after another; [item, result] pairs. */
export async function seq<T extends string, R>(
  items: readonly T[],
  f: (item: T) => Promise<R>,
): Promise<Array<[T, R]>> {
  const out: Array<[T, R]> = [];
  for (const item of items) out.push([item, await f(item)]);
  return out;
}

export const sumIos = (slices: Array<{ fio: FioResult }>) => slices.reduce((n, x) => n + x.fio.ios, 0);
export const sumSyncs = (slices: Array<{ fio: FioResult }>) => slices.reduce((n, x) => n + x.fio.syncs, 0);
