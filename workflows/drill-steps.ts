// The steps of a drill between preflight and restore, one activity each, in seed 003's order:
// the libvirt form with a writing guest (case 1: base ← overlay1, live snapshot to overlay2;
// case 2: base ← overlay1 ← overlay2, snapshot to overlay3, then a live blockcommit), or the
// storage-daemon form (one activity: its daemon, writer and QMP live in one process).
// The snapshot point is the writer's progress, never a timer.
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CommitMode } from '../activities/drill/live-blockcommit';
import { writerTimeoutMs, type DrillParams } from '../drills/drill-params';
import type { DrillRunState } from './drill-run-state';

export interface DrillTarget {
  params: DrillParams;
  commitMode?: CommitMode;
  workDir: string;
  domainName?: string;
  guest?: { kernel: string; initrd: string };
}

/** Steps run once (a half-done live operation is not retried: the restore undoes it). A
 *  cancelled step is waited for, so the restore never races it. */
function stepActivities(startToCloseMs: number) {
  return proxyActivities<Activities>({
    startToCloseTimeout: startToCloseMs,
    heartbeatTimeout: '6 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { maximumAttempts: 1 },
  });
}

export async function runLibvirtSteps(run: DrillRunState, target: DrillTarget): Promise<void> {
  const { params, commitMode, workDir } = target;
  const domainName = target.domainName!;
  const writerMs = writerTimeoutMs(params);
  const bootMs = params.bootTimeoutMs ?? 60_000;
  const quick = stepActivities(3 * 60_000);
  const waits = stepActivities(Math.max(writerMs, bootMs) + 60_000);

  const chain = await run.run('prepare', () => quick.prepareDrillChain({ workDir, overlays: commitMode ? 2 : 1 }));
  const oldLayer = chain.layers[chain.layers.length - 1];
  const newOverlay = chain.nextOverlay;
  const domain = await run.run('define+start', () =>
    quick.startDrillDomain({ workDir, domainName, activeImage: oldLayer, guest: target.guest!, records: params.records, pauseUs: params.pauseUs }),
  );
  const watch = { domainName, serialLog: domain.serialLog };
  await run.run('boot-to-writer', () => waits.waitForDrillWriter({ ...watch, atLeastRecords: 1, timeoutMs: bootMs }));
  const atPoint = await run.run('writer-to-snapshot-point', () => waits.waitForDrillWriter({ ...watch, atLeastRecords: params.snapshotAtRecords, timeoutMs: writerMs }));
  run.progress.beforeSnapshot = atPoint.records;

  const snapshot = await run.run('snapshot', () => quick.takeDrillSnapshot({ domainName, newOverlay, serialLog: domain.serialLog }));
  run.progress.afterSnapshot = snapshot.progressAfter;
  let activeImage = snapshot.activeImage;
  // Read live while the guest keeps writing: the old layer must never change from here on.
  const liveCopy = await run.run('live-copy', () => quick.captureDrillLiveCopy({ workDir, oldLayer }));

  if (commitMode) {
    const [base, overlay1] = chain.layers;
    const commit = commitMode === 'active-pivot' ? { domainName, mode: commitMode } : { domainName, mode: commitMode, top: oldLayer, base: overlay1 };
    const committed = await run.run('commit', () => quick.commitDrillChain({ ...commit, serialLog: domain.serialLog }));
    run.progress.afterCommit = committed.progressAfter;
    activeImage = committed.activeImage;
    const expected = commitMode === 'active-pivot' ? base : newOverlay;
    if (activeImage !== expected) run.failures.push(`after the commit vda is ${activeImage}, expected ${expected}`);
  }

  await run.run('writer-finish', () => waits.waitForDrillWriterDone({ ...watch, timeoutMs: writerMs }));
  const { records } = params;
  const verified = await run.run('verify', () =>
    quick.verifyDrill({ chain, newOverlay, activeImage, liveCopy: liveCopy.rawFile, commit: commitMode, records, progress: run.progress }),
  );
  run.recordVerification(verified);
}

export async function runStorageDaemonSteps(run: DrillRunState, target: DrillTarget): Promise<void> {
  const { params } = target;
  const timeoutMs = writerTimeoutMs(params);
  const drill = stepActivities(3 * timeoutMs + 2 * 60_000);
  const report = await run.run('storage-daemon-drill', () =>
    drill.runStorageDaemonDrill({ workDir: target.workDir, records: params.records, snapshotAtRecords: params.snapshotAtRecords, commit: target.commitMode, chunkPauseMs: params.chunkPauseMs, timeoutMs }),
  );
  // The activity timed its own steps; its internal restore is kept apart from the workflow's.
  const { restore, ...steps } = report.timings;
  Object.assign(run.timings, steps, restore === undefined ? {} : { 'restore-in-drill': restore });
  run.progress = { beforeSnapshot: report.progressBeforeSnapshot, afterSnapshot: report.progressAfterSnapshot, afterCommit: report.progressAfterCommit };
  run.recordVerification({ failures: report.failures, oldLayerRecords: report.oldLayerRecords, summary: report.verification });
}
