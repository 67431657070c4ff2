/**
 * Timers for the cloud's timed transitions, keyed by (kind, id) so a record has at
 * most one pending transition and it can be cancelled (e.g. when a fault overrides
 * the record). Handlers are registered per kind and receive only the id: the
 * transition itself is stored on the record, which keeps state serialisable.
 */
export type TransitionKind = 'volume' | 'snapshot' | 'server';

export class Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly handlers = new Map<TransitionKind, (id: string) => void>();
  private stopped = false;

  on(kind: TransitionKind, handler: (id: string) => void): void {
    this.handlers.set(kind, handler);
  }

  /** Runs the kind's handler for `id` at epoch-ms `at` (immediately if already past). */
  at(kind: TransitionKind, id: string, at: number): void {
    if (this.stopped) return;
    this.cancel(kind, id);
    const key = `${kind}:${id}`;
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        this.handlers.get(kind)?.(id);
      },
      Math.max(0, at - Date.now()),
    );
    // Pending transitions must never keep a test process alive on their own.
    timer.unref();
    this.timers.set(key, timer);
  }

  cancel(kind: TransitionKind, id: string): void {
    const key = `${kind}:${id}`;
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
