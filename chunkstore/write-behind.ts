import type { BackgroundWrite, BackgroundWriter, StoreFile } from './store-fs';

/**
 * Bytes owed to the background writer beyond which a new write waits for its own completion (the caller
 * then pays the write as before): a writer that falls behind slows the callers instead of growing memory.
 */
const MAX_OWED_BYTES = 8 * 1024 * 1024;

/** Where a batch's copies start; it doubles as needed (a batch at depth 64 is ~128 KiB). */
const FIRST_BATCH_BYTES = 256 * 1024;

interface Batch {
  readonly writes: Array<{ file: StoreFile; position: number; at: number; length: number }>;
  /** the copies of the writes' data, back to back */
  bytes: Uint8Array;
  used: number;
  readonly done: Promise<void>;
  readonly settle: (error: Error | undefined) => void;
}

/**
 * Chunk page writes carried out after their caller was answered (the op's
 * log record is durable already, so the write is owed, not at risk): what one
 * event-loop turn submits goes to the BackgroundWriter as one batch, which
 * writes it on another thread, in order. PagedFile keeps each file's
 * operations after its owed writes (reads included); a checkpoint syncs a
 * file only after them (FORMAT.md "Write-behind").
 *
 * A failed write cannot be answered any more (its caller was told it
 * succeeded): it fails the store (`failure`), whose later calls all refuse;
 * the record is still in the log, so reopening the store replays it.
 */
export class WriteBehind {
  /** the batch this event-loop turn fills; sent at the turn's end */
  private open: Batch | null = null;
  private owedBytes = 0;
  /** The first failed write's error; the store refuses everything after it. */
  failure: Error | null = null;

  constructor(private readonly writer: BackgroundWriter) {}

  /** True when so much is owed that the next caller should wait for its own write. */
  get congested(): boolean {
    return this.owedBytes >= MAX_OWED_BYTES;
  }

  /**
   * Owes a write of a copy of `data` (the caller may reuse its buffer) at `position` of `file`; resolves
   * once its batch is written, after every batch before it. Rejects with the store's failure when this
   * or an earlier write failed.
   */
  write(file: StoreFile, position: number, data: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const batch = (this.open ??= this.startBatch());
    if (batch.used + data.length > batch.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(batch.bytes.length * 2, batch.used + data.length));
      grown.set(batch.bytes.subarray(0, batch.used));
      batch.bytes = grown;
    }
    batch.bytes.set(data, batch.used);
    batch.writes.push({ file, position, at: batch.used, length: data.length });
    batch.used += data.length;
    this.owedBytes += data.length;
    return batch.done;
  }

  /** Waits for every owed write, then stops the writer. */
  async close(): Promise<void> {
    while (this.open) await new Promise((resolve) => setImmediate(resolve));
    await this.writer.close();
  }

  private startBatch(): Batch {
    let settle!: Batch['settle'];
    const done = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
    done.catch(() => undefined); // each file waiting on it reports the failure; none may be waiting
    setImmediate(() => this.send()); // after this turn's callers have all owed theirs
    return { writes: [], bytes: Buffer.allocUnsafeSlow(FIRST_BATCH_BYTES), used: 0, done, settle };
  }

  private send(): void {
    const batch = this.open!;
    this.open = null;
    const { bytes, used } = batch;
    // views of one buffer: the real writer hands that buffer to its thread whole, without a copy
    const items: BackgroundWrite[] = batch.writes.map((w) => ({
      file: w.file,
      position: w.position,
      data: bytes.subarray(w.at, w.at + w.length),
    }));
    const owed = used;
    const end = (error: Error | undefined) => {
      this.owedBytes -= owed;
      if (error && !this.failure) {
        this.failure = new Error(
          `a chunk write owed after its log record failed (reopen the store to replay it): ${error.message}`,
          { cause: error },
        );
      }
      batch.settle(this.failure ?? undefined);
    };
    this.writer.writeAll(items).then(
      (errors) => end(errors.find((e) => e !== undefined)),
      (err: unknown) => end(err instanceof Error ? err : new Error(String(err))),
    );
  }
}
