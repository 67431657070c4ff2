// Runs an external tool with a hard timeout (every wait in the drills is bounded) and
// turns a failure into an error that carries the command line and its stderr.
import { execFile } from 'node:child_process';

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly timedOut: boolean,
    readonly stdout = '',
  ) {
    super(`${timedOut ? 'timed out' : `failed (exit ${exitCode})`}: ${command}${stderr ? `\n${stderr.trim()}` : ''}`);
    this.name = 'CommandError';
  }
}

const DEFAULT_TIMEOUT_MS = 60_000;

export function runCommand(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const commandLine = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        timeout,
        killSignal: 'SIGKILL',
        cwd: options.cwd,
        env: options.env,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr });
        const timedOut = error.killed === true && error.signal === 'SIGKILL';
        const exitCode = typeof error.code === 'number' ? error.code : null;
        reject(new CommandError(commandLine, exitCode, stderr || error.message, timedOut, stdout));
      },
    );
  });
}
