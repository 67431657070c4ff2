// `npm start`: brings up PostgreSQL, Temporal (with its Web UI), the OpenStack simulator (unless
// OS_AUTH_URL points at a real cloud), the worker and the HTTP API; stays up until Ctrl-C, then
// stops everything it started, by PID, in reverse order.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { serve } from '@hono/node-server';
import { ConfigError, dataPath, loadSettings, type Settings } from '../config/settings';
import { startCloud, startDatabase, startTemporal, checkCloud, connectCloud } from '../infra/stack';
import { bootstrapPool, manageNetworksAtStart } from '../worker/bootstrap';
import { createApp } from '../api/app';
import { compose, runWorker } from './compose';

const log = (line: string) => console.log(`[blockflow] ${line}`);
const stops: { name: string; stop: () => Promise<void> }[] = [];
const onStop = (name: string, stop: () => Promise<void>) => stops.push({ name, stop });

async function main(): Promise<void> {
  const t0 = Date.now();
  const settings = loadSettings();
  mkdirSync(settings.dataDir, { recursive: true });
  log(`data folder ${settings.dataDir}`);

  // The cloud first: a wrong OS_AUTH_URL or password fails in a second, before anything heavy starts.
  const cloudConfig = await startCloud(settings, log);
  onStop('OpenStack simulator', cloudConfig.stop);
  const cloud = connectCloud(cloudConfig.value);
  await checkCloud(cloud);
  const db = await startDatabase(settings, log);
  onStop('PostgreSQL', db.stop);
  const temporal = await startTemporal(settings, log);
  onStop('Temporal server', temporal.stop);

  const blockflow = await compose({
    cloud,
    databaseUrl: db.value.url,
    temporalAddress: temporal.value.address,
    namespace: settings.TEMPORAL_NAMESPACE,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    chunkStoreDir: settings.chunkStoreDir,
  });
  onStop('database and Temporal clients', blockflow.close);
  const { prisma, temporal: client } = blockflow;
  const worker = await runWorker(blockflow, { handleSignals: false });
  onStop('worker (then chunk stores, libvirt daemons if drills started them)', worker.stop);
  log(`worker polling task queue "${settings.TEMPORAL_TASK_QUEUE}"`);
  await bootstrapPool({
    client,
    prisma,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    configFile: settings.POOL_CONFIG_FILE,
    log,
  });
  const networks = settings.MANAGED_NETWORKS ?? (settings.OS_AUTH_URL ? '' : 'private');
  await manageNetworksAtStart({ prisma, admin: cloud.admin, networks: networks.split(',').filter(Boolean), log });

  const apiToken = settings.API_TOKEN ?? apiTokenFromDataFolder(settings);
  const app = createApp({
    temporal: client,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    prisma,
    cloud,
    apiToken,
    temporalUiUrl: temporal.value.uiUrl,
  });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: settings.API_PORT });
  onStop('API', () => new Promise<void>((resolve) => server.close(() => resolve())));
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err) =>
      reject(new ConfigError(`API_PORT=${settings.API_PORT}: cannot listen (${(err as NodeJS.ErrnoException).code})`)),
    );
  });

  log(
    `API        http://127.0.0.1:${settings.API_PORT}  (OpenAPI: /openapi.json; ` +
      `writes need "Authorization: Bearer ` +
      `<token in ${settings.API_TOKEN ? 'API_TOKEN' : dataPath(settings, 'api-token')}>")`,
  );
  if (temporal.value.uiUrl) log(`Temporal UI ${temporal.value.uiUrl}`);
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s — Ctrl-C to stop`);
}

function apiTokenFromDataFolder(settings: Settings): string {
  const file = dataPath(settings, 'api-token');
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
        log(`stopped ${name}`);
      } catch (err) {
        log(`stopping ${name} failed: ${(err as Error).message}`);
      }
    }
  }
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
main().catch(async (err) => {
  // A bad setting is the operator's to fix: one line naming it, no stack trace.
  console.error(
    err instanceof ConfigError ? `blockflow: ${err.message}` : `blockflow: start-up failed: ${(err as Error).message}`,
  );
  if (!(err instanceof ConfigError) && process.env.DEBUG) console.error(err);
  await shutdown(1);
});
