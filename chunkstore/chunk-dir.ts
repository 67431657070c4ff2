import { ChunkFile } from './chunk-file';
import { ChunkStoreError, fail } from './errors';
import { chunkFileName, type FilePool } from './file-pool';
import type { Geometry } from './geometry';
import type { TailRecord } from './log-chain';
import type { LoggedOp } from './log-record';

/**
 * For chunks missing on disk: the seq of their last DeleteChunk in the replayed
 * tail. Ops up to it are skipped: the chunk was gone after it (a refused delete
 * would have left the chunk durable on disk), and replaying them on an empty
 * chunk could build a state the delete did not remove.
 */
function lastDeletes(tail: readonly TailRecord[], exists: (id: number) => boolean): Map<number, number> {
  const out = new Map<number, number>();
  for (const rec of tail) if (rec.kind === 'delete' && !exists(rec.id)) out.set(rec.id, rec.seq);
  return out;
}

/** Replayed ops may be refused (already applied, Curve's BackwardRequestError and friends); anything else is not. */
function expectedOnReplay(err: unknown): void {
  if (!(err instanceof ChunkStoreError)) throw err;
}

/**
 * The chunk files of a store directory (FORMAT.md "File names"), open, by
 * chunk id: loaded at open, changed by the op log's mutations (applied the
 * first time and on replay alike), synced by a checkpoint. Not
 * concurrency-safe by itself: DataStore serializes the operations on a chunk.
 */
export class ChunkDir {
  private readonly chunks = new Map<number, ChunkFile>();

  constructor(
    private readonly pool: FilePool,
    private readonly geometry: Geometry,
  ) {}

  /**
   * Removes leftover `.tmp` files and orphan snapshots, loads every chunk and
   * snapshot metapage.
   * @throws CrcCheckError (damaged metapage), SnapshotConflictError (two snapshots of a chunk).
   */
  async load(): Promise<void> {
    const entries = await this.pool.scan();
    const snapshots: Array<{ name: string; id: number; sn: number }> = [];
    for (const { name, parsed } of entries) {
      if (parsed.kind === 'tmp') await this.pool.remove(name);
      else if (parsed.kind === 'snapshot') snapshots.push({ name, ...parsed });
      else this.chunks.set(parsed.id, await ChunkFile.load(this.pool, parsed.id, this.geometry));
    }
    for (const snap of snapshots) {
      const chunk = this.chunks.get(snap.id);
      // DeleteChunk refuses while a snapshot exists, so an orphan can only be
      // left by outside tampering; nothing can reach it through the API.
      if (!chunk) await this.pool.remove(snap.name);
      else await chunk.loadSnapshot(snap.sn);
    }
  }

  /**
   * Replays the log's tail after the checkpoint, in seq order, idempotent by seq (FORMAT.md "Open").
   * @throws what apply throws but a refusal (ChunkStoreError: already applied).
   */
  async replay(tail: readonly TailRecord[]): Promise<void> {
    const skip = lastDeletes(tail, (id) => this.chunks.has(id));
    for (const entry of tail) {
      if (entry.seq <= (skip.get(entry.id) ?? 0)) continue;
      const rec = entry.read();
      await this.apply(rec.op, rec.seq).catch(expectedOnReplay);
    }
  }

  /** Carries out a mutation on the chunk files: the first time and on replay alike. */
  async apply(op: LoggedOp, seq: number): Promise<void> {
    const chunk = this.chunks.get(op.id);
    // idempotent replay by seq: this op is already durable in the chunk
    if (chunk && seq <= chunk.appliedSeq) return;
    try {
      await this.applyTo(chunk, op, seq);
    } finally {
      const now = this.chunks.get(op.id);
      if (now) now.doneSeq = seq;
    }
  }

  private async applyTo(chunk: ChunkFile | undefined, op: LoggedOp, seq: number): Promise<void> {
    switch (op.kind) {
      case 'write': {
        const target = chunk ?? (await this.createChunk(op.id, op.sn, 0, '', seq));
        return target.write(op.sn, op.data, op.offset);
      }
      case 'paste':
        return this.existing(op.id).paste(op.data, op.offset);
      case 'delete':
        if (!chunk) return;
        chunk.checkDeletable(op.sn);
        // Forget it before touching disk: a failed unlink must not leave a
        // closed handle in the map (a later write recreates the file).
        this.chunks.delete(op.id);
        return chunk.destroy();
      case 'deleteSnap':
        return chunk?.deleteSnapshotOrCorrectSn(op.correctedSn);
      case 'clone':
        if (!chunk) {
          await this.createChunk(op.id, op.sn, op.correctedSn, op.location, seq);
        } else if (!chunk.createdAs(op.sn, op.correctedSn, op.location)) {
          fail('ChunkConflictError', `chunk ${op.id} exists with other state`);
        }
    }
  }

  /** Created by op `seq`: every earlier op on this id is durable (the chunk was deleted or never made). */
  private async createChunk(id: number, sn: number, correctedSn: number, location: string, seq: number) {
    const chunk = await ChunkFile.create(this.pool, id, { sn, correctedSn, location }, this.geometry, seq - 1);
    this.chunks.set(id, chunk);
    return chunk;
  }

  /** Syncs every chunk's unsynced data (a checkpoint; without the chunks' locks, FORMAT.md "Checkpoint"). */
  async syncAll(): Promise<void> {
    for (const id of [...this.chunks.keys()]) await this.chunks.get(id)?.syncData();
  }

  async closeAll(): Promise<void> {
    const chunks = [...this.chunks.values()];
    this.chunks.clear();
    await Promise.all(chunks.map((chunk) => chunk.close()));
  }

  /** @throws ChunkNotExistError */
  existing(id: number): ChunkFile {
    return this.chunks.get(id) ?? fail('ChunkNotExistError', `${chunkFileName(id)} does not exist`);
  }
}
