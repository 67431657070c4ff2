// What a createServer/deleteServer run knows as it goes: the step it is in and the time each
// finished step took (workflow time), readable through the `buildProgress` query while the
// build runs, and written to server_builds at the moments that matter.
import { defineQuery } from '@temporalio/workflow';
import type { SystemDiskPath } from '../../servers/builds';

export interface BuildProgress {
  step: string;
  stepTimings: Record<string, number>;
  path?: SystemDiskPath;
}

export const buildProgressQuery = defineQuery<BuildProgress>('buildProgress');

export class BuildState {
  path?: SystemDiskPath;
  readonly stepTimings: Record<string, number> = {};
  /** The first step that failed, if one did. */
  failedStep?: string;
  private readonly running: string[] = [];
  private last = 'starting';

  /** The steps in flight (`a+b` when they run side by side), else the last one that ran. */
  get step(): string {
    return this.running.length ? [...new Set(this.running)].join('+') : this.last;
  }

  set step(step: string) {
    this.last = step;
  }

  /** Runs one step (others may run beside it) and records how long it took. */
  async run<T>(step: string, call: () => Promise<T>): Promise<T> {
    this.running.push(step);
    const started = Date.now(); // workflow time: deterministic on replay
    try {
      const value = await call();
      this.stepTimings[step] = Date.now() - started;
      return value;
    } catch (err) {
      this.failedStep ??= step;
      throw err;
    } finally {
      this.running.splice(this.running.indexOf(step), 1);
      this.last = step;
    }
  }

  view(): BuildProgress {
    return { step: this.step, stepTimings: { ...this.stepTimings }, ...(this.path ? { path: this.path } : {}) };
  }
}
