// A private PostgreSQL cluster in the project's data folder (initdb + pg_ctl), so blockflow
// never touches a system cluster. Binaries come from Debian's postgresql package, which
// scripts/ensure-deps.sh installs when missing.
import { existsSync, mkdirSync, readdirSync, readFileSync, chmodSync, chownSync, statSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { waitUntil } from '../lib/wait-until';
import { isAlive, stopPid } from './processes';

const run = promisify(execFile);

export interface PostgresCluster {
  url: (database: string) => string;
  /** PID of the postmaster, or undefined when we reused one that was already running. */
  startedPid?: number;
  stop(): Promise<void>;
}

export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest)
    throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql (scripts/ensure-deps.sh installs them)');
  return join(root, newest, 'bin');
}

/** PostgreSQL refuses to run as root; as root we run its binaries as the `postgres` user. */
function asDbUser(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

function postmasterPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && isAlive(pid) ? pid : undefined;
}

/**
 * Starts (or reuses) the cluster in `dataDir`, listening on 127.0.0.1:`port` and a unix socket
 * inside the data folder. Idempotent: initdb only when the folder is empty.
 */
export async function startPostgres(opts: {
  dataDir: string;
  port: number;
  /** 200 unless told (the platform tests' cluster serves several files at once). */
  maxConnections?: number;
  log?: (line: string) => void;
}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const { dataDir, port } = opts;
  const url = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    // initdb (run as postgres) creates everything inside; only the folder itself needs handing
    // over, and postgres must be able to walk down to it (a checkout under a 0700 home or a
    // mkdtemp folder would stop it).
    chownToUser(dataDir, 'postgres');
    grantTraverse(dirname(dataDir), opts.log);
  }

  const running = postmasterPid(dataDir);
  if (running) {
    opts.log?.(`PostgreSQL already running (pid ${running}) in ${dataDir}`);
    return { url, stop: async () => {} };
  }
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    opts.log?.(`initialising PostgreSQL cluster in ${dataDir}`);
    const [cmd, args] = asDbUser(join(bin, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    await run(cmd, args);
  }
  const sessions = opts.maxConnections ?? 200;
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dataDir} -c max_connections=${sessions} -c fsync=on`;
  const [cmd, args] = asDbUser(join(bin, 'pg_ctl'), [
    '-D',
    dataDir,
    '-l',
    join(dataDir, 'server.log'),
    '-o',
    options,
    '-w',
    '-t',
    '60',
    'start',
  ]);
  await run(cmd, args).catch((err) => {
    throw new Error(
      `PostgreSQL did not start (see ${join(dataDir, 'server.log')}): ${String(err.stderr || err.message).trim()}`,
    );
  });
  const pid = postmasterPid(dataDir);
  if (!pid) throw new Error(`PostgreSQL started but ${dataDir}/postmaster.pid is missing`);
  await waitUntil(async () => ({ done: await canConnect(url('postgres')).catch(() => false) }), {
    what: 'PostgreSQL to accept connections',
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  opts.log?.(`PostgreSQL ready on 127.0.0.1:${port} (pid ${pid})`);
  // SIGINT = PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
  return { url, startedPid: pid, stop: () => stopPid(pid, { signal: 'SIGINT', graceMs: 30_000 }) };
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return true;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * CREATE DATABASE unless it exists (PostgreSQL has no IF NOT EXISTS for databases); `template`:
 * as a copy of that database (which nobody may be connected to).
 */
export async function ensureDatabase(
  serverUrl: string,
  database: string,
  opts: { template?: string } = {},
): Promise<void> {
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    const template = opts.template ? ` TEMPLATE ${quote(opts.template)}` : '';
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${quote(database)}${template}`);
  } finally {
    await client.end();
  }
}

/** DROP DATABASE, closing the sessions still on it (a test's database at the test's end). */
export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** chmod o+x (traverse only, no listing) on every ancestor that lacks it. */
function grantTraverse(dir: string, log?: (line: string) => void): void {
  for (let d = dir; ; d = dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(d, (mode & 0o7777) | 0o001);
      log?.(`granted traverse permission on ${d} so the postgres user can reach its data folder`);
    }
    if (d === dirname(d)) return;
  }
}

function chownToUser(path: string, user: string): void {
  const { uid, gid } = userIds(user);
  if (statSync(path).uid !== uid) chownSync(path, uid, gid);
}

function userIds(user: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`system user "${user}" not found (installed by Debian's postgresql package)`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
