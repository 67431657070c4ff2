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
  /** The HTTP API's port; undefined = start-dev picks a free one. */
  httpPort?: number;
  logFile: string;
  log?: (line: string) => void;
}

export interface TemporalServer {
  address: string;
  uiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * start-dev picks its HTTP, metrics and internal ports at random (bind, release, bind again): another process can
 * take one in between (a CI run, files side by side, saw "temporal server exited during start-up"), and the server
 * exits "address already in use". Such a start is tried again; any other exit is reported with the log's tail.
 */
const START_ATTEMPTS = 3;

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
  if (opts.httpPort) args.push('--http-port', String(opts.httpPort));
  for (let attempt = 1; ; attempt++) {
    try {
      const pid = await startOnce(binary, args, address, opts);
      const uiUrl = opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined;
      opts.log?.(`Temporal server ready on ${address} (pid ${pid})${uiUrl ? `, Web UI ${uiUrl}` : ''}`);
      return { address, uiUrl, pid, stop: () => stopPid(pid, { graceMs: 15_000 }) };
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= START_ATTEMPTS) throw error;
      opts.log?.(
        `Temporal server lost a port to another process; starting it again (${attempt + 1}/${START_ATTEMPTS})`,
      );
    }
  }
}

class PortTakenError extends Error {}

/** One start: resolves with its pid once healthy; throws with the output's tail if it exits first. */
async function startOnce(binary: string, args: string[], address: string, opts: TemporalServerOptions) {
  const daemon = spawnDaemon({ name: 'temporal', command: binary, args, logFile: opts.logFile });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  daemon.child.stdout?.on('data', keep);
  daemon.child.stderr?.on('data', keep);
  const closed = new Promise<void>((resolve) => daemon.child.once('close', () => resolve()));
  let exited = false;
  daemon.child.once('exit', () => {
    exited = true;
  });
  try {
    await waitUntil(
      async () => {
        if (exited) return { done: true };
        return { done: await isHealthy(address, opts.namespace, ...(opts.moreNamespaces ?? [])).catch(() => false) };
      },
      { what: `the Temporal server on ${address} (log: ${opts.logFile})`, timeoutMs: 60_000, intervalMs: 300 },
    );
  } catch (error) {
    await stopPid(daemon.pid, { graceMs: 5_000 });
    throw error;
  }
  if (!exited) return daemon.pid;
  await closed; // all of its output read
  const tail = output.trim().split('\n').slice(-5).join('\n');
  const message = `temporal server exited during start-up (log: ${opts.logFile}):\n${tail}`;
  throw /address already in use/.test(output) ? new PortTakenError(message) : new Error(message);
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
