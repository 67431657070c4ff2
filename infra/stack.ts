// The pieces `npm start` (and the platform tests) bring up, each either reused from the
// environment (DATABASE_URL, TEMPORAL_ADDRESS, OS_AUTH_URL) or started by us in the data
// folder. Each returns a stop() that stops only what it started, by PID.
import { startSimulator } from '../openstack-sim';
import { connectCloud, type CloudClients, type CloudConfig } from '../openstack/cloud';
import { UnauthorizedError, UnreachableError, NotFoundError } from '../openstack/errors';
import { ConfigError, dataPath, type Settings } from '../config/settings';
import { readPoolConfig, type PoolConfig } from '../pool/settings';
import { ensureDatabase, startPostgres } from './postgres';
import { migrate } from './migrate';
import { startTemporalServer, isHealthy } from './temporal-server';
import { waitUntil } from '../lib/wait-until';

/** How long a process joining a deployment retries a service that does not answer yet. */
const JOIN_RETRY_MS = 10_000;

export type Log = (line: string) => void;
export interface Started<T> {
  value: T;
  stop(): Promise<void>;
}
const nothingToStop = async () => {};

/** PostgreSQL with the schema migrated. */
export async function startDatabase(settings: Settings, log: Log): Promise<Started<{ url: string }>> {
  if (settings.DATABASE_URL) {
    const url = settings.DATABASE_URL;
    await migrateOrExplain(url, 'DATABASE_URL', log);
    return { value: { url }, stop: nothingToStop };
  }
  const cluster = await startPostgres({ dataDir: dataPath(settings, 'postgres'), port: settings.POSTGRES_PORT, log });
  await ensureDatabase(cluster.url('postgres'), 'blockflow');
  const url = cluster.url('blockflow');
  await migrateOrExplain(url, 'DATABASE_URL', log);
  return { value: { url }, stop: cluster.stop };
}

async function migrateOrExplain(url: string, setting: string, log: Log): Promise<void> {
  const result = await migrate(url).catch((err: Error & { code?: string }) => {
    if (err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === '28P01' || err.code === '3D000') {
      throw new ConfigError(`${setting}: cannot use the database (${err.code}: ${err.message})`);
    }
    throw err;
  });
  const appliedNames = result.applied.length ? ` (${result.applied.join(', ')})` : '';
  log(`database migrated: ${result.applied.length} applied${appliedNames}, ${result.alreadyApplied} already there`);
}

/** A Temporal frontend: TEMPORAL_ADDRESS, or the embedded dev server with SQLite history + Web UI. */
export async function startTemporal(
  settings: Settings,
  log: Log,
): Promise<Started<{ address: string; uiUrl?: string }>> {
  if (settings.TEMPORAL_ADDRESS) {
    // A few tries: a frontend that processes of the same deployment start alongside may still be coming up.
    const ok = await waitUntil(
      async () => ({
        done: await isHealthy(settings.TEMPORAL_ADDRESS!, settings.TEMPORAL_NAMESPACE).catch(() => false),
      }),
      { what: 'Temporal', timeoutMs: JOIN_RETRY_MS, intervalMs: 500 },
    ).then(
      () => true,
      () => false,
    );
    if (!ok)
      throw new ConfigError(
        `TEMPORAL_ADDRESS=${settings.TEMPORAL_ADDRESS}: ` +
          `no Temporal frontend with namespace "${settings.TEMPORAL_NAMESPACE}" answers there`,
      );
    return { value: { address: settings.TEMPORAL_ADDRESS }, stop: nothingToStop };
  }
  const server = await startTemporalServer({
    port: settings.TEMPORAL_PORT,
    uiPort: settings.TEMPORAL_UI_PORT,
    dbFile: dataPath(settings, 'temporal', 'temporal.db'),
    namespace: settings.TEMPORAL_NAMESPACE,
    logFile: dataPath(settings, 'logs', 'temporal.log'),
    log,
  });
  return { value: { address: server.address, uiUrl: server.uiUrl }, stop: server.stop };
}

/** Embedded simulator's accounts (openstack-sim's defaults). */
export const SIMULATOR_ADMIN = { username: 'admin', password: 'admin-secret', project: 'admin' };
export const SIMULATOR_TENANT = { username: 'demo', password: 'demo-secret', project: 'demo' };

