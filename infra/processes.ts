// Starting, watching and stopping the servers blockflow runs itself (PostgreSQL, Temporal,
// libvirt…). Everything is stopped by the PID we recorded, never by name.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream, mkdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { createConnection } from 'node:net';
import { sleep } from '../lib/wait-until';

// Kept here too for the callers that stop processes with it (contract/).
export { sleep };

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** stdout+stderr go here, so a failed start can be explained from the log. */
  logFile: string;
}

export interface Daemon {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
}

/** Spawns a long-running child whose output is appended to its log file. */
export function spawnDaemon(spec: DaemonSpec): Daemon {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  const child = spawn(spec.command, spec.args, { env: spec.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Both streams feed one log: neither may end it (the other could still write), the child's exit does.
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.once('close', () => log.end());
  if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
  return { name: spec.name, pid: child.pid, child, logFile: spec.logFile };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM (or the given signal), then SIGKILL if the process outlives the grace period. */
export async function stopPid(pid: number, opts: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, opts.signal ?? 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + (opts.graceMs ?? 10_000);
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

export function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** True when an executable of that name is on PATH. */
export function isOnPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
