// Every process the real OpenStack runs, recorded by PID: daemons (kept until stop) and one-shot
// commands (db syncs, bootstrap). Each writes to its own log, a dead daemon fails a wait at once
// with its last log lines, and stop() ends each process tree by the PIDs recorded.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnDaemon, sleep, stopPid, type Daemon } from '../infra/processes';
import { processTree, pssBytes } from './proc-tree';

export interface CommandSpec {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

export interface StopSpec {
  signal?: NodeJS.Signals;
  graceMs?: number;
}

interface Member {
  daemon: Daemon;
  stop: StopSpec;
  /** Last known tree, so children are still found if the parent died first. */
  tree: number[];
}

/** Thrown by a waitFor probe to stop waiting at once (e.g. a volume went to "error"). */
export class GiveUp extends Error {}

export class ProcessGroup {
  private readonly members: Member[] = [];
  private readonly oneShots = new Set<number>();

  constructor(
    readonly logDir: string,
    private readonly log: (line: string) => void = () => {},
    /** Epoch ms by which every run and wait must be over, whatever its own timeout: bounds a whole bring-up. */
    private readonly deadline = Infinity,
  ) {}

  /** The step's own timeout, cut to what is left before the group's deadline. */
  private budget(timeoutMs: number): number {
    const left = this.deadline - Date.now();
    if (left <= 0) throw new Error(`the bring-up ran out of time (deadline passed ${Math.round(-left / 1000)} s ago)`);
    return Math.min(timeoutMs, left);
  }

  logFile(name: string): string {
    return join(this.logDir, `${name}.log`);
  }

  /** A long-running process, stopped in reverse start order by stopAll(). */
  daemon(name: string, spec: CommandSpec, stop: StopSpec = {}): Daemon {
    const daemon = spawnDaemon({ name, ...spec, env: spec.env ?? process.env, logFile: this.logFile(name) });
    this.members.push({ daemon, stop, tree: [daemon.pid] });
    return daemon;
  }

  /** Runs a command to completion; a non-zero exit or the timeout throws with the log's tail. */
  async run(name: string, spec: CommandSpec, ownTimeoutMs: number): Promise<void> {
    const timeoutMs = this.budget(ownTimeoutMs);
    const logFile = this.logFile(name);
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(spec.command, spec.args, {
      env: spec.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    // Both streams into one log: neither may end it (the other may still write); 'close' does.
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    if (child.pid) this.oneShots.add(child.pid);
    const started = Date.now();
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, s) => resolve([c, s]));
    }).finally(() => child.pid && this.oneShots.delete(child.pid));
    await new Promise<void>((resolve) => log.end(resolve));
    if (code === 0) {
      this.log(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return;
    }
    const why =
      signal && Date.now() - started >= timeoutMs
        ? `did not finish within ${timeoutMs / 1000} s`
        : `failed (exit ${code ?? signal})`;
    throw new Error(`${name}: ${spec.command} ${spec.args.join(' ')} ${why}\n${tail(logFile)}`);
  }

  /** Throws naming the first daemon that is no longer running, with its last log lines. */
  assertAlive(): void {
    for (const { daemon } of this.members) {
      if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) {
        throw new Error(
          `${daemon.name} (pid ${daemon.pid}) exited with ${daemon.child.exitCode ?? daemon.child.signalCode}\n` +
            tail(daemon.logFile),
        );
      }
    }
  }

  /** Polls `probe` until it is true; fails fast when a daemon dies, and names `what` on timeout. */
  async waitFor(what: string, probe: () => Promise<boolean>, ownTimeoutMs: number, intervalMs = 250): Promise<void> {
    const timeoutMs = this.budget(ownTimeoutMs);
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    for (;;) {
      this.assertAlive();
      try {
        if (await probe()) return;
      } catch (err) {
        if (err instanceof GiveUp) throw err;
        lastError = ` (last error: ${(err as Error).message})`;
      }
      if (Date.now() > deadline)
        throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${lastError}`);
      await sleep(intervalMs);
    }
  }

  pids(): { name: string; pid: number }[] {
    return this.members.map(({ daemon }) => ({ name: daemon.name, pid: daemon.pid }));
  }

  /** PSS of each daemon's process tree, in bytes. */
  memory(): { name: string; bytes: number }[] {
    return this.members.map((m) => {
      m.tree = processTree(m.daemon.pid);
      return { name: m.daemon.name, bytes: m.tree.reduce((sum, pid) => sum + pssBytes(pid), 0) };
    });
  }

  /** Last resort when the parent process exits without stop(): SIGKILL every recorded tree, synchronously. */
  killNow(): void {
    for (const pid of [...this.oneShots, ...this.members.flatMap((m) => [...m.tree, ...processTree(m.daemon.pid)])]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  /**
   * Stops everything started, all at once (the instance is thrown away, so no order is needed):
   * each daemon by its PID, then any survivor of its tree.
   */
  async stopAll(): Promise<void> {
    for (const pid of this.oneShots) await stopPid(pid, { signal: 'SIGKILL', graceMs: 2_000 });
    await Promise.all(
      this.members.map(async (member) => {
        const started = performance.now();
        const tree = [...new Set([...member.tree, ...processTree(member.daemon.pid)])];
        await stopPid(member.daemon.pid, { signal: member.stop.signal, graceMs: member.stop.graceMs ?? 10_000 });
        await Promise.all(tree.slice(1).map((pid) => stopPid(pid, { graceMs: 2_000 })));
        this.log(
          `stopped ${member.daemon.name} (pid ${member.daemon.pid}) in ${Math.round(performance.now() - started)} ms`,
        );
      }),
    );
    this.members.length = 0;
  }
}

export function tail(file: string, lines = 25): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  const text = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  return `--- last lines of ${file} ---\n${text}`;
}
