import type { ErrorCode, Op } from './model';
import { GEOMETRY, PAGE } from './replay-env';

/**
 * The four restart scenarios of the seed ("重启恢复", listed before
 * "针对上面场景"): the raft log of one chunk, as model operations. `replayMay`
 * lists the refusals the seed's restart analysis allows when the step is
 * replayed after it (or a later step) already ran before the restart;
 * anything else is a failure. DeleteChunk carries the file's version at that
 * point (the seed gives none).
 */

export interface Step {
  readonly op: Op;
  readonly replayMay: readonly ErrorCode[];
}

export interface Scenario {
  readonly name: string;
  readonly chunk: number;
  readonly steps: readonly Step[];
}

let nextTag = 1;
/** Pages [firstPage, firstPage + count) with data no other step writes. */
function range(firstPage: number, count: number): { offset: number; length: number; tags: number[] } {
  const base = nextTag;
  nextTag += count;
  return { offset: firstPage * PAGE, length: count * PAGE, tags: Array.from({ length: count }, (_, i) => base + i) };
}

const ALL = GEOMETRY.chunkSize / PAGE;
const write = (sn: number, firstPage: number, count: number): Op => ({ kind: 'write', sn, ...range(firstPage, count) });
const paste = (firstPage: number, count: number): Op => ({ kind: 'paste', ...range(firstPage, count) });
const clone = (sn: number, correctedSn: number, location: string): Op => ({
  kind: 'clone',
  sn,
  correctedSn,
  size: GEOMETRY.chunkSize,
  location,
});

// restart analysis rows: write with sn < chunk sn / correctedSn (11-15, 22): BackwardRequestError
const BACKWARD: readonly ErrorCode[] = ['BackwardRequestError'];
// stale DeleteSnapshotOrCorrectSn: BackwardRequestError in cases 62-64/69/72 (the restart table says Success)
const STALE_CORRECT: readonly ErrorCode[] = ['BackwardRequestError'];
// CreateCloneChunk replayed after the chunk moved on (46, 50): ChunkConflictError
const CONFLICT: readonly ErrorCode[] = ['ChunkConflictError'];
// PasteChunk replayed when the chunk was deleted before the restart: ChunkNotExistError (case 32)
const GONE: readonly ErrorCode[] = ['ChunkNotExistError'];
const NONE: readonly ErrorCode[] = [];

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'normal',
    chunk: 1,
    steps: [
      { op: write(1, 0, 2), replayMay: NONE }, // 1. WriteChunk creates chunk1, [0, 8k]
      { op: write(1, 1, 2), replayMay: NONE }, // 2. WriteChunk [4k, 12k]
      { op: { kind: 'delete', sn: 1 }, replayMay: NONE }, // 3. DeleteChunk
    ],
  },
  {
    name: 'snapshot',
    chunk: 2,
    steps: [
      { op: write(1, 0, 2), replayMay: BACKWARD }, // 1. [0, 8k] version 1
      { op: write(2, 1, 2), replayMay: BACKWARD }, // 2. [4k, 12k] version 2 (snapshot 1, COW)
      { op: { kind: 'deleteSnap', correctedSn: 2 }, replayMay: STALE_CORRECT }, // 3.
      { op: { kind: 'deleteSnap', correctedSn: 3 }, replayMay: STALE_CORRECT }, // 4. again, correctedSn 3
      { op: write(3, 2, 2), replayMay: BACKWARD }, // 5. [8k, 16k] version 3
      { op: write(4, 1, 2), replayMay: BACKWARD }, // 6. [4k, 12k] version 4
      { op: { kind: 'deleteSnap', correctedSn: 4 }, replayMay: STALE_CORRECT }, // 7.
      { op: { kind: 'deleteSnap', correctedSn: 5 }, replayMay: NONE }, // 8. again, correctedSn 5
      { op: { kind: 'delete', sn: 5 }, replayMay: NONE }, // 9. DeleteChunk
    ],
  },
  {
    name: 'clone',
    chunk: 3,
    steps: [
      { op: clone(1, 0, 'curve://clone-src/chunk3@0'), replayMay: CONFLICT }, // 1. sn 1, correctedSn 0
      { op: write(1, 0, 2), replayMay: BACKWARD }, // 2. [0, 8k] version 1
      { op: paste(1, 2), replayMay: GONE }, // 3. paste [4k, 12k]
      { op: paste(0, ALL), replayMay: GONE }, // 4. paste the whole chunk (becomes a normal chunk)
      { op: write(2, 1, 2), replayMay: NONE }, // 5. [4k, 12k] version 2
      { op: { kind: 'deleteSnap', correctedSn: 2 }, replayMay: NONE }, // 6.
      { op: { kind: 'delete', sn: 2 }, replayMay: NONE }, // 7. DeleteChunk
    ],
  },
  {
    name: 'recover',
    chunk: 4,
    steps: [
      { op: clone(3, 5, 'curve://recover-src/chunk4@0'), replayMay: CONFLICT }, // 1. sn 3, correctedSn 5
      { op: paste(0, 2), replayMay: NONE }, // 2. paste [0, 8k]
      { op: write(5, 1, 2), replayMay: NONE }, // 3. [4k, 12k] version 5
      { op: write(5, 0, ALL), replayMay: NONE }, // 4. the whole chunk (becomes a normal chunk)
    ],
  },
];
