// Workflow logic on the real Temporal dev server with stubbed activities (samples-typescript's
// pattern): a worker on a task queue of its own runs the project's workflow bundle (built once
// per test file, worker/worker.ts) with plain async functions in place of the activities, until
// the test's body settles. Stubs record their calls in a shared log, so a test can read which
// activities the workflow called, in which order, with what.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { Activities } from '../../../activities';

// Stubs that throw on purpose, and stubs still running when the workflow they served has ended,
// make the worker and its core log warnings: expected here, so below errors stay quiet.
try {
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
} catch {
  /* already installed in this process */
}

export type ActivityStubs = Partial<Activities>;

export interface Call {
  name: string;
  args: unknown[];
}

/** The activities the workflow called, in the order it called them (retries included). */
export class CallLog {
  readonly calls: Call[] = [];

  names(): string[] {
    return this.calls.map((c) => c.name);
  }

  of(name: string): unknown[][] {
    return this.calls.filter((c) => c.name === name).map((c) => c.args);
  }
}

/** Wraps every stub so each call is appended to `log` before the stub runs. */
export function recording<T extends ActivityStubs>(log: CallLog, stubs: T): T {
  const wrapped: Record<string, (...args: unknown[]) => unknown> = {};
  for (const [name, fn] of Object.entries(stubs) as [string, (...args: unknown[]) => unknown][]) {
    wrapped[name] = (...args) => {
      log.calls.push({ name, args });
      return fn(...args);
    };
  }
  return wrapped as T;
}

export interface WorkflowOptions {
  taskQueue: string;
  workflowId: string;
  workflowExecutionTimeout: number;
}

export interface StubContext {
  client: Client;
  taskQueue: string;
  /** Options for client.workflow.start/execute: this queue, a fresh id, and a run timeout so
   *  a workflow that never ends fails the test instead of hanging it. */
  options(prefix: string, timeoutMs?: number): WorkflowOptions;
}

/** Runs `body` while a worker with `stubs` as its activities polls a fresh task queue. */
export async function withStubWorker<R>(
  stubs: ActivityStubs,
  body: (ctx: StubContext) => Promise<R>,
  workerOptions: { maxCachedWorkflows?: number } = {},
): Promise<R> {
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const taskQueue = `wf-logic-${randomUUID().slice(0, 8)}`;
  const workerConnection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  try {
    const client = new Client({ connection: clientConnection, namespace });
    const worker = await Worker.create({
      connection: workerConnection,
      namespace,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') }, // bundled once by the global set-up
      activities: stubs,
      ...workerOptions,
    });
    const options = (prefix: string, timeoutMs = 60_000) => ({
      taskQueue,
      workflowId: `${prefix}-${randomUUID().slice(0, 8)}`,
      workflowExecutionTimeout: timeoutMs,
    });
    return await worker.runUntil(body({ client, taskQueue, options }));
  } finally {
    await clientConnection.close();
    await workerConnection.close();
  }
}

/** A promise with its resolve exposed: a stub waits on it, the test releases it. */
export function gate<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
