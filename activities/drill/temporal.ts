// The drill steps as Temporal activities (registered by activities/index.ts). Each step is timed
// where it runs (the ms the workflow records per step), heartbeats while it works, and notices a
// cancellation at its next heartbeat: a wait then stops (destroying its domain) so the workflow's
// restore never races a step still running. Every wait inside has its own deadline.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { PrismaClient } from '../../infra/database';
import { loadSettings } from '../../config/settings';
import type { DrillReport } from '../../drills/drill-report';
import { verifyDrillRun, type VerifyDrillRunInput } from '../../drills/verify-drill-run';
import { layerPath, prepareChain, type PrepareChainInput } from './chain';
import { startDrillDomain, type StartDomainInput } from './domain';
import { findDrillLeftovers } from './leftovers';
import { liveBlockCommit, type LiveBlockCommitInput } from './live-blockcommit';
import { liveSnapshot, type LiveSnapshotInput } from './live-snapshot';
import { preflightDrill, type PreflightInput } from './preflight';
import { restoreDrill, type RestoreResult } from './restore';
import { recordDrillRun, type DrillRunRecord, type WriterProgressAround } from './runs';
import { runStorageDaemonDrill, type StorageDaemonDrillInput } from './storage-daemon-drill';
import { captureLiveCopy, type CaptureLiveCopyInput, type LayerVerification } from './verify-layers';
import { readWriterProgress, waitForWriterDone, waitForWriterProgress, type WatchWriterInput } from './writer-progress';

/** A step's result and its wall time where it ran. */
export interface Timed<T> {
  value: T;
  ms: number;
}

export interface DrillVerification {
  failures: string[];
  oldLayerRecords?: number;
  summary?: VerificationSummary;
}

/** LayerVerification without qemu-img's raw reports. */
export type VerificationSummary = Omit<LayerVerification, 'checks'> & { checks: { image: string; ok: boolean; corruptions: number; leaks: number }[] };

export interface DrillRestore extends RestoreResult {
  /** What is still there after the restore (empty = the original chain and nothing else). */
  leftovers: string[];
}

export type StorageDaemonDrillResult = Omit<DrillReport, 'verification' | 'restore'> & { verification?: VerificationSummary };

export function drillActivities(deps: { prisma: PrismaClient; drillWorkDir?: string }) {
  const workRoot = () => deps.drillWorkDir ?? loadSettings().drillWorkDir;
  return {
    recordDrillRun: (run: DrillRunRecord) => recordDrillRun(deps.prisma, run),
    preflightDrill: (input: PreflightInput) => step(() => preflightDrill(workRoot(), input)),
    /** The chain, and where the live snapshot's overlay will go. */
    prepareDrillChain: (input: PrepareChainInput) =>
      step(async () => ({ ...(await prepareChain(input)), nextOverlay: layerPath(input.workDir, input.overlays + 1) })),
    startDrillDomain: (input: StartDomainInput) => step(() => startDrillDomain(input)),
    waitForDrillWriter: (input: WatchWriterInput & { atLeastRecords: number }) => step((heartbeat) => waitForWriterProgress({ ...input, heartbeat })),
    waitForDrillWriterDone: (input: WatchWriterInput) => step((heartbeat) => waitForWriterDone({ ...input, heartbeat })),
    /** The snapshot, and the guest's progress read the moment it returned. */
    takeDrillSnapshot: (input: LiveSnapshotInput & { serialLog: string }) =>
      step(async () => ({ ...(await liveSnapshot(input)), progressAfter: (await readWriterProgress(input.serialLog)).records })),
    captureDrillLiveCopy: (input: CaptureLiveCopyInput) => step(() => captureLiveCopy(input)),
    commitDrillChain: (input: LiveBlockCommitInput & { serialLog: string }) =>
      step(async () => ({ ...(await liveBlockCommit(input)), progressAfter: (await readWriterProgress(input.serialLog)).records })),
    verifyDrill: (input: VerifyDrillRunInput & { progress: WriterProgressAround }) => step(() => verifyDrill(input)),
    /** The fast form runs whole in one activity: the daemon, the NBD writer and QMP live in this process. */
    runStorageDaemonDrill: (input: Omit<StorageDaemonDrillInput, 'heartbeat'>) => step(async (heartbeat) => storageDaemonResult(await runStorageDaemonDrill({ ...input, heartbeat }))),
    /** Idempotent: safe after any step, after a crash, and twice. */
    restoreDrillRun: (input: { workDir: string; domainName?: string }) => step(() => restoreAndInspect(input)),
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
  const started = performance.now();
  try {
    const value = await work(heartbeat);
    return { value, ms: Math.round((performance.now() - started) * 10) / 10 };
  } finally {
    clearInterval(keepAlive);
  }
}

async function verifyDrill(input: VerifyDrillRunInput & { progress: WriterProgressAround }): Promise<DrillVerification> {
  const report: DrillReport = {
    ok: false, failures: [], timings: {},
    progressBeforeSnapshot: input.progress.beforeSnapshot, progressAfterSnapshot: input.progress.afterSnapshot, progressAfterCommit: input.progress.afterCommit,
  };
  await verifyDrillRun(report, input);
  return { failures: report.failures, oldLayerRecords: report.oldLayerRecords, summary: report.verification && summarise(report.verification) };
}

function storageDaemonResult(report: DrillReport): StorageDaemonDrillResult {
  const { verification, restore: _restoredInside, ...rest } = report;
  return { ...rest, verification: verification && summarise(verification) };
}

function summarise(verification: LayerVerification): VerificationSummary {
  return { ...verification, checks: verification.checks.map(({ image, ok, corruptions, leaks }) => ({ image, ok, corruptions, leaks })) };
}

async function restoreAndInspect(input: { workDir: string; domainName?: string }): Promise<DrillRestore> {
  const restored = await restoreDrill(input);
  // The guest's kernel and initramfs copies are not part of the chain; the serial log stays for the record.
  await rm(join(input.workDir, 'guest'), { recursive: true, force: true });
  return { ...restored, leftovers: await findDrillLeftovers(input) };
}
