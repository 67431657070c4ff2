// A blockflow worker in a process of its own (`bin/start.ts --role worker`), for the server-create
// benchmark's `--split` runs: the worker and the API then each have an event loop (and a core) of
// their own, as in a deployment of separate roles. Resolves once the worker polls its task queue.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { joinSimulatedDeployment } from '../../infra/stack';
import { stopChild } from './sim-process';

export interface WorkerProcess {
  pid: number;
  stop(): Promise<void>;
}

export async function startWorkerProcess(opts: {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  authUrl: string;
}): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, '../../bin/start.ts'), '--role', 'worker'],
    {
      env: { ...process.env, LOG_LEVEL: 'info', ...joinSimulatedDeployment(opts) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.once('exit', (code) => reject(new Error(`the worker process exited (${code}) before it polled`)));
    child.stdout!.on(
      'data',
      (d: Buffer) => (output += d.toString()).includes('worker polling task queue') && resolve(),
    );
  });
  child.stdout!.removeAllListeners('data').resume(); // its later log lines are not kept
  return { pid: child.pid!, stop: () => stopChild(child) };
}
