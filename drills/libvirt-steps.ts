// The libvirt form's steps between preflight and restore, written once, in seed 003's order:
// case 1: base ← overlay1, live snapshot to overlay2; case 2: base ← overlay1 ← overlay2,
// snapshot to overlay3, then a live blockcommit, while the guest keeps writing. The snapshot
// point is the writer's progress, never a timer. Where each step runs is the executor's: the
// workflow runs it as an activity (workflows/drills/drill-steps.ts), a test in-process (libvirt-ops.ts).
// Deterministic, with type-only imports besides drill-params: the workflow bundle holds it.
import type { ChainLayout, PrepareChainInput } from './chain';
import type { StartDomainInput, StartedDomain } from './domain';
import { writerTimeoutMs, type DrillParams, type DrillTarget } from './drill-params';
import type { WriterProgressAround } from './drill-runs';
import type { LiveBlockCommitInput, LiveBlockCommitResult } from './live-blockcommit';
import type { LiveSnapshotInput, LiveSnapshotResult } from './live-snapshot';
import type { Timed } from './step-timer';
import type { DrillVerification, VerifyDrillRunInput } from './verify-drill-run';
import type { CaptureLiveCopyInput } from './verify-layers';
import type { WatchWriterInput, WriterSample } from './writer-progress';

type Watch = Omit<WatchWriterInput, 'heartbeat'>;

/** Input and result of each step operation, by the name of the activity that runs it. */
export interface LibvirtStepIO {
  /** The chain, and where the live snapshot's overlay will go. */
  prepareDrillChain: [PrepareChainInput, ChainLayout & { nextOverlay: string }];
  startDrillDomain: [StartDomainInput, StartedDomain];
  waitForDrillWriter: [Watch & { atLeastRecords: number }, WriterSample];
  /** Releases the writer's hold before its last chunk, then waits for its end. */
  waitForDrillWriterDone: [Watch & { releaseDisk: string }, WriterSample];
  /** The snapshot, and the guest's progress read the moment it returned. */
  takeDrillSnapshot: [LiveSnapshotInput & { serialLog: string }, LiveSnapshotResult & { progressAfter: number }];
  captureDrillLiveCopy: [CaptureLiveCopyInput, { rawFile: string; elapsedMs: number }];
  commitDrillChain: [LiveBlockCommitInput & { serialLog: string }, LiveBlockCommitResult & { progressAfter: number }];
  verifyDrill: [VerifyDrillRunInput & { progress: WriterProgressAround }, DrillVerification];
}

export type LibvirtOp = keyof LibvirtStepIO;
type In<K extends LibvirtOp> = LibvirtStepIO[K][0];
type Out<K extends LibvirtOp> = LibvirtStepIO[K][1];

/** The operations themselves (libvirt-ops.ts); the waits report through `heartbeat`. */
export type LibvirtStepOps = {
  [K in LibvirtOp]: (input: In<K>, heartbeat?: (details: unknown) => void) => Promise<Out<K>>;
};

/** The operations as activities: each result with the ms it took where it ran. */
export type TimedLibvirtOps = { [K in LibvirtOp]: (input: In<K>) => Promise<Timed<Out<K>>> };

export interface LibvirtStepExecutor {
  /** Runs `op` as the drill step named `step` (the executor makes it current and times it). */
  run<K extends LibvirtOp>(step: string, op: K, input: In<K>): Promise<Out<K>>;
}

/** What the steps record as they go (workflows/drills/run-state.ts's DrillRunState). */
export interface LibvirtStepRecord {
  progress: WriterProgressAround;
  readonly failures: string[];
  recordVerification(result: DrillVerification): void;
}

/** Bounds of the two writer waits: boot to the first record, and each wait on the writer. */
export function libvirtTimeouts(params: DrillParams): { bootMs: number; writerMs: number } {
  return { bootMs: params.bootTimeoutMs ?? 60_000, writerMs: writerTimeoutMs(params) };
}

export async function runLibvirtDrillSteps(
  target: DrillTarget,
  exec: LibvirtStepExecutor,
  run: LibvirtStepRecord,
): Promise<void> {
  const { params, commitMode, workDir } = target;
  const domainName = target.domainName!;
  const { bootMs, writerMs } = libvirtTimeouts(params);

  const chain = await exec.run('prepare', 'prepareDrillChain', { workDir, overlays: commitMode ? 2 : 1 });
  const oldLayer = chain.layers[chain.layers.length - 1];
  const newOverlay = chain.nextOverlay;
  const { records, pauseUs } = params;
  const domain = await exec.run('define+start', 'startDrillDomain', {
    workDir,
    domainName,
    activeImage: oldLayer,
    guest: target.guest!,
    records,
    pauseUs,
  });
  const watch = { domainName, serialLog: domain.serialLog };
  await exec.run('boot-to-writer', 'waitForDrillWriter', { ...watch, atLeastRecords: 1, timeoutMs: bootMs });
  const atPoint = await exec.run('writer-to-snapshot-point', 'waitForDrillWriter', {
    ...watch,
    atLeastRecords: params.snapshotAtRecords,
    timeoutMs: writerMs,
  });
  run.progress.beforeSnapshot = atPoint.records;

  const snapshot = await exec.run('snapshot', 'takeDrillSnapshot', { ...watch, newOverlay });
  run.progress.afterSnapshot = snapshot.progressAfter;
  let activeImage = snapshot.activeImage;
  // Read live while the guest keeps writing: the old layer must never change from here on,
  // whatever the commit does to the layers around it.
  const liveCopy = await exec.run('live-copy', 'captureDrillLiveCopy', { workDir, oldLayer });

  if (commitMode) {
    const [base, overlay1] = chain.layers;
    const commit =
      commitMode === 'active-pivot' ? { mode: commitMode } : { mode: commitMode, top: oldLayer, base: overlay1 };
    const committed = await exec.run('commit', 'commitDrillChain', { ...watch, ...commit });
    run.progress.afterCommit = committed.progressAfter;
    activeImage = committed.activeImage;
    const expected = commitMode === 'active-pivot' ? base : newOverlay;
    if (activeImage !== expected) run.failures.push(`after the commit vda is ${activeImage}, expected ${expected}`);
  }

  await exec.run('writer-finish', 'waitForDrillWriterDone', {
    ...watch,
    releaseDisk: domain.releaseDisk,
    timeoutMs: writerMs,
  });
  const verified = await exec.run('verify', 'verifyDrill', {
    chain,
    newOverlay,
    activeImage,
    liveCopy: liveCopy.rawFile,
    commit: commitMode,
    records,
    progress: run.progress,
  });
  run.recordVerification(verified);
}
