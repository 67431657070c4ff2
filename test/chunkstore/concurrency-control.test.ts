import { describe, expect, it } from 'vitest';
import type { ChunkInfo } from '../../chunkstore/index';
import { checkHistory, type Entry } from './concurrency-checker';
import { Recorder, runSeed, type Target, type Workload } from './concurrency-workload';
import { GEOMETRY, PAGE, withStoreDir } from './replay-env';

/**
 * Controls for the concurrency checker: it must accept a legal history whose
 * completion order is not a valid order, and it must reject histories from
 * deliberately broken stores (a wrapper around the real DataStore that
 * corrupts one result, one that breaks the per-chunk serialization of writes).
 */

/** Forwards every call to the real store. */
class Forward implements Target {
  constructor(protected readonly inner: Target) {}
  writeChunk(id: number, sn: number, data: Uint8Array, offset: number) {
    return this.inner.writeChunk(id, sn, data, offset);
  }
  readChunk(id: number, sn: number, offset: number, length: number) {
    return this.inner.readChunk(id, sn, offset, length);
  }
  readSnapshotChunk(id: number, sn: number, offset: number, length: number) {
    return this.inner.readSnapshotChunk(id, sn, offset, length);
  }
  deleteChunk(id: number, sn: number) {
    return this.inner.deleteChunk(id, sn);
  }
  deleteSnapshotChunkOrCorrectSn(id: number, c: number) {
    return this.inner.deleteSnapshotChunkOrCorrectSn(id, c);
  }
  createCloneChunk(id: number, sn: number, c: number, size: number, location: string) {
    return this.inner.createCloneChunk(id, sn, c, size, location);
  }
  pasteChunk(id: number, data: Uint8Array, offset: number) {
    return this.inner.pasteChunk(id, data, offset);
  }
  getChunkInfo(id: number) {
    return this.inner.getChunkInfo(id);
  }
}

/** Returns a wrong correctedSn from the n-th successful getChunkInfo. */
class CorruptOneInfo extends Forward {
  private seen = 0;
  corrupted = false;
  constructor(
    inner: Target,
    private readonly n: number,
  ) {
    super(inner);
  }
  override async getChunkInfo(id: number): Promise<ChunkInfo> {
    const info = await this.inner.getChunkInfo(id);
    if (++this.seen !== this.n) return info;
    this.corrupted = true;
    return { ...info, correctedSn: info.correctedSn + 1000 };
  }
}

/** Splits every multi-page write into one call per page: no longer atomic per chunk. */
class TornWrites extends Forward {
  override async writeChunk(id: number, sn: number, data: Uint8Array, offset: number): Promise<void> {
    if (data.length <= PAGE || data.length % PAGE || offset % PAGE) return this.inner.writeChunk(id, sn, data, offset);
    for (let at = 0; at < data.length; at += PAGE)
      await this.inner.writeChunk(id, sn, data.subarray(at, at + PAGE), offset + at);
  }
}

async function history(wrap: (t: Target) => Target, w: Workload): Promise<Entry[]> {
  const rec = new Recorder(GEOMETRY);
  await withStoreDir(async (env) => {
    const target = wrap(env.store);
    await rec.run(target, w);
    await rec.observe(target, w.chunks, 'final');
  });
  return rec.entries;
}

const entry = (e: Partial<Entry> & Pick<Entry, 'op' | 'inv' | 'res' | 'observed' | 'by'>): Entry => ({
  chunk: 1,
  ...e,
});
const tag = (t: number) => ({ kind: 'write' as const, sn: 1, offset: 0, length: PAGE, tags: [t] });

describe('concurrency checker controls', () => {
  it('accepts a legal history that is only linearizable against completion order', () => {
    // A and B overlap; B completed first but the read (after both) sees B's data, so A must come first
    const h = [
      entry({ by: 'A', op: tag(11), inv: 1, res: 4, observed: { ok: true } }),
      entry({ by: 'B', op: tag(22), inv: 2, res: 3, observed: { ok: true } }),
      entry({
        by: 'R',
        op: { kind: 'read', sn: 1, offset: 0, length: PAGE },
        inv: 5,
        res: 6,
        observed: { ok: true, pages: [22] },
      }),
    ];
    expect(checkHistory(GEOMETRY, h).failures).toEqual([]);
  });

  it('rejects a history that needs a write to take effect after a later read', () => {
    const h = [
      entry({ by: 'A', op: tag(11), inv: 1, res: 2, observed: { ok: true } }),
      entry({
        by: 'R',
        op: { kind: 'read', sn: 1, offset: 0, length: PAGE },
        inv: 3,
        res: 4,
        observed: { ok: true, pages: [33] },
      }),
      entry({ by: 'C', op: tag(33), inv: 5, res: 6, observed: { ok: true } }),
    ];
    const verdict = checkHistory(GEOMETRY, h);
    expect(verdict.ok).toBe(false);
    expect(verdict.failures[0]).toContain('R read');
  });

  it('catches a store wrapper that corrupts one getChunkInfo result', async () => {
    const w: Workload = { seed: runSeed(), writers: 10, opsPerWriter: 60, chunks: [3], geometry: GEOMETRY };
    let wrapper: CorruptOneInfo | undefined;
    const entries = await history((t) => (wrapper = new CorruptOneInfo(t, 20)), w);
    expect(wrapper?.corrupted, `CHUNKSTORE_SEED=${w.seed}`).toBe(true);
    const verdict = checkHistory(GEOMETRY, entries, { budget: 50_000 });
    expect(verdict.ok, `CHUNKSTORE_SEED=${w.seed}`).toBe(false);
    expect(verdict.failures.join('\n'), `CHUNKSTORE_SEED=${w.seed}`).toMatch(/"correctedSn":\d{4}/);
  });

  it('catches a store wrapper whose writes are not serialized per chunk (torn writes)', async () => {
    const w: Workload = { seed: runSeed(), writers: 10, opsPerWriter: 250, chunks: [5], geometry: GEOMETRY };
    const verdict = checkHistory(GEOMETRY, await history((t) => new TornWrites(t), w), { budget: 50_000 });
    expect(verdict.ok, `CHUNKSTORE_SEED=${w.seed}: torn writes went unnoticed`).toBe(false);
  });
});
