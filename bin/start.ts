// `npm start [-- --role all|api|worker]`. Role all (the default, one machine): brings up PostgreSQL,
// Temporal (with its Web UI), the OpenStack simulator (unless OS_AUTH_URL points at a real cloud),
// the worker and the HTTP API. Roles api and worker join a deployment whose PostgreSQL, Temporal
// and cloud are given by URL (config/settings joinedServices): several of each, on any machines,
// stateless. Stays up until Ctrl-C / SIGTERM, then stops everything it started, by PID, in reverse.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { serve } from '@hono/node-server';
import { ConfigError, dataPath, joinedServices, loadSettings, roleFromArgv, type Settings } from '../config/settings';
import { startCloud, startDatabase, startTemporal, checkCloud, connectCloud } from '../infra/stack';
import { ADVISORY_LOCKS, withAdvisoryLock } from '../infra/advisory-lock';
import { freePort } from '../infra/ephemeral';
import { ignoreRetriesOnClosedChannels } from './closed-channel-guard';
import { manageNetworksAtStart, startUpPool } from './deployment-start-up';
import { createApp } from '../api/app';
import { colocatedWorker, compose, runWorker, type Composition, type RunningWorker } from './compose';
import { createLogger } from '../observability/logger';
import { redactText, registerSecrets } from '../observability/redact';

const logger = createLogger('blockflow');
const log = logger.line;
const stops: { name: string; stop: () => Promise<void> }[] = [];
const onStop = (name: string, stop: () => Promise<void>) => stops.push({ name, stop });

async function main(): Promise<void> {
  const t0 = Date.now();
  const settings = loadSettings(roleFromArgv(process.argv.slice(2), process.env));
  const role = settings.BLOCKFLOW_ROLE;
  // Never written, whatever line carries them.
  registerSecrets(settings.OS_ADMIN_PASSWORD, settings.API_TOKEN, passwordIn(settings.DATABASE_URL));
  if (role !== 'all') joinedServices(settings); // refuses a missing URL before anything starts
  mkdirSync(settings.dataDir, { recursive: true });
  log(`role ${role}, data folder ${settings.dataDir}`);

  // The cloud first: a wrong OS_AUTH_URL or password fails in a second, before anything heavy starts.
  // With DATABASE_URL, TEMPORAL_ADDRESS and OS_AUTH_URL set (always, in roles api and worker) these
  // start nothing: they check the service and migrate the schema (one migrator at a time).
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
  let worker: RunningWorker | undefined;
  if (role !== 'api') {
    // Role all: the API's /metrics forwards the SDK's exporter, on a loopback port of its own.
    const sdkMetricsAddress =
      settings.TEMPORAL_SDK_METRICS_ADDRESS ?? (role === 'all' ? `127.0.0.1:${await freePort()}` : undefined);
    worker = await runWorker(blockflow, { handleSignals: false, sdkMetricsAddress });
    onStop('worker (then chunk stores, libvirt daemons if drills started them)', worker.stop);
    log(`worker polling task queue "${settings.TEMPORAL_TASK_QUEUE}" (pid ${process.pid})`);
  }
  if (role !== 'worker') {
    await bootstrap(settings, blockflow);
    await serveApi(settings, blockflow, temporal.value.uiUrl ?? settings.TEMPORAL_UI_URL, worker);
  }
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s — Ctrl-C to stop`);
}

/** Pool settings, catalog, schedules, networks: once per deployment, one starting process at a time. */
async function bootstrap(settings: Settings, blockflow: Composition): Promise<void> {
  const { prisma, temporal: client, cloud, databaseUrl } = blockflow;
  await withAdvisoryLock(databaseUrl, ADVISORY_LOCKS.bootstrap, async () => {
    await startUpPool({
      client,
      prisma,
      taskQueue: settings.TEMPORAL_TASK_QUEUE,
      configFile: settings.POOL_CONFIG_FILE,
      log,
      waitForCatalog: settings.BLOCKFLOW_ROLE === 'all',
    });
    const networks = settings.MANAGED_NETWORKS ?? (settings.OS_AUTH_URL ? '' : 'private');
    await manageNetworksAtStart({ prisma, admin: cloud.admin, networks: networks.split(',').filter(Boolean), log });
  });
}

async function serveApi(
  settings: Settings,
  blockflow: Composition,
  temporalUiUrl: string | undefined,
  worker: RunningWorker | undefined,
) {
  const { prisma, temporal, cloud } = blockflow;
  const apiToken = settings.API_TOKEN ?? apiTokenFromDataFolder(settings);
  registerSecrets(apiToken);
  const app = createApp({
    temporal,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    prisma,
    cloud,
    apiToken,
    temporalUiUrl,
    // Role all: builds start eagerly on this process's worker.
    colocatedWorker: worker && colocatedWorker(blockflow, worker),
  });
  const { API_HOST: host, API_PORT: port } = settings;
  const server = serve({ fetch: app.fetch, hostname: host, port });
  onStop('API', () => new Promise<void>((resolve) => server.close(() => resolve())));
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err) =>
      reject(new ConfigError(`API_PORT=${port}: cannot listen on ${host} (${(err as NodeJS.ErrnoException).code})`)),
    );
  });
  log(
    `API        http://${host}:${port}  (OpenAPI: /openapi.json; ` +
      `writes need the API token from ${settings.API_TOKEN ? 'API_TOKEN' : dataPath(settings, 'api-token')})`,
  );
  if (temporalUiUrl) log(`Temporal UI ${temporalUiUrl}`);
}

function passwordIn(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const password = decodeURIComponent(new URL(url).password);
  return password || undefined;
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
    // Temporal calls being retried as their connections close throw from their timers: expected now.
    ignoreRetriesOnClosedChannels(log);
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
        log(`stopped ${name}`);
      } catch (err) {
        logger.error(`stopping ${name} failed: ${(err as Error).message}`);
      }
    }
  }
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
main().catch(async (err) => {
  // A bad setting is the operator's to fix: one line on stderr naming it, no stack trace.
  const message = err instanceof ConfigError ? err.message : `start-up failed: ${(err as Error).message}`;
  process.stderr.write(`blockflow: ${redactText(message)}\n`);
  if (!(err instanceof ConfigError)) logger.debug('start-up failure', { stack: (err as Error).stack });
  await shutdown(1);
});
