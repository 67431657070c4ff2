// How busy this process, some other processes (by PID: a Temporal server, a PostgreSQL cluster)
// and the machine were while a benchmark phase ran: CPU time of each (all threads; for a
// process tree, its children too, live and reaped), event-loop delay of this process's main
// thread, and the machine's CPU busy time (every process, ours and anyone else's). Linux /proc.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux port in use). */
const TICKS_PER_S = 100;

interface Stat {
  ppid: number;
  /** utime + stime, and cutime + cstime (reaped children), ms */
  ownMs: number;
  reapedMs: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses; field 3 is the state.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ms = (i: number) => (Number(f[i - 3]) * 1000) / TICKS_PER_S;
    return { ppid: Number(f[4 - 3]), ownMs: ms(14) + ms(15), reapedMs: ms(16) + ms(17) };
  } catch {
    return undefined;
  }
}

const pids = () =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);

/** PIDs whose command line (NUL-separated arguments joined by spaces) matches. */
export function findPids(match: (cmdline: string) => boolean): number[] {
  return pids().filter((pid) => {
    try {
      return match(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      return false;
    }
  });
}

/** CPU ms of a process (with `tree`: plus its live children and the children it reaped). */
export function cpuMsOf(pid: number, tree: boolean): number {
  const root = readStat(pid);
  if (!root) return NaN;
  if (!tree) return root.ownMs;
  let ms = root.ownMs + root.reapedMs;
  for (const child of pids()) {
    const s = child === pid ? undefined : readStat(child);
    if (s?.ppid === pid) ms += s.ownMs + s.reapedMs;
  }
  return ms;
}

export interface Watched {
  pid: number;
  /** Count children too (PostgreSQL's backends). */
  tree: boolean;
}

export interface LoadReport {
  wallMs: number;
  /** CPU ms of this process, of each watched process, of the whole machine (busy, every core). */
  cpuMs: Record<string, number> & { thisProcess: number; machine: number };
  /** thisProcess CPU / wall: 100 = one core busy all the time. */
  processCpuPct: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  machineBusyPct: number;
  loadAverage1m: number;
}

const machineTimes = () =>
  os.cpus().reduce(
    (t, c) => {
      const total = c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq;
      return { total: t.total + total, idle: t.idle + c.times.idle };
    },
    { total: 0, idle: 0 },
  );

const r1 = (x: number) => Math.round(x * 10) / 10;

export function startLoadProbe(watched: Record<string, Watched> = {}): { stop(): LoadReport } {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const m0 = machineTimes();
  const w0 = Object.fromEntries(Object.entries(watched).map(([k, w]) => [k, cpuMsOf(w.pid, w.tree)]));
  return {
    stop() {
      delay.disable();
      const cpu = process.cpuUsage(cpu0);
      const wallMs = performance.now() - wall0;
      const m1 = machineTimes();
      const thisProcess = (cpu.user + cpu.system) / 1000;
      const total = m1.total - m0.total;
      const busy = total - (m1.idle - m0.idle);
      const others = Object.fromEntries(
        Object.entries(watched).map(([k, w]) => [k, Math.round(cpuMsOf(w.pid, w.tree) - w0[k])]),
      );
      return {
        wallMs: Math.round(wallMs),
        cpuMs: { thisProcess: Math.round(thisProcess), ...others, machine: Math.round(busy) },
        processCpuPct: r1((100 * thisProcess) / wallMs),
        eventLoopDelayMs: {
          p50: r1(delay.percentile(50) / 1e6),
          p99: r1(delay.percentile(99) / 1e6),
          max: r1(delay.max / 1e6),
        },
        machineBusyPct: total > 0 ? r1((100 * busy) / total) : NaN,
        loadAverage1m: r1(os.loadavg()[0]),
      };
    },
  };
}
