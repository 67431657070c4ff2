// Runs in a platform test worker before its file (setupFiles): gives the file a database of its
// own, copied from the migrated one (a file copy, ~0.1 s) and dropped after it, and a Temporal
// namespace of its own; inject('databaseUrl') and inject('temporalNamespace') name them, so files
// run side by side without knowing it, and each starts as when run alone: empty tables, no
// schedules or workflows of other files. The workers a file starts in-process run the workflow
// code the global set-up bundled (webpack takes 3 s of CPU or more a file).
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, inject } from 'vitest';
import { MIGRATED_DATABASE } from '../../infra/ephemeral';
import { dropDatabase, ensureDatabase } from '../../infra/postgres';

const { names, claims } = inject('fileNamespaces');
/** The first namespace no other file claimed (mkdir is atomic across the worker processes). */
const namespace = names.find((name) => {
  try {
    mkdirSync(join(claims, name));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
});
if (!namespace) throw new Error(`all ${names.length} namespaces are taken: see test/setup/platform.ts`);
const serverUrl = inject('postgresServerUrl');
const database = `file_${randomUUID().slice(0, 8)}`;
await ensureDatabase(serverUrl, database, { template: MIGRATED_DATABASE });
afterAll(() => dropDatabase(serverUrl, database));

// inject() reads the worker's provided context; vitest has no public way to change it per file.
const state = (globalThis as { __vitest_worker__?: { providedContext?: Record<string, unknown> } }).__vitest_worker__;
if (!state?.providedContext)
  throw new Error("vitest's worker state moved: test/setup/platform-worker.ts needs updating");
state.providedContext.databaseUrl = serverUrl.replace(/\/postgres$/, `/${database}`);
state.providedContext.temporalNamespace = namespace;
if (inject('temporalNamespace') !== namespace) throw new Error('inject() no longer reads the worker state');

process.env.BLOCKFLOW_WORKFLOW_BUNDLE ??= inject('workflowBundlePath');
