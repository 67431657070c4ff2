import { join } from 'node:path';
import { fail } from './errors';
import { findChain, type LogChain, type TailRecord } from './log-chain';
import { CheckpointFile } from './log-checkpoint';
import { encodeRecord, recordSize, type LoggedOp } from './log-record';
import { LogSegment } from './log-segment';
import type { StoreFs } from './store-fs';
import type { SyncIoPolicy } from './sync-io-policy';

/**
 * The store's write-ahead op log (FORMAT.md "Op log"), after braft's log
 * manager and Curve's walfilepool: records are appended to preallocated
 * segments `log_<n>` (zero-filled at creation, reused after a checkpoint, so
 * an append changes no file metadata and fdatasync is enough). Group commit:
 * one writer; what arrives while a write + sync runs goes out together in the
 * next one (no delay is added to wait for more). A lone caller pays one write
 * and one fdatasync, both on the event loop (SyncIoPolicy: the write is a
 * page-cache copy, and with nothing else in progress a pool trip would only add
 * its hand-off to the sync); with other operations in progress the fdatasync
 * goes through libuv's pool while the event loop serves them.
 */

export type SyncMode = 'always' | 'batch';

export interface OpLogOptions {
  readonly segmentSize: number;
  readonly sync: SyncMode;
  /** batch mode: how long an acknowledged record may stay unsynced */
  readonly batchIntervalMs: number;
  /** more segments in use (not free) than this make the log ask for a checkpoint */
  readonly checkpointSegments: number;
}

/** Most bytes one write + sync carries (braft: 256 entries / 256 KiB; larger suits 4 KiB pages at depth 64). */
const MAX_BATCH_BYTES = 1024 * 1024;
/**
 * A synced batch is padded up to a multiple of this, so the next batch starts
 * in a fresh block and no fdatasync rewrites a block an earlier one made
 * durable (4160-byte appends synced one by one ran at ~60 % of 4096-byte ones:
 * fio --rw=write --fdatasync=1 on this machine).
 */
const BLOCK = 4096;

