// The Temporal worker: registers every workflow (bundled once per process) and the activities
// built from their dependencies. Thin on purpose; the logic lives in workflows/ and activities/.
import { join } from 'node:path';
import {
  NativeConnection,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { Activities } from '../activities';

export const WORKFLOWS_PATH = join(import.meta.dirname, '..', 'workflows', 'index.ts');

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Webpack-bundles the workflow code once; later workers in the same process reuse it. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundle;
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
}

export async function createWorker(opts: WorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  // The SDK's runtime also drains every worker on SIGINT/SIGTERM unless told not to.
  if (opts.handleSignals === false) installRuntime({ shutdownSignals: [] });
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: opts.activities,
    // A server build runs its steps as local activities inside one workflow task, which holds a
    // workflow-task slot for the whole build (seconds, not milliseconds): the SDK's 40 slots would
    // cap a worker at 40 builds in flight. Cheap slots (waiting, not computing), so many of them.
    maxConcurrentWorkflowTaskExecutions: WORKFLOW_TASK_SLOTS,
    maxConcurrentLocalActivityExecutions: 4 * WORKFLOW_TASK_SLOTS,
  });
  return { worker, connection };
}

/** Runtime.install may run once per process; a second call (tests, several workers) is harmless. */
function installRuntime(options: Parameters<typeof Runtime.install>[0]): void {
  try {
    Runtime.install(options);
  } catch {
    /* already installed */
  }
}

const noop = () => {};
const quietBundlerLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: console.warn,
  error: console.error,
  log: noop,
};
