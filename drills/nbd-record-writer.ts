// Host-side writer for the storage-daemon drill: the same records the guest writes, one
// acknowledged (FUA) 4 KiB NBD write per chunk, with a progress counter the drill can wait on.
import { sleep } from '../lib/wait-until';
import type { NbdClient } from './nbd-client';
import { CHUNK_BYTES, buildChunk, chunkCount, recordsAfterChunks } from './records';

interface ProgressWaiter {
  atLeast: number;
  resolve: (records: number) => void;
  reject: (error: Error) => void;
}

export class NbdRecordWriter {
  /** Records covered by chunks the server has acknowledged so far. */
  acknowledgedRecords = 0;
  private waiters: ProgressWaiter[] = [];
  private failure?: Error;

  constructor(
    private readonly client: NbdClient,
    readonly records: number,
    private readonly chunkPauseMs = 0,
  ) {}

  /** Writes every chunk in order, each acknowledged before the next is sent. */
  async run(): Promise<void> {
    try {
      for (let chunk = 0; chunk < chunkCount(this.records); chunk++) {
        await this.client.write(chunk * CHUNK_BYTES, buildChunk(chunk, this.records), { fua: true });
        this.acknowledgedRecords = recordsAfterChunks(chunk + 1, this.records);
        this.settle();
        if (this.chunkPauseMs > 0) await sleep(this.chunkPauseMs);
        // Let QMP traffic in between writes even when the socket is always ready.
        else await new Promise<void>((resolve) => setImmediate(resolve));
      }
      this.settle(true);
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.settle();
      throw this.failure;
    }
  }

  /** Resolves with the acknowledged count once it reaches `atLeast` (snapshot point by progress). */
  waitForRecords(atLeast: number, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `writer did not reach ${atLeast} records within ${timeoutMs} ms (at ${this.acknowledgedRecords})`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        atLeast,
        resolve: (records) => (clearTimeout(timer), resolve(records)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      this.settle();
    });
  }

  private settle(finished = false): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (this.acknowledgedRecords >= waiter.atLeast) waiter.resolve(this.acknowledgedRecords);
      else if (this.failure) waiter.reject(this.failure);
      else if (finished)
        waiter.reject(
          new Error(`writer finished at ${this.acknowledgedRecords} records before reaching ${waiter.atLeast}`),
        );
      else return true;
      return false;
    });
  }
}
