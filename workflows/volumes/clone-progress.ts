// What a cloneVolume run knows about its clone, readable while it runs through the
// `cloneProgress` query (and as the memo `progress`, which needs no worker to read). Carried
// across continueAsNew, so the numbers never go back. Workflow-safe: no I/O.
import { defineQuery } from '@temporalio/workflow';

export type ClonePhase = 'cloning' | 'flattening' | 'done';

export interface CloneProgress {
  sourceVolumeId: string;
  targetVolumeId: string;
  phase: ClonePhase;
  chunks: number;
  /** chunks * pages per chunk; 0 until the clone chunks exist */
  pagesTotal: number;
  /** pages the clone holds itself (pasted, or written by its user); the rest read through */
  pagesWritten: number;
  /** floor(100 * pagesWritten / pagesTotal); 100 once every chunk is flat */
  percent: number;
  /** chunks that are normal chunks now (isClone false) */
  chunksFlat: number;
  steps: number;
  /** this run's number (1 + continueAsNew count) */
  run: number;
}

export const cloneProgressQuery = defineQuery<CloneProgress>('cloneProgress');

/** The part of the state a continued run starts from. */
export interface CloneResumeState {
  cursor: number;
  steps: number;
  run: number;
  pagesPerChunk: number;
  writtenPages: number[];
  flat: boolean[];
}

export class CloneProgressState {
  phase: ClonePhase = 'cloning';
  /** next page (volume-wide index) to flatten */
  cursor = 0;
  steps = 0;
  run = 1;
  pagesPerChunk = 0;
  writtenPages: number[] = [];
  flat: boolean[] = [];

  constructor(
    private readonly sourceVolumeId: string,
    private readonly targetVolumeId: string,
    readonly chunks: number,
    resume?: CloneResumeState,
  ) {
    if (resume) {
      Object.assign(this, resume);
      this.run = resume.run + 1;
      this.phase = 'flattening';
    }
  }

  get pagesTotal(): number {
    return this.chunks * this.pagesPerChunk;
  }

  /** The clone chunks exist: every page still reads through to the source. */
  cloned(pagesPerChunk: number): void {
    this.pagesPerChunk = pagesPerChunk;
    this.writtenPages = new Array<number>(this.chunks).fill(0);
    this.flat = new Array<boolean>(this.chunks).fill(false);
    this.phase = 'flattening';
  }

  /** A chunk's state after a flatten call. Counts only grow: written pages never go back to the source. */
  observed(chunk: { chunkIndex: number; writtenPages: number; isClone: boolean }): void {
    const i = chunk.chunkIndex;
    this.writtenPages[i] = Math.max(this.writtenPages[i] ?? 0, chunk.writtenPages);
    this.flat[i] = this.flat[i] || !chunk.isClone;
  }

  view(): CloneProgress {
    const pagesWritten = this.writtenPages.reduce((n, w) => n + w, 0);
    const chunksFlat = this.flat.filter(Boolean).length;
    const percent =
      this.phase === 'done'
        ? 100
        : this.pagesTotal === 0
          ? 0
          : Math.min(99, Math.floor((100 * pagesWritten) / this.pagesTotal));
    return {
      sourceVolumeId: this.sourceVolumeId,
      targetVolumeId: this.targetVolumeId,
      phase: this.phase,
      chunks: this.chunks,
      pagesTotal: this.pagesTotal,
      pagesWritten,
      percent,
      chunksFlat,
      steps: this.steps,
      run: this.run,
    };
  }

  resumeState(): CloneResumeState {
    return {
      cursor: this.cursor,
      steps: this.steps,
      run: this.run,
      pagesPerChunk: this.pagesPerChunk,
      writtenPages: [...this.writtenPages],
      flat: [...this.flat],
    };
  }
}
