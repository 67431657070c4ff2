// Compensation for a multi-step build (the saga pattern): each step that made something
// registers how to undo it; on failure the undos run newest first, each one even when an
// earlier one failed, and the outcome of each is kept for the build's record. An undo that failed
// (after its activity's retries) makes the saga one that gave up: what it should have removed is
// still there, for a retry (the build is marked stuck: workflows/undo-server-build).

export interface Undo {
  what: string;
  run: () => Promise<string | void>;
}

export class Saga {
  private readonly undos: Undo[] = [];
  /** The errors of the undos that failed in the last compensate(); empty when all got through. */
  failures: unknown[] = [];

  /** Registers an undo; `what` names it in the compensation report. */
  add(what: string, run: () => Promise<string | void>): void {
    this.undos.push({ what, run });
  }

  /** Drops the undo named `what` (its resource has been handed to something that owns it now). */
  forget(what: string): void {
    const i = this.undos.findIndex((u) => u.what === what);
    if (i >= 0) this.undos.splice(i, 1);
  }

  /** Runs every registered undo, newest first; returns what each did or why it failed. */
  async compensate(): Promise<Record<string, string>> {
    const report: Record<string, string> = {};
    this.failures = [];
    for (const undo of [...this.undos].reverse()) {
      try {
        report[undo.what] = (await undo.run()) || 'undone';
      } catch (err) {
        report[undo.what] = `failed: ${(err as Error).message}`;
        this.failures.push(err);
      }
    }
    this.undos.length = 0;
    return report;
  }
}
