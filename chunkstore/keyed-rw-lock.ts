/**
 * Per-key reader/writer lock. Exclusive tasks for one key run one at a time;
 * shared tasks for one key run together; different keys never wait for each
 * other. Waiters are served in arrival order (a shared task that arrives
 * after a waiting exclusive one waits too), so writers are not starved and
 * every chunk's history stays linearizable.
 *
 * Why: a chunk's mutations are multi-step (create snapshot, update metapage,
 * COW, write data); two interleaved would break the crash-safe ordering and
 * the in-memory state. Reads change nothing, so they need only exclude
 * mutations, not each other: several large reads of one chunk then overlap
 * in the thread pool instead of queueing.
 */
export class KeyedRwLock<K> {
  private readonly states = new Map<K, KeyState>();
  private idleWaiters: Array<() => void> = [];

  /** Runs `task` alone for `key`. */
  exclusive<T>(key: K, task: () => Promise<T>): Promise<T> {
    return this.run(key, false, task);
  }

  /** Runs `task` alongside other shared tasks for `key`, never alongside an exclusive one. */
  shared<T>(key: K, task: () => Promise<T>): Promise<T> {
    return this.run(key, true, task);
  }

  /** Resolves once no task is queued or running for any key. */
  async idle(): Promise<void> {
    while (this.states.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private async run<T>(key: K, shared: boolean, task: () => Promise<T>): Promise<T> {
    let state = this.states.get(key);
    if (!state) {
      state = { readers: 0, writer: false, queue: [] };
      this.states.set(key, state);
    }
    if (state.queue.length === 0 && canEnter(state, shared)) enter(state, shared);
    // the waker enters on our behalf before waking us (see drain)
    else await new Promise<void>((wake) => state.queue.push({ shared, wake }));
    try {
      return await task();
    } finally {
      if (shared) state.readers--;
      else state.writer = false;
      this.drain(key, state);
    }
  }

  private drain(key: K, state: KeyState): void {
    while (state.queue.length > 0 && canEnter(state, state.queue[0]!.shared)) {
      const next = state.queue.shift()!;
      enter(state, next.shared);
      next.wake();
    }
    if (state.readers === 0 && !state.writer && state.queue.length === 0) {
      this.states.delete(key);
      if (this.states.size === 0 && this.idleWaiters.length > 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const wake of waiters) wake();
      }
    }
  }
}

interface KeyState {
  readers: number;
  writer: boolean;
  queue: Array<{ shared: boolean; wake: () => void }>;
}

function canEnter(state: KeyState, shared: boolean): boolean {
  return !state.writer && (shared || state.readers === 0);
}

function enter(state: KeyState, shared: boolean): void {
  if (shared) state.readers++;
  else state.writer = true;
}
