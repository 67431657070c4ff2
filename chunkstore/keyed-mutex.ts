/**
 * Per-key async mutex: tasks for one key run one at a time in arrival order,
 * tasks for different keys run concurrently. A chunk's operations are
 * multi-step (create snapshot, update metapage, COW, write data); running two
 * interleaved would break the crash-safe ordering and the in-memory state.
 */
export class KeyedMutex<K> {
  private readonly tails = new Map<K, Promise<void>>();

  async run<T>(key: K, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Tails never reject, so one failed task does not poison the queue.
    const tail = previous.then(() => done);
    this.tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Resolves once no task is queued or running for any key. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
