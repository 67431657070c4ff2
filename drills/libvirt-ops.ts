// What each step of the libvirt form does (the sequence is libvirt-steps.ts): the activities
// run these on the worker (activities/drills/drills.ts), a test runs them in-process.
import type { DrillReport } from './drill-report';
import { layerPath, prepareChain } from './chain';
import { startDrillDomain } from './domain';
import { liveBlockCommit } from './live-blockcommit';
import { liveSnapshot } from './live-snapshot';
import type { LibvirtStepOps } from './libvirt-steps';
import { summarise, verifyDrillRun } from './verify-drill-run';
import { captureLiveCopy } from './verify-layers';
import { readWriterProgress, waitForWriterDone, waitForWriterProgress } from './writer-progress';

export const libvirtStepOps: LibvirtStepOps = {
  prepareDrillChain: async (input) => ({
    ...(await prepareChain(input)),
    nextOverlay: layerPath(input.workDir, input.overlays + 1),
  }),
  startDrillDomain: (input) => startDrillDomain(input),
  waitForDrillWriter: (input, heartbeat) => waitForWriterProgress({ ...input, heartbeat }),
  waitForDrillWriterDone: (input, heartbeat) => waitForWriterDone({ ...input, heartbeat }),
  takeDrillSnapshot: async (input) => ({
    ...(await liveSnapshot(input)),
    progressAfter: await recordsIn(input.serialLog),
  }),
  captureDrillLiveCopy: (input) => captureLiveCopy(input),
  commitDrillChain: async (input) => ({
    ...(await liveBlockCommit(input)),
    progressAfter: await recordsIn(input.serialLog),
  }),
  verifyDrill: async ({ progress, ...input }) => {
    const report: DrillReport = {
      ok: false,
      failures: [],
      timings: {},
      progressBeforeSnapshot: progress.beforeSnapshot,
      progressAfterSnapshot: progress.afterSnapshot,
      progressAfterCommit: progress.afterCommit,
    };
    await verifyDrillRun(report, input);
    const summary = report.verification && summarise(report.verification);
    return { failures: report.failures, oldLayerRecords: report.oldLayerRecords, summary };
  },
};

async function recordsIn(serialLog: string): Promise<number> {
  return (await readWriterProgress(serialLog)).records;
}
