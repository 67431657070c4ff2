// cloneVolume: a new volume as a copy of a source volume, usable at once, made independent in
// the background (issue 4, "into the platform").
//   1. pin the version of each source chunk (describeCloneSource), create one clone chunk per
//      source chunk (createCloneChunks): instant, no data moves; from here the clone reads as
//      the source (chunk-volumes/read-through.ts serves the pages it has not got yet);
//   2. flatten: paste the source's pages into the clone chunks, `pagesPerStep` pages per step,
//      with a durable timer of `stepIntervalMs` between steps (the throttle survives worker
//      restarts); each chunk becomes a normal chunk with its last page;
//   3. check that every chunk is a normal chunk (isClone false).
// Progress: the `cloneProgress` query, and the memo `progress` (readable with no worker up).
// Long flattens continue as new every `stepsPerRun` steps (or when Temporal suggests it), so the
// history stays small. Retries and worker crashes are harmless: CreateCloneChunk with the same
// arguments and PasteChunk of pages already written are no-ops in the store.
import {
  ApplicationFailure,
  continueAsNew,
  proxyActivities,
  setHandler,
  sleep,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { CloneProgressState, cloneProgressQuery, type CloneProgress, type CloneResumeState } from './clone-progress';
import { stepRanges } from './clone-steps';

const { createCloneChunks, describeCloneSource } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});
// A worker that dies mid-range is noticed by the heartbeat timeout; the retry resumes from the bitmap.
const { flattenChunkRange } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 50 },
});

export const DEFAULT_STEPS_PER_RUN = 500;

export interface CloneVolumeInput {
  sourceVolumeId: string;
  targetVolumeId: string;
  chunks: number;
  /** pages pasted per step (4 KiB each with the default geometry) */
  pagesPerStep: number;
  /** durable timer between steps; 0 = none */
  stepIntervalMs: number;
  /** steps before continuing as new (default DEFAULT_STEPS_PER_RUN) */
  stepsPerRun?: number;
  /** set by continueAsNew only */
  resume?: CloneResumeState;
}

export async function cloneVolume(input: CloneVolumeInput): Promise<CloneProgress> {
  checkInput(input);
  const state = new CloneProgressState(input.sourceVolumeId, input.targetVolumeId, input.chunks, input.resume);
  setHandler(cloneProgressQuery, () => state.view());

  if (!input.resume) {
    const source = await describeCloneSource({ sourceVolumeId: input.sourceVolumeId, chunks: input.chunks });
    const geometry = await createCloneChunks({
      sourceVolumeId: input.sourceVolumeId,
      targetVolumeId: input.targetVolumeId,
      sourceSns: source.sns,
    });
    state.cloned(geometry.chunkSize / geometry.pageSize);
    publish(state);
  }

  const stepsPerRun = input.stepsPerRun ?? DEFAULT_STEPS_PER_RUN;
  for (let stepsThisRun = 0; state.cursor < state.pagesTotal; stepsThisRun++) {
    if (stepsThisRun >= stepsPerRun || workflowInfo().continueAsNewSuggested) {
      return continueAsNew<typeof cloneVolume>({ ...input, resume: state.resumeState() });
    }
    for (const range of stepRanges(state.cursor, input.pagesPerStep, state.pagesPerChunk, input.chunks)) {
      state.observed(await flattenChunkRange({ targetVolumeId: input.targetVolumeId, ...range }));
    }
    state.cursor = Math.min(state.pagesTotal, state.cursor + input.pagesPerStep);
    state.steps++;
    publish(state);
    if (state.cursor < state.pagesTotal && input.stepIntervalMs > 0) await sleep(input.stepIntervalMs);
  }

  const notFlat = state.flat.flatMap((flat, i) => (flat ? [] : [i]));
  if (notFlat.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `chunks ${notFlat.join(', ')} are still clone chunks after every page was pasted`,
      'CloneNotFlat',
    );
  }
  state.phase = 'done';
  publish(state);
  return state.view();
}

function publish(state: CloneProgressState): void {
  const { phase, percent, pagesWritten, pagesTotal, chunksFlat, steps } = state.view();
  upsertMemo({ progress: { phase, percent, pagesWritten, pagesTotal, chunksFlat, steps } });
}

function checkInput(input: CloneVolumeInput): void {
  const positive = (name: string, v: unknown) => {
    if (!Number.isSafeInteger(v) || (v as number) < 1)
      throw ApplicationFailure.nonRetryable(`${name} must be a positive integer`, 'InvalidCloneInput');
  };
  positive('chunks', input.chunks);
  positive('pagesPerStep', input.pagesPerStep);
  if (input.stepsPerRun !== undefined) positive('stepsPerRun', input.stepsPerRun);
  if (!Number.isSafeInteger(input.stepIntervalMs) || input.stepIntervalMs < 0) {
    throw ApplicationFailure.nonRetryable('stepIntervalMs must be a non-negative integer', 'InvalidCloneInput');
  }
  if (input.sourceVolumeId === input.targetVolumeId)
    throw ApplicationFailure.nonRetryable('a volume cannot be cloned onto itself', 'InvalidCloneInput');
}
