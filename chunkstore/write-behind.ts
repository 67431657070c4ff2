import type { BackgroundWrite, BackgroundWriter, StoreFile } from './store-fs';

/**
 * Bytes owed to the background writer beyond which a new write waits for its own completion (the caller
 * then pays the write as before): a writer that falls behind slows the callers instead of growing memory.
 */
const MAX_OWED_BYTES = 8 * 1024 * 1024;

interface Owed {
  readonly write: BackgroundWrite;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
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
  private queue: Owed[] = [];
  private scheduled = false;
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
   * once it is written, after every write owed before it. Rejects with the write's error, or with the
   * store's failure when an earlier write failed.
   */
  write(file: StoreFile, position: number, data: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.owedBytes += data.length;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ write: { file, position, data: data.slice() }, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.send()); // after this turn's callers have all queued theirs
      }
    });
  }

  /** Waits for every owed write, then stops the writer. */
  async close(): Promise<void> {
    while (this.scheduled) await new Promise((resolve) => setImmediate(resolve));
    await this.writer.close();
  }

  private send(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    this.writer.writeAll(batch.map((o) => o.write)).then(
      (errors) => batch.forEach((o, k) => this.settle(o, errors[k])),
      (err: unknown) => batch.forEach((o) => this.settle(o, err instanceof Error ? err : new Error(String(err)))),
    );
  }

  private settle(owed: Owed, error: Error | undefined): void {
    this.owedBytes -= owed.write.data.length;
    if (error) {
      this.failure ??= new Error(
        `a chunk write owed after its log record failed (reopen the store to replay it): ${error.message}`,
        { cause: error },
      );
      owed.reject(this.failure);
    } else if (this.failure) owed.reject(this.failure);
    else owed.resolve();
  }
}