/**
 * The settings a `--role api|worker` process needs to join a deployment (its PostgreSQL, Temporal and
 * task queue) whose cloud is a simulator at `authUrl`: what the tests and benchmarks that start
 * such processes give them.
 */
export function joinSimulatedDeployment(d: {
  databaseUrl: string;
  temporalAddress: string;
  namespace?: string;
  taskQueue: string;
  authUrl: string;
}): Record<string, string> {
  return {
    DATABASE_URL: d.databaseUrl,
    TEMPORAL_ADDRESS: d.temporalAddress,
    ...(d.namespace ? { TEMPORAL_NAMESPACE: d.namespace } : {}),
    TEMPORAL_TASK_QUEUE: d.taskQueue,
    OS_AUTH_URL: d.authUrl,
    OS_ADMIN_USERNAME: SIMULATOR_ADMIN.username,
    OS_ADMIN_PASSWORD: SIMULATOR_ADMIN.password,
    OS_ADMIN_PROJECT: SIMULATOR_ADMIN.project,
  };
}

/** The real cloud's settings (OS_AUTH_URL and the admin credentials, which loadSettings requires with it). */
export function cloudConfigFromSettings(settings: Settings): CloudConfig {
  if (!settings.OS_AUTH_URL) throw new ConfigError('missing setting OS_AUTH_URL');
  return {
    ...cloudBase(settings),
    authUrl: settings.OS_AUTH_URL,
    admin: {
      username: settings.OS_ADMIN_USERNAME!,
      password: settings.OS_ADMIN_PASSWORD!,
      project: settings.OS_ADMIN_PROJECT!,
    },
  };
}

const cloudBase = (settings: Settings) => ({
  userDomainName: settings.OS_USER_DOMAIN_NAME,
  projectDomainName: settings.OS_PROJECT_DOMAIN_NAME,
  timeoutMs: settings.OS_REQUEST_TIMEOUT_MS,
});

/** An OpenStack cloud: OS_AUTH_URL + admin credentials, or the embedded simulator. */
export async function startCloud(settings: Settings, log: Log): Promise<Started<CloudConfig>> {
  if (settings.OS_AUTH_URL) return { value: cloudConfigFromSettings(settings), stop: nothingToStop };
  const sim = await startSimulator({
    port: settings.SIMULATOR_PORT,
    seed: simulatorSeed(readPoolConfig(settings.POOL_CONFIG_FILE)),
    createDelayMs: settings.SIMULATOR_CREATE_DELAY_MS,
    stateFile: dataPath(settings, 'openstack-sim', 'state.json'),
  });
  log(`OpenStack simulator ready at ${sim.url} (Keystone ${sim.authUrl})`);
  return { value: { ...cloudBase(settings), authUrl: sim.authUrl, admin: SIMULATOR_ADMIN }, stop: () => sim.stop() };
}

/**
 * The simulator's image snapshots, named by the pool's naming rule: one per (type, OS) of the
 * config. The embedded default leaves out the last OS on the last type (`omitLast`), so it also
 * shows how an OS without a snapshot is reported (status no_snapshot, no spares, no crash).
 */
export function simulatorSeed(config: PoolConfig, opts: { omitLast?: boolean } = { omitLast: true }) {
  const oses = [...config.osHighDemand, ...config.osLowDemand];
  const isLast = (t: number, o: number) => t === config.volumeTypes.length - 1 && o === oses.length - 1;
  const snapshots = config.volumeTypes.flatMap((type, t) =>
    oses
      .filter((_, o) => !(opts.omitLast && isLast(t, o)))
      .map((os) => ({ name: `sysdisk-${type}-${os}`, volumeType: type, sizeGb: 20 })),
  );
  return { volumeTypes: config.volumeTypes, snapshots };
}

/** Authenticates once so a wrong URL or password fails at start-up, naming the setting. */
export async function checkCloud(cloud: CloudClients): Promise<void> {
  try {
    await cloud.admin.session.authenticate();
  } catch (err) {
    if (err instanceof UnreachableError || err instanceof NotFoundError)
      throw new ConfigError(`OS_AUTH_URL=${cloud.authUrl}: Keystone is unreachable there (${err.apiMessage})`);
    if (err instanceof UnauthorizedError)
      throw new ConfigError(
        `OS_ADMIN_PASSWORD: Keystone at ${cloud.authUrl} rejected user "${cloud.admin.session.username}" (401)`,
      );
    throw err;
  }
}

export { connectCloud };
