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
  private tasks = 0;
  /**
   * Idle keys keep their state object: deleting it after every task and
   * recreating it for the next cost a third of a small read (Map churn on
   * non-Smi numeric keys, an allocation). Idle states are swept once the map
   * has doubled since the last sweep, so deleted chunks do not pile up.
   */
  private sweepAt = MIN_SWEEP_AT;

  /** Tasks running or queued, over all keys. */
  get pending(): number {
    return this.tasks;
  }

  /** Runs `task` alone for `key`. */
  exclusive<T>(key: K, task: () => Promise<T>): Promise<T> {
    return this.run(key, false, task);
  }

  /** Runs `task` alongside other shared tasks for `key`, never alongside an exclusive one. */
  shared<T>(key: K, task: () => Promise<T>): Promise<T> {
    return this.run(key, true, task);
  }

  /**
   * True when a shared task for `key` would start at once (no exclusive task
   * runs or waits). A caller whose work then completes synchronously, in the
   * same tick, may skip the lock: nothing can interleave with it.
   */
  sharedNow(key: K): boolean {
    const state = this.states.get(key);
    return !state || (!state.writer && state.queue.length === 0);
  }

  /** Resolves once no task is queued or running for any key. */
  async idle(): Promise<void> {
    while (this.tasks > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  // Not `async`: an uncontended task (the common case) costs one `.then`, no
  // async frames; the store's small I/O takes ~2 µs, so this is measurable.
  private run<T>(key: K, shared: boolean, task: () => Promise<T>): Promise<T> {
    let state = this.states.get(key);
    if (!state) {
      state = { readers: 0, writer: false, queue: [] };
      this.states.set(key, state);
    }
    this.tasks++;
    if (state.queue.length === 0 && canEnter(state, shared)) {
      enter(state, shared);
      return this.runEntered(state, shared, task);
    }
    // the waker enters on our behalf before waking us (see drain)
    const queued = state;
    return new Promise<void>((wake) => queued.queue.push({ shared, wake })).then(() =>
      this.runEntered(queued, shared, task),
    );
  }

  private runEntered<T>(state: KeyState, shared: boolean, task: () => Promise<T>): Promise<T> {
    let result: Promise<T>;
    try {
      result = task();
    } catch (err) {
      result = Promise.reject(err);
    }
    return result.then(
      (value) => {
        this.leave(state, shared);
        return value;
      },
      (err: unknown) => {
        this.leave(state, shared);
        throw err;
      },
    );
  }

  private leave(state: KeyState, shared: boolean): void {
    this.tasks--;
    if (shared) state.readers--;
    else state.writer = false;
    this.drain(state);
  }

  private drain(state: KeyState): void {
    while (state.queue.length > 0 && canEnter(state, state.queue[0]!.shared)) {
      const next = state.queue.shift()!;
      enter(state, next.shared);
      next.wake();
    }
    if (this.tasks === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
    if (this.states.size > this.sweepAt) this.sweepIdle();
  }

  private sweepIdle(): void {
    for (const [key, state] of this.states) if (isIdle(state)) this.states.delete(key);
    this.sweepAt = Math.max(MIN_SWEEP_AT, 2 * this.states.size);
  }

  /** Keys holding a state object (tests: idle ones are swept). */
  get trackedKeys(): number {
    return this.states.size;
  }
}

interface KeyState {
  readers: number;
  writer: boolean;
  queue: Array<{ shared: boolean; wake: () => void }>;
}

const MIN_SWEEP_AT = 1024;

function isIdle(state: KeyState): boolean {
  return state.readers === 0 && !state.writer && state.queue.length === 0;
}

function canEnter(state: KeyState, shared: boolean): boolean {
  return !state.writer && (shared || state.readers === 0);
}

function enter(state: KeyState, shared: boolean): void {
  if (shared) state.readers++;
  else state.writer = true;
}
