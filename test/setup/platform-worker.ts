// Runs in a platform test worker before its file (setupFiles): points the file's
// inject('databaseUrl') and inject('temporalNamespace') at this worker's copy, which no file
// running at the same time uses, so files run side by side without knowing it; and lets the
// workers the file starts in-process run the workflow code the global set-up bundled (webpack
// takes 3 s of CPU or more a file).
import { inject } from 'vitest';

const poolId = Number(process.env.VITEST_POOL_ID);
const copy = inject('workerCopies')[poolId - 1];
if (!copy) throw new Error(`no database/namespace copy for vitest worker ${poolId}: see test/setup/platform.ts`);
// inject() reads the worker's provided context; vitest has no public way to change it per worker.
const state = (globalThis as { __vitest_worker__?: { providedContext?: Record<string, unknown> } }).__vitest_worker__;
if (!state?.providedContext)
  throw new Error("vitest's worker state moved: test/setup/platform-worker.ts needs updating");
state.providedContext.databaseUrl = copy.databaseUrl;
state.providedContext.temporalNamespace = copy.namespace;
if (inject('databaseUrl') !== copy.databaseUrl) throw new Error('inject() no longer reads the worker state');

process.env.BLOCKFLOW_WORKFLOW_BUNDLE ??= inject('workflowBundlePath');
