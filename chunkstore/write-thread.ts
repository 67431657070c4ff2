import { Worker } from 'node:worker_threads';

/**
 * One worker thread that carries out positional writes on open file
 * descriptors, batch by batch, in the order the batches were sent (one
 * thread, one message queue). Why a thread and not libuv's pool: a batch of
 * 32 page writes is one hand-off, not 32, and the pwrites' page-cache copies
 * run on the machine's other core while the event loop serves the log
 * (WriteBehind). The worker is plain JavaScript evaluated from this string, so
 * it needs no loader under tsx or in the built code.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
parentPort.on('message', ({ id, layout, data }) => {
  const at = new Float64Array(layout);
  const bytes = new Uint8Array(data);
  const errors = [];
  for (let i = 0; i < at.length; i += 4) {
    const fd = at[i], position = at[i + 1], offset = at[i + 2], length = at[i + 3];
    try {
      for (let n = 0; n < length;) n += writeSync(fd, bytes, offset + n, length - n, position + n);
    } catch (err) {
      errors.push([i / 4, String(err.code), String(err.message)]);
    }
  }
  parentPort.postMessage({ id, errors });
});
`;

/** One positional write: its bytes are `data` (a view; see writeAll). */
export interface PositionalWrite {
  readonly position: number;
  readonly data: Uint8Array;
}

type Reply = { id: number; errors: Array<[number, string, string]> };
type Waiter = { count: number; resolve: (errors: Array<Error | undefined>) => void; reject: (err: unknown) => void };

export class WriteThread {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly waiting = new Map<number, Waiter>();

  /**
   * Writes every item whole, on the descriptor `fdOf` gives, in order, after every batch sent before;
   * resolves with each item's error (undefined: written). Rejects only when the thread itself dies. When
   * all the items' data are views of one buffer (WriteBehind's batches) that buffer is handed to the thread
   * and unusable here afterwards; otherwise the data is copied.
   */
  writeAll<T extends PositionalWrite>(
    items: readonly T[],
    fdOf: (item: T) => number,
  ): Promise<Array<Error | undefined>> {
    const shared = items.length > 0 && items.every((item) => item.data.buffer === items[0]!.data.buffer);
    const data = shared ? new Uint8Array(items[0]!.data.buffer) : packed(items);
    const layout = new Float64Array(items.length * 4);
    let packedAt = 0;
    for (let k = 0; k < items.length; k++) {
      const item = items[k]!;
      layout[k * 4] = fdOf(item);
      layout[k * 4 + 1] = item.position;
      layout[k * 4 + 2] = shared ? item.data.byteOffset : packedAt;
      layout[k * 4 + 3] = item.data.length;
      packedAt += item.data.length;
    }
    const id = this.nextId++;
    const worker = (this.worker ??= this.start());
    worker.ref(); // keeps the process alive while writes are owed
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { count: items.length, resolve, reject });
      const buffer = data.buffer as ArrayBuffer;
      worker.postMessage({ id, layout: layout.buffer, data: buffer }, [layout.buffer, buffer]);
    });
  }

  /** Stops the thread once every batch sent has been written. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    while (this.waiting.size > 0) await new Promise((resolve) => setImmediate(resolve));
    this.worker = null;
    await worker.terminate();
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', ({ id, errors }: Reply) => {
      const waiter = this.waiting.get(id)!;
      this.waiting.delete(id);
      if (this.waiting.size === 0) worker.unref();
      const out: Array<Error | undefined> = new Array(waiter.count).fill(undefined);
      for (const [k, code, message] of errors) out[k] = Object.assign(new Error(message), { code });
      waiter.resolve(out);
    });
    const die = (err: unknown) => {
      for (const waiter of this.waiting.values()) waiter.reject(err);
      this.waiting.clear();
      this.worker = null;
    };
    worker.on('error', die);
    worker.on('exit', (code) => this.waiting.size > 0 && die(new Error(`write thread exited (${code})`)));
    return worker;
  }
}

function packed(items: readonly PositionalWrite[]): Uint8Array {
  const out = new Uint8Array(items.reduce((n, item) => n + item.data.length, 0));
  let at = 0;
  for (const item of items) {
    out.set(item.data, at);
    at += item.data.length;
  }
  return out;
}
