// The live snapshot / blockcommit drills of seed 003 as workflows operators start from the API:
//   snapshotDrill    — case 1: live external snapshot while the writer writes;
//   blockcommitDrill — case 2: live snapshot, then a live blockcommit that shortens the chain.
// Both run in the libvirt form (a guest writes) or the storage-daemon form (fast, no guest).
// Preflight first (bad input fails before anything is touched); the restore ALWAYS runs after
// that (compensation: also when verification fails, a step errs or the run is cancelled); the
// run is recorded in drill_runs at start and end.
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { commitModeOf, type DrillParams, type DrillScenario, type DrillTarget } from '../../drills/drill-params';
import type { DrillRunStatus, DrillVerdict, WriterProgressAround } from '../../drills/drill-runs';
import type { DrillRestore } from '../../drills/leftovers';
import { DrillRunState, drillProgressQuery } from './run-state';
import { runLibvirtSteps, runStorageDaemonSteps } from './drill-steps';

const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 10 },
});
// Guest build on a fresh machine and the first libvirt start take minutes; a rejection is final.
const preflight = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['DrillRejected', 'DrillHostUnfit'],
  },
});
const compensation = proxyActivities<Activities>({
  startToCloseTimeout: '3 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

export interface DrillOutcome {
  id: string;
  scenario: DrillScenario;
  params: DrillParams;
  verdict: DrillVerdict;
  n: number;
  /** Records in the old layer read alone. */
  k?: number;
  progress: WriterProgressAround;
  failures: string[];
  timings: Record<string, number>;
  restore: DrillRestore;
}

/** Seed case 1: base ← overlay1, live snapshot to overlay2 while writing. */
export async function snapshotDrill(params: DrillParams): Promise<DrillOutcome> {
  return runDrill('snapshot', params);
}

/** Seed case 2: base ← overlay1 ← overlay2, live snapshot to overlay3, then a live blockcommit
 *  (params.commitMode: 'active-pivot' into base, or 'top-base' overlay2 into overlay1). */
export async function blockcommitDrill(params: DrillParams): Promise<DrillOutcome> {
  return runDrill('commit', params);
}

async function runDrill(scenario: DrillScenario, params: DrillParams): Promise<DrillOutcome> {
  const id = workflowInfo().workflowId;
  const run = new DrillRunState();
  setHandler(drillProgressQuery, () => run.view());
  const domainName = params.form === 'libvirt' ? (params.domainName ?? defaultDomainName(id)) : undefined;
  const record = (
    status: DrillRunStatus,
    extra: { verdict?: DrillVerdict; failureReason?: string; restore?: DrillRestore; finished?: boolean } = {},
  ) =>
    CancellationScope.nonCancellable(() =>
      bookkeeping.recordDrillRun({
        id,
        scenario,
        params,
        status,
        k: run.k,
        timings: run.timings,
        progress: run.progress,
        verification: run.verification,
        failures: run.failures,
        ...extra,
      }),
    );
  await record('running');

  let target: DrillTarget;
  try {
    const prepared = await run.run('preflight', () =>
      preflight.preflightDrill({ runId: id, scenario, params, domainName }),
    );
    target = {
      params,
      commitMode: commitModeOf(scenario, params),
      workDir: prepared.workDir,
      domainName,
      guest: prepared.guest,
    };
  } catch (error) {
    // Nothing was touched: no restore (it could destroy a domain that only shares the name).
    await record(isCancellation(error) ? 'cancelled' : 'rejected', { failureReason: messageOf(error), finished: true });
    throw error;
  }

  let cancelled: unknown;
  try {
    await (params.form === 'libvirt' ? runLibvirtSteps(run, target) : runStorageDaemonSteps(run, target));
  } catch (error) {
    if (isCancellation(error)) cancelled = error;
    else run.failures.push(`drill aborted in ${run.step}: ${messageOf(error)}`);
  }
  // A cancel that landed while a step finished anyway (the fast form is one step) still counts.
  if (!cancelled && CancellationScope.current().consideredCancelled)
    cancelled = new CancelledFailure('drill cancelled');

  let restore: DrillRestore | undefined;
  try {
    restore = await CancellationScope.nonCancellable(() =>
      run.run('restore', () => compensation.restoreDrillRun({ workDir: target.workDir, domainName })),
    );
    run.failures.push(...restore.leftovers.map((leftover) => `left behind after the restore: ${leftover}`));
  } catch (error) {
    run.failures.push(`restore failed: ${messageOf(error)}`);
    await record('errored', { verdict: 'fail', failureReason: run.failures[0], finished: true });
    throw ApplicationFailure.nonRetryable(
      `drill ${id}: restore failed, the work dir ${target.workDir} may hold leftovers: ${messageOf(error)}`,
      'DrillRestoreFailed',
    );
  }

  if (cancelled) {
    await record('cancelled', { failureReason: 'cancelled', restore, finished: true });
    throw cancelled;
  }
  const verdict: DrillVerdict = run.failures.length === 0 ? 'pass' : 'fail';
  await record(run.verified ? 'completed' : 'errored', {
    verdict,
    failureReason: run.failures[0],
    restore,
    finished: true,
  });
  log.info('drill finished', { id, scenario, form: params.form, verdict, k: run.k, n: params.records });
  return {
    id,
    scenario,
    params,
    verdict,
    n: params.records,
    k: run.k,
    progress: run.progress,
    failures: run.failures,
    timings: run.timings,
    restore,
  };
}

/** A libvirt-safe name derived from the run id (so a retried step finds the same domain). */
function defaultDomainName(runId: string): string {
  return `blockflow-${runId.replace(/[^A-Za-z0-9_.-]/g, '-')}`.slice(0, 64);
}

function messageOf(error: unknown): string {
  // A failed activity's message says only "Activity task failed"; its cause has the reason.
  const cause = (error as { cause?: unknown })?.cause;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
