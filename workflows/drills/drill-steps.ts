// The steps of a drill between preflight and restore, one activity each: the libvirt form's
// sequence is drills/libvirt-steps.ts (written once, also run in-process by test/drills), here
// run step by step as activities; the storage-daemon form is one activity (its daemon, writer
// and QMP live in one process).
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { writerTimeoutMs, type DrillTarget } from '../../drills/drill-params';
import {
  libvirtTimeouts,
  runLibvirtDrillSteps,
  type LibvirtOp,
  type TimedLibvirtOps,
} from '../../drills/libvirt-steps';
import type { DrillRunState } from './run-state';

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

/** The writer waits may take as long as their own bound; every other step gets 3 minutes. */
const WRITER_WAITS: readonly LibvirtOp[] = ['waitForDrillWriter', 'waitForDrillWriterDone'];

export async function runLibvirtSteps(run: DrillRunState, target: DrillTarget): Promise<void> {
  const { bootMs, writerMs } = libvirtTimeouts(target.params);
  const quick: TimedLibvirtOps = stepActivities(3 * 60_000);
  const waits: TimedLibvirtOps = stepActivities(Math.max(writerMs, bootMs) + 60_000);
  const activities = (op: LibvirtOp) => (WRITER_WAITS.includes(op) ? waits : quick);
  await runLibvirtDrillSteps(target, { run: (step, op, input) => run.run(step, () => activities(op)[op](input)) }, run);
}

export async function runStorageDaemonSteps(run: DrillRunState, target: DrillTarget): Promise<void> {
  const { params } = target;
  const timeoutMs = writerTimeoutMs(params);
  const drill = stepActivities(3 * timeoutMs + 2 * 60_000);
  const { records, snapshotAtRecords, chunkPauseMs } = params;
  const report = await run.run('storage-daemon-drill', () =>
    drill.runStorageDaemonDrill({
      workDir: target.workDir,
      records,
      snapshotAtRecords,
      commit: target.commitMode,
      chunkPauseMs,
      timeoutMs,
    }),
  );
  // The activity timed its own steps; its internal restore is kept apart from the workflow's.
  const { restore, ...steps } = report.timings;
  Object.assign(run.timings, steps, restore === undefined ? {} : { 'restore-in-drill': restore });
  const { progressBeforeSnapshot, progressAfterSnapshot, progressAfterCommit, failures, oldLayerRecords } = report;
  run.progress = {
    beforeSnapshot: progressBeforeSnapshot,
    afterSnapshot: progressAfterSnapshot,
    afterCommit: progressAfterCommit,
  };
  run.recordVerification({ failures, oldLayerRecords, summary: report.verification });
}
