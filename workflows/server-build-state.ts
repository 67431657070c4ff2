// What a createServer/deleteServer run knows as it goes: the step it is in and the time each
// finished step took (workflow time), readable through the `buildProgress` query while the
// build runs, and written to server_builds at the moments that matter.
import { defineQuery } from '@temporalio/workflow';
import type { SystemDiskPath } from '../servers/builds';

export interface BuildProgress {
  step: string;
  stepTimings: Record<string, number>;
  path?: SystemDiskPath;
}

export const buildProgressQuery = defineQuery<BuildProgress>('buildProgress');

export class BuildState {
  step = 'starting';
  path?: SystemDiskPath;
  readonly stepTimings: Record<string, number> = {};

  /** Runs one step and records how long it took. */
  async run<T>(step: string, call: () => Promise<T>): Promise<T> {
    this.step = step;
    const started = Date.now(); // workflow time: deterministic on replay
    const value = await call();
    this.stepTimings[step] = Date.now() - started;
    return value;
  }

  view(): BuildProgress {
    return { step: this.step, stepTimings: { ...this.stepTimings }, ...(this.path ? { path: this.path } : {}) };
  }
}
