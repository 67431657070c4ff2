// The real Temporal server: `temporal server start-dev` from the CLI binary that
// scripts/ensure-temporal.sh builds (full server, SQLite persistence, Web UI).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { waitUntil } from '../lib/wait-until';
import { spawnDaemon, stopPid, isPortOpen } from './processes';

const run = promisify(execFile);
const projectRoot = join(import.meta.dirname, '..');

/** Path of the Temporal CLI (builds it on first use; cached outside the work tree). */
export async function temporalCliPath(): Promise<string> {
  const { stdout } = await run('bash', [join(projectRoot, 'scripts/ensure-temporal.sh')], { maxBuffer: 1 << 20 });
  return stdout.trim().split('\n').pop()!;
}

export interface TemporalServerOptions {
  port: number;
  /** Web UI port; undefined = headless. */
  uiPort?: number;
  /** SQLite file for durable history; undefined = in-memory (tests). */
  dbFile?: string;
  namespace: string;
  /** More namespaces registered at start (the platform tests: one per vitest worker). */
  moreNamespaces?: string[];
  logFile: string;
  log?: (line: string) => void;
}

export interface TemporalServer {
  address: string;
  uiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startTemporalServer(opts: TemporalServerOptions): Promise<TemporalServer> {
  const address = `127.0.0.1:${opts.port}`;
  if (await isPortOpen(opts.port))
    throw new Error(
      `port ${opts.port} is already in use: is another Temporal server running? (set TEMPORAL_ADDRESS to use it)`,
    );
  const binary = await temporalCliPath();
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    ...[opts.namespace, ...(opts.moreNamespaces ?? [])].flatMap((n) => ['--namespace', n]),
    '--log-level',
    'warn',
  ];
  if (opts.dbFile) {
    mkdirSync(dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (opts.uiPort) args.push('--ui-ip', '127.0.0.1', '--ui-port', String(opts.uiPort));
  else args.push('--headless');
  const daemon = spawnDaemon({ name: 'temporal', command: binary, args, logFile: opts.logFile });
  let exited = false;
  daemon.child.once('exit', () => {
    exited = true;
  });
  await waitUntil(
    async () => {
      if (exited) throw new Error(`temporal server exited during start-up; see ${opts.logFile}`);
      return { done: await isHealthy(address, opts.namespace, ...(opts.moreNamespaces ?? [])).catch(() => false) };
    },
    { what: `the Temporal server on ${address} (log: ${opts.logFile})`, timeoutMs: 60_000, intervalMs: 300 },
  );
  const uiUrl = opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined;
  opts.log?.(`Temporal server ready on ${address} (pid ${daemon.pid})${uiUrl ? `, Web UI ${uiUrl}` : ''}`);
  return { address, uiUrl, pid: daemon.pid, stop: () => stopPid(daemon.pid, { graceMs: 15_000 }) };
}

/** True when the frontend answers and every namespace named is registered. */
export async function isHealthy(address: string, ...namespaces: string[]): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    for (const namespace of namespaces) await connection.workflowService.describeNamespace({ namespace });
    return true;
  } finally {
    await connection.close();
  }
}
