// All runtime configuration, read once from the environment and validated, so a bad setting
// fails at start-up with one line naming it instead of a stack trace later.
import { join, resolve } from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const optionalUrl = z.string().url().optional();

/** What one process runs: everything (one machine), or one part of a deployment that shares its services. */
export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

const schema = z.object({
  /** `npm start -- --role …` sets it too; api and worker join services given by URL (see joinedServices). */
  BLOCKFLOW_ROLE: z.enum(ROLES).default('all'),
  BLOCKFLOW_DATA_DIR: z.string().default('.data'),
  /** Unset = the private cluster `npm start` runs in the data folder. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .optional(),
  POSTGRES_PORT: port.default(55432),
  /** Unset = the embedded Temporal dev server. */
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'must be host:port')
    .optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('blockflow'),
  /** host:port of the worker's Temporal SDK metrics (Prometheus); unset = a free loopback port in role all. */
  TEMPORAL_SDK_METRICS_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d+$/, 'must be host:port')
    .optional(),
  /** Unset = the embedded OpenStack simulator. */
  OS_AUTH_URL: optionalUrl,
  OS_USER_DOMAIN_NAME: z.string().default('Default'),
  OS_PROJECT_DOMAIN_NAME: z.string().default('Default'),
  OS_ADMIN_USERNAME: z.string().min(1).optional(),
  OS_ADMIN_PASSWORD: z.string().min(1).optional(),
  OS_ADMIN_PROJECT: z.string().min(1).optional(),
  OS_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  SIMULATOR_PORT: port.default(8800),
  SIMULATOR_CREATE_DELAY_MS: z.coerce.number().int().min(0).default(3_000),
  API_PORT: port.default(8080),
  /** The address the API listens on: loopback unless an API replica serves other machines. */
  API_HOST: z.string().min(1).default('127.0.0.1'),
  /** The Temporal Web UI the API links to, when the embedded one does not run here. */
  TEMPORAL_UI_URL: optionalUrl,
  /** Bearer token for mutating API routes; unset = generated once and kept in the data folder. */
  API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  POOL_CONFIG_FILE: z.string().default('config/pool.json'),
  /** The chunk store's directory (volumes, clones); default <data dir>/chunkstore. */
  CHUNKSTORE_DIR: z.string().min(1).optional(),
  /**
   * Neutron networks (names or ids, comma-separated) blockflow hands fixed IPs out on, registered at
   * start; unset = "private" with the embedded simulator, none with a real cloud (POST /v1/networks).
   */
  MANAGED_NETWORKS: z.string().optional(),
  /** Where drill runs get their work dirs (one per run); unset = <data dir>/drills. */
  DRILL_WORK_DIR: z.string().min(1).optional(),
});

export type Settings = z.infer<typeof schema> & { dataDir: string; drillWorkDir: string; chunkStoreDir: string };

/** Raised for a bad or missing setting; its message is the one line to print. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]);
    throw new ConfigError(`invalid setting ${key}=${JSON.stringify(env[key] ?? '')}: ${issue.message}`);
  }
  const s = parsed.data;
  // A real cloud needs the admin credentials; the simulator supplies its own defaults.
  if (s.OS_AUTH_URL) {
    for (const key of ['OS_ADMIN_USERNAME', 'OS_ADMIN_PASSWORD', 'OS_ADMIN_PROJECT'] as const) {
      if (!s[key]) throw new ConfigError(`missing setting ${key}: required when OS_AUTH_URL is set`);
    }
  }
  return {
    ...s,
    dataDir: resolve(s.BLOCKFLOW_DATA_DIR),
    drillWorkDir: resolve(s.DRILL_WORK_DIR ?? join(s.BLOCKFLOW_DATA_DIR, 'drills')),
    chunkStoreDir: resolve(s.CHUNKSTORE_DIR ?? join(s.BLOCKFLOW_DATA_DIR, 'chunkstore')),
  };
}

/**
 * An api or worker process joins a deployment: PostgreSQL, Temporal and the cloud are given, never
 * started here (several processes would each start their own), and API replicas share one token.
 */
export function joinedServices(settings: Settings): { databaseUrl: string; temporalAddress: string } {
  const needed = ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'OS_AUTH_URL'] as const;
  const keys = settings.BLOCKFLOW_ROLE === 'api' ? [...needed, 'API_TOKEN' as const] : needed;
  for (const key of keys) {
    if (!settings[key])
      throw new ConfigError(`missing setting ${key}: role ${settings.BLOCKFLOW_ROLE} joins an existing deployment`);
  }
  return { databaseUrl: settings.DATABASE_URL!, temporalAddress: settings.TEMPORAL_ADDRESS! };
}

/** `--role api` (or `--role=api`) on the command line wins over BLOCKFLOW_ROLE. */
export function roleFromArgv(argv: string[], env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const at = argv.findIndex((a) => a === '--role' || a.startsWith('--role='));
  if (at < 0) return env;
  const value = argv[at]!.includes('=') ? argv[at]!.slice('--role='.length) : argv[at + 1];
  if (!value || !(ROLES as readonly string[]).includes(value))
    throw new ConfigError(`--role ${value ?? ''}: must be one of ${ROLES.join(', ')}`);
  return { ...env, BLOCKFLOW_ROLE: value };
}

export const dataPath = (settings: Settings, ...parts: string[]) => join(settings.dataDir, ...parts);
