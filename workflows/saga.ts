// Compensation for a multi-step build (the saga pattern): each step that made something
// registers how to undo it; on failure the undos run newest first, each one even when an
// earlier one failed, and the outcome of each is kept for the build's record.

export interface Undo {
  what: string;
  run: () => Promise<string | void>;
}

export class Saga {
  private readonly undos: Undo[] = [];

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
    for (const undo of [...this.undos].reverse()) {
      try {
        report[undo.what] = (await undo.run()) || 'undone';
      } catch (err) {
        report[undo.what] = `failed: ${(err as Error).message}`;
      }
    }
    this.undos.length = 0;
    return report;
  }
}
