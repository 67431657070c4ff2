// The Temporal worker: registers every workflow (bundled once per process) and the activities
// built from their dependencies. Thin on purpose; the logic lives in workflows/ and activities/.
import { join } from 'node:path';
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../activities';
import { createLogger } from '../observability/logger';
import { installTemporalRuntime } from '../observability/temporal-runtime';

export const WORKFLOWS_PATH = join(import.meta.dirname, '..', 'workflows', 'index.ts');

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Webpack-bundles the workflow code once; later workers in the same process reuse it. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundle;
}

/**
 * The workflow code a new worker runs: the bundle file BLOCKFLOW_WORKFLOW_BUNDLE names (written
 * beforehand from this same tree, e.g. by the test set-up for the workers it starts and kills:
 * bundling takes 3 s or more a start), else bundled here.
 */
async function workflowCode(): Promise<WorkflowBundleWithSourceMap | { codePath: string }> {
  const prebuilt = process.env.BLOCKFLOW_WORKFLOW_BUNDLE;
  return prebuilt ? { codePath: prebuilt } : workflowBundle();
}

/** Workflow tasks a worker runs at once (each server build in flight holds one). */
const WORKFLOW_TASK_SLOTS = 400;

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** Let the SDK shut the worker down on SIGINT/SIGTERM (a standalone worker); false when the caller owns shutdown. */
  handleSignals?: boolean;
  /** host:port for the Temporal SDK's own Prometheus metrics (the API's /metrics forwards them); unset = none. */
  sdkMetricsAddress?: string;
}

export async function createWorker(opts: WorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  // Logs through blockflow's logger; the SDK's runtime also drains every worker on SIGINT/SIGTERM unless told not to.
  installTemporalRuntime({ handleSignals: opts.handleSignals !== false, sdkMetricsAddress: opts.sdkMetricsAddress });
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: await workflowCode(),
    activities: opts.activities,
    // A server build runs its steps as local activities inside one workflow task, which holds a
    // workflow-task slot for the whole build (seconds, not milliseconds): the SDK's 40 slots would
    // cap a worker at 40 builds in flight. Cheap slots (waiting, not computing), so many of them.
    maxConcurrentWorkflowTaskExecutions: WORKFLOW_TASK_SLOTS,
    maxConcurrentLocalActivityExecutions: 4 * WORKFLOW_TASK_SLOTS,
  });
  return { worker, connection };
}

const bundlerLog = createLogger('bundler');
const noop = () => {};
const quietBundlerLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: (message: string) => bundlerLog.warn(message),
  error: (message: string) => bundlerLog.error(message),
  log: noop,
};
