// The drill steps as Temporal activities (registered by activities/index.ts); the work itself is
// in drills/. Each step is timed where it runs (the ms the workflow records per step),
// heartbeats while it works, and notices a cancellation at its next heartbeat: a wait then stops
// (destroying its domain) so the workflow's restore never races a step still running. Every
// wait inside has its own deadline.
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { DrillReport } from '../../drills/drill-report';
import { recordDrillRun, type DrillRunRecord } from '../../drills/drill-runs';
import { restoreAndInspect, type LeftoverCheckInput } from '../../drills/leftovers';
import { libvirtStepOps } from '../../drills/libvirt-ops';
import type { LibvirtOp, LibvirtStepIO, TimedLibvirtOps } from '../../drills/libvirt-steps';
import { defaultDrillWorkRoot, type PreflightInput } from '../../drills/preflight';
import { timed, type Timed } from '../../drills/step-timer';
import { runStorageDaemonDrill, type StorageDaemonDrillInput } from '../../drills/storage-daemon-drill';
import { summarise, type VerificationSummary } from '../../drills/verify-drill-run';
import type { PrismaClient } from '../../prisma/client';
import { preflightDrill } from './preflight';

/** The storage-daemon report as the activity returns it: verification summarised, its own
 *  internal restore left out (the workflow's restore is recorded apart). */
export type StorageDaemonDrillResult = Omit<DrillReport, 'verification' | 'restore'> & {
  verification?: VerificationSummary;
};

export function drillActivities(deps: { prisma: PrismaClient; drillWorkDir?: string }) {
  const workRoot = () => deps.drillWorkDir ?? defaultDrillWorkRoot();
  return {
    recordDrillRun: (run: DrillRunRecord) => recordDrillRun(deps.prisma, run),
    preflightDrill: (input: PreflightInput) => step(() => preflightDrill(workRoot(), input)),
    ...libvirtActivities(),
    /** The fast form runs whole in one activity: the daemon, the NBD writer and QMP live in this process. */
    runStorageDaemonDrill: (input: Omit<StorageDaemonDrillInput, 'heartbeat'>) =>
      step(async (heartbeat) => storageDaemonResult(await runStorageDaemonDrill({ ...input, heartbeat }))),
    /** Idempotent: safe after any step, after a crash, and twice. */
    restoreDrillRun: (input: LeftoverCheckInput) => step(() => restoreAndInspect(input)),
  };
}

/** One activity per operation of the libvirt form, under the name the workflow proxies. */
function libvirtActivities(): TimedLibvirtOps {
  const activity =
    <K extends LibvirtOp>(op: K) =>
    (input: LibvirtStepIO[K][0]) =>
      step((heartbeat) => libvirtStepOps[op](input, heartbeat));
  return {
    prepareDrillChain: activity('prepareDrillChain'),
    startDrillDomain: activity('startDrillDomain'),
    waitForDrillWriter: activity('waitForDrillWriter'),
    waitForDrillWriterDone: activity('waitForDrillWriterDone'),
    takeDrillSnapshot: activity('takeDrillSnapshot'),
    captureDrillLiveCopy: activity('captureDrillLiveCopy'),
    commitDrillChain: activity('commitDrillChain'),
    verifyDrill: activity('verifyDrill'),
  };
}

/** Runs one step: heartbeats every second meanwhile; a heartbeat after a cancellation throws. */
async function step<T>(work: (heartbeat: (details: unknown) => void) => Promise<T>): Promise<Timed<T>> {
  const context = Context.current();
  const heartbeat = (details: unknown) => {
    context.heartbeat(details);
    if (context.cancellationSignal.aborted) throw new CancelledFailure('drill step cancelled');
  };
  const keepAlive = setInterval(() => context.heartbeat(), 1_000);
  try {
    return await timed(() => work(heartbeat));
  } finally {
    clearInterval(keepAlive);
  }
}

function storageDaemonResult(report: DrillReport): StorageDaemonDrillResult {
  const { verification, restore: _restoredInside, ...rest } = report;
  return { ...rest, verification: verification && summarise(verification) };
}
