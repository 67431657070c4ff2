// The simulated cloud in a process of its own, for benchmarks that measure blockflow: the cloud's
// own CPU (its HTTP handling, its timers) then neither queues behind blockflow's event loop nor
// counts as blockflow's, as with a real cloud on other machines. The parent passes the
// simulator's options as JSON (argv[2]); the child prints one line `READY <url> <authUrl>` and
// runs until it is sent SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startSimulator, type SimulatorOptions } from '../../openstack-sim';

export interface SimProcess {
  pid: number;
  url: string;
  authUrl: string;
  stop(): Promise<void>;
}

/** Starts the simulator in a child process; resolves once it listens. */
export async function startSimulatorProcess(options: SimulatorOptions): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the simulator process exited (${code}) before it listened`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('READY ')) resolve(line);
    });
  });
  const [, url, authUrl] = ready.split(' ');
  return { pid: child.pid!, url: url!, authUrl: authUrl!, stop: () => stopChild(child) };
}

/** SIGTERM, then wait for the exit. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}

if (process.argv[1] === import.meta.filename) {
  const sim = await startSimulator(JSON.parse(process.argv[2] ?? '{}') as SimulatorOptions);
  console.log(`READY ${sim.url} ${sim.authUrl}`);
  process.once('SIGTERM', () => void sim.stop().then(() => process.exit(0)));
}
