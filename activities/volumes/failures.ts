// Which failures are worth a retry. Every refusal of the store (a ChunkStoreError: bad argument,
// a target that exists as something else, a source that is gone, a damaged metapage) depends only
// on the request and the store's state, so it comes back the same on every attempt: it fails the
// activity at once, with the store's code as the failure type, instead of burning the retry
// budget. Everything else (an I/O error, a worker dying mid-call) is retried: the store's
// operations are idempotent on replay (FORMAT.md), so a retry finishes what the attempt began.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ChunkStoreError } from '../../chunkstore/index';
import { VolumeRefusal, type Progress } from '../../chunk-volumes/progress';

export function permanent(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** Runs `call`; a permanent store refusal becomes a non-retryable failure typed with its code. */
export async function classifyStoreErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ChunkStoreError || err instanceof VolumeRefusal) throw permanent(err.code, err.message);
    throw err;
  }
}

/** The running activity's heartbeat, and its cancellation (or the worker's shutdown) as the place to stop. */
export function activityProgress(): Progress {
  const ctx = Context.current();
  return {
    report: (details) => ctx.heartbeat(details),
    checkpoint: async () => {
      if (ctx.cancellationSignal.aborted) await ctx.cancelled; // rejects with the CancelledFailure
    },
  };
}
