// What long work on a volume reports as it goes, and where it may stop: the activity layer turns
// these into Temporal heartbeats and its cancellation; a test or a benchmark passes NO_PROGRESS.

export interface Progress {
  /** After each unit of work, with what is done so far (an activity's heartbeat details). */
  report(details: Record<string, number>): void;
  /** Between units: rejects when the work is to stop (a cancelled activity); a retry resumes from the store. */
  checkpoint(): Promise<void>;
}

export const NO_PROGRESS: Progress = { report: () => undefined, checkpoint: async () => undefined };

/** A refusal that depends only on the request and the store's state: it comes back the same on a retry. */
export class VolumeRefusal extends Error {
  constructor(
    readonly code: 'InvalidArgError' | 'BadCloneLocation' | 'CloneChainTooDeep',
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}
