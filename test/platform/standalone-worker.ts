// Standalone workers (`bin/start.ts --role worker` as child processes) on a platform's task queue, for the tests
// that SIGKILL a worker mid-flight. Each test file keeps one pool of them and kills what is left.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { inject } from 'vitest';
import { joinSimulatedDeployment } from '../../infra/stack';
import type { Platform } from './harness';

export interface StandaloneWorkers {
  /** Every worker started so far. */
  readonly children: ChildProcess[];
  /** Starts a worker; `polling` settles once it polls the task queue (rejects if it exits first). */
  spawn(): { child: ChildProcess; polling: Promise<void> };
  /** True when some worker is still alive. */
  anyAlive(): boolean;
  /** SIGKILLs every worker still alive. */
  killAll(): void;
}

const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

export function standaloneWorkers(p: () => Platform): StandaloneWorkers {
  const children: ChildProcess[] = [];
  return {
    children,
    spawn() {
      const platform = p();
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, '../../bin/start.ts'), '--role', 'worker'],
        {
          env: {
            ...process.env,
            LOG_LEVEL: 'info', // its start-up lines, which npm test's LOG_LEVEL=warn would hide
            BLOCKFLOW_WORKFLOW_BUNDLE: inject('workflowBundlePath'), // no 3 s of bundling per start
            ...joinSimulatedDeployment({ ...platform, authUrl: platform.sim.authUrl }),
            CHUNKSTORE_DIR: platform.chunkStoreDir,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.push(child);
      let output = '';
      const polling = new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d) => {
          output += d;
          if (output.includes('worker polling task queue')) resolve();
        });
        child.stderr!.on('data', (d) => {
          output += d;
        });
        child.on('exit', (code, signal) => {
          if (signal !== 'SIGKILL')
            console.error(`worker ${child.pid} exited ${code} ${signal}: ${output.slice(-4000)}`);
          reject(new Error(`worker ${child.pid} exited (${code ?? signal}) before polling`));
        });
      });
      polling.catch(() => undefined); // a caller that does not wait for it must not see an unhandled rejection
      return { child, polling };
    },
    anyAlive: () => children.some(alive),
    killAll() {
      for (const c of children) if (alive(c)) c.kill('SIGKILL');
    },
  };
}
