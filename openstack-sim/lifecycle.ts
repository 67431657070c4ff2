import type { Scheduler, TransitionKind } from './scheduler';
import type { Pending } from './state';

interface WithPending<To extends string> {
  id: string;
  pending?: Pending<To>;
}

/** Records that `record` becomes `to` after `delayMs`, and arms the timer for it. */
export function schedule<To extends string>(
  scheduler: Scheduler,
  kind: TransitionKind,
  record: WithPending<To>,
  to: To,
  delayMs: number,
): void {
  record.pending = { to, at: Date.now() + delayMs };
  scheduler.at(kind, record.id, record.pending.at);
}

/** Drops a record's pending transition (a fault or a newer transition overrides it). */
export function unschedule(scheduler: Scheduler, kind: TransitionKind, record: WithPending<string>): void {
  delete record.pending;
  scheduler.cancel(kind, record.id);
}

/** Re-arms the timers of records restored from a state file. */
export function resume(scheduler: Scheduler, kind: TransitionKind, records: Iterable<WithPending<string>>): void {
  for (const record of records) if (record.pending) scheduler.at(kind, record.id, record.pending.at);
}

/** Takes the pending transition off a record when its timer fires. */
export function takePending<To extends string>(record: WithPending<To> | undefined): To | undefined {
  const to = record?.pending?.to;
  if (record) delete record.pending;
  return to;
}

interface WithStatus extends WithPending<string> {
  status: string;
  updatedAt: number | null;
}

/**
 * Applies a record's pending transition when its timer fires: "deleted" removes
 * the record, anything else becomes its status. False when nothing was pending.
 */
export function settleStatus(record: WithStatus | undefined, remove: (id: string) => void): boolean {
  const to = takePending(record);
  if (!record || !to) return false;
  if (to === 'deleted') remove(record.id);
  else {
    record.status = to;
    record.updatedAt = Date.now();
  }
  return true;
}