interface Pending {
  readonly seq: number;
  readonly op: LoggedOp;
  readonly size: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class OpLog {
  private readonly free: LogSegment[] = [];
  private readonly used: LogSegment[] = [];
  private current: LogSegment | null = null;
  private position = 0;
  private nextSeq: number;
  private readonly queue: Pending[] = [];
  private flushing = false;
  private unsynced = false;
  private failed: unknown = null;
  private spare: Promise<void> | null = null;
  private readonly inFlight = new Set<number>();
  private readonly timer: NodeJS.Timeout | null;
  /** Called when enough segments are in use that a checkpoint would free some. */
  onCheckpointWanted: () => void = () => {};

  private constructor(
    private readonly fs: StoreFs,
    private readonly dir: string,
    private readonly opts: OpLogOptions,
    private readonly io: SyncIoPolicy,
    private readonly checkpoints: CheckpointFile,
    private readonly epoch: number,
    private checkpointSeq: number,
    segments: LogSegment[],
    chain: LogChain,
  ) {
    this.free.push(...segments.filter((seg) => !chain.segments.includes(seg)));
    this.used.push(...chain.segments);
    this.current = chain.segments.at(-1) ?? null;
    this.position = chain.position;
    this.nextSeq = chain.nextSeq;
    this.releaseCheckpointed();
    this.timer = opts.sync === 'batch' ? setInterval(() => void this.syncIdle(), opts.batchIntervalMs) : null;
    this.timer?.unref();
  }

  /**
   * Opens the log in `dir`: a new epoch is recorded, then the records after
   * the checkpoint are found (the chain of segments, seq by seq, as long as
   * CRCs hold). Returns them for replay; appends continue after the last one.
   */
  static async open(
    fs: StoreFs,
    dir: string,
    opts: OpLogOptions,
    io: SyncIoPolicy,
  ): Promise<{ log: OpLog; replay: TailRecord[] }> {
    const { file, state } = await CheckpointFile.open(fs, dir);
    const epoch = state.epoch + 1;
    if (epoch > 0xffffffff) fail('InvalidArgError', 'op log epoch overflow');
    await file.write({ epoch, seq: state.seq });
    const segments: LogSegment[] = [];
    for (const name of await fs.readdir(dir)) {
      if (name.startsWith('log_') && name.endsWith('.tmp')) await fs.remove(join(dir, name));
      const index = LogSegment.indexOf(name);
      if (index !== null) segments.push(await LogSegment.open(fs, dir, index));
    }
    const chain = findChain(segments, state, epoch, opts.segmentSize);
    return { log: new OpLog(fs, dir, opts, io, file, epoch, state.seq, segments, chain), replay: chain.records };
  }

  /**
   * Appends `op`; resolves with its seq once the record is durable ('always')
   * or written to the log file ('batch'). The caller reports `applied(seq)`
   * when the op has been carried out.
   */
  append(op: LoggedOp): Promise<number> {
    if (this.failed) return Promise.reject(this.failed);
    const size = recordSize(op);
    if (size > this.opts.segmentSize) fail('InvalidArgError', `a record of ${size} bytes exceeds the log segment`);
    const seq = this.nextSeq++;
    this.inFlight.add(seq);
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ seq, op, size, resolve: () => resolve(seq), reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** The op `seq` was applied to the chunk files (or refused): a checkpoint may cover it. */
  applied(seq: number): void {
    this.inFlight.delete(seq);
  }

  /** Highest seq such that every op up to it was applied. */
  appliedThrough(): number {
    let low = this.nextSeq;
    for (const seq of this.inFlight) low = Math.min(low, seq);
    return low - 1;
  }

  /** Records that every op up to `seq` is durable in the chunk files; frees the segments it covers. */
  async checkpointed(seq: number): Promise<void> {
    if (seq <= this.checkpointSeq) return;
    await this.checkpoints.write({ epoch: this.epoch, seq });
    this.checkpointSeq = seq;
    this.releaseCheckpointed();
  }

  /** Waits for queued records, syncs, stops. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    while (this.flushing) await new Promise((resolve) => setImmediate(resolve));
    await this.spare?.catch(() => undefined);
    if (this.unsynced && this.current) await this.current.file.datasync();
    await Promise.all([...this.used, ...this.free].map((s) => s.file.close()));
    await this.checkpoints.close();
  }

  /**
   * The group-commit writer: one write + one sync for everything queued. A
   * synced batch's callers are told only once the next batch's write and sync
   * have started: they then apply their ops to the chunks (and queue their next
   * ones) while the device syncs, instead of the device waiting for them.
   */
  private async flush(): Promise<void> {
    this.flushing = true;
    let synced: Pending[] = [];
    try {
      while (this.queue.length > 0 && !this.failed) {
        // writeBatch empties `synced` in place as it resolves it, whatever happens to the next batch
        synced = await this.writeBatch(synced);
      }
    } catch (err) {
      // durability of what was written is unknown: refuse everything from now on
      this.failed = err;
    } finally {
      this.flushing = false;
      for (const p of synced) p.resolve();
    }
    if (this.failed) for (const p of this.queue.splice(0)) p.reject(this.failed);
  }

  /** Writes and syncs the next batch, resolving `previous` once that is under way; returns the batch. */
  private async writeBatch(previous: Pending[]): Promise<Pending[]> {
    const release = () => {
      for (const p of previous.splice(0)) p.resolve();
    };
    try {
      return await this.writeBatchThen(release);
    } finally {
      release(); // durable already, whatever happens to this batch
    }
  }

  private async writeBatchThen(release: () => void): Promise<Pending[]> {
    const batch = await this.takeBatch(release);
    const bytes = batch.reduce((n, p) => n + p.size, 0);
    const pad = this.padding(bytes);
    const buf = Buffer.allocUnsafe(bytes + pad);
    const last = batch[batch.length - 1];
    let at = 0;
    for (const p of batch) {
      encodeRecord({ seq: p.seq, epoch: this.epoch, op: p.op, pad: p === last ? pad : 0 }, buf, at);
      at += p.size;
    }
    buf.fill(0, bytes);
    const seg = this.current!;
    try {
      await this.io.writeBatch(seg.file, this.position, buf);
      this.position += buf.length;
      seg.lastSeq = last.seq;
      // the next segment is made ahead, off the appenders' path, once this one is half full
      if (this.free.length === 0 && this.position > this.opts.segmentSize / 2) {
        void this.makeSpare().catch(() => undefined);
      }
      this.unsynced = true;
      const durable = this.opts.sync === 'always' ? this.syncCurrent() : null; // the sync is under way now
      release();
      await durable;
    } catch (err) {
      for (const p of batch) p.reject(err);
      throw err;
    }
    return batch;
  }

  /** Zero bytes after a batch of `bytes` so that the next one starts a block (within the segment; 'always' only). */
  private padding(bytes: number): number {
    if (this.opts.sync !== 'always') return 0; // batch mode syncs by time: blocks are rewritten anyway
    const end = this.position + bytes;
    return Math.min((BLOCK - (end % BLOCK)) % BLOCK, this.opts.segmentSize - end);
  }

  /**
   * The queued records that fit the current segment (moving to the next one when the first does not,
   * after `release`: the callers of the previous batch need not wait for a segment switch).
   */
  private async takeBatch(release: () => void): Promise<Pending[]> {
    if (!this.current || this.position + this.queue[0].size > this.opts.segmentSize) {
      release();
      await this.nextSegment();
    }
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length) {
      const size = this.queue[n].size;
      if (this.position + bytes + size > this.opts.segmentSize || (n > 0 && bytes + size > MAX_BATCH_BYTES)) break;
      bytes += size;
      n++;
    }
    return this.queue.splice(0, n);
  }

  /** `background`: nobody waits for this sync (batch mode's timer), so it never blocks the event loop. */
  private async syncCurrent(background = false): Promise<void> {
    this.unsynced = false;
    const file = this.current!.file;
    await (background ? file.datasync() : this.io.flush(file));
  }

  private async syncIdle(): Promise<void> {
    if (this.flushing || !this.unsynced || this.failed) return;
    this.flushing = true;
    try {
      await this.syncCurrent(true);
    } catch (err) {
      this.failed = err;
    } finally {
      this.flushing = false;
      if (this.queue.length > 0) void this.flush();
    }
  }

  private async nextSegment(): Promise<void> {
    // batch mode: what was acknowledged in the old segment is synced before the new one is used
    if (this.unsynced && this.current) await this.syncCurrent();
    if (this.free.length === 0) await this.makeSpare();
    const seg = this.free.shift()!;
    seg.lastSeq = 0;
    this.used.push(seg);
    this.current = seg;
    this.position = 0;
    if (this.used.length > this.opts.checkpointSegments) this.onCheckpointWanted();
  }

  /** Preallocates one more segment (zero-filled, synced, renamed into place); one at a time. */
  private makeSpare(): Promise<void> {
    this.spare ??= this.createSegment().finally(() => (this.spare = null));
    return this.spare;
  }

  private async createSegment(): Promise<void> {
    const index = Math.max(-1, ...[...this.used, ...this.free].map((s) => s.index)) + 1;
    this.free.push(await LogSegment.create(this.fs, this.dir, index, this.opts.segmentSize));
  }

  /** Segments whose records are all checkpointed become free (the current one stays). */
  private releaseCheckpointed(): void {
    for (const seg of [...this.used]) {
      if (seg === this.current || seg.lastSeq > this.checkpointSeq) continue;
      this.used.splice(this.used.indexOf(seg), 1);
      this.free.push(seg);
    }
  }
}
