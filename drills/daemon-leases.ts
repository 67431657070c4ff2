// Several processes may use libvirt's daemons at once (the drills test file, a platform test's
// worker, the start command: `npm test` runs them in parallel). Each user holds a lease (a file
// naming its PID) while it needs the daemons; daemons that a blockflow process started are
// stopped only by the last leaseholder to leave, so no process stops daemons another still uses.
// A short-lived lock file serialises starting, leasing and stopping across processes.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from '../lib/wait-until';

/** tmpfs, cleared at boot like the daemons' own pid files. */
export const LEASE_ROOT = '/run/blockflow';
const LEASE_DIR = join(LEASE_ROOT, 'libvirt-leases');
const LOCK_FILE = join(LEASE_ROOT, 'libvirt.lock');
/** The daemons some blockflow process started (and so may stop): `[{ name, pid }]`. */
const STARTED_FILE = join(LEASE_ROOT, 'libvirt-started.json');

export interface StartedDaemon {
  name: string;
  pid: number;
}

/** Runs `action` holding the cross-process lock; a lock left by a dead process is taken over. */
export async function withDaemonLock<T>(action: () => Promise<T>, timeoutMs: number): Promise<T> {
  await mkdir(LEASE_ROOT, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(LOCK_FILE, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readPid(LOCK_FILE);
    if (holder !== undefined && !pidAlive(holder) && (await readPid(LOCK_FILE)) === holder) {
      await rm(LOCK_FILE, { force: true });
      continue;
    }
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${LOCK_FILE} (held by pid ${holder ?? '?'})`);
    await sleep(50);
  }
  try {
    return await action();
  } finally {
    await rm(LOCK_FILE, { force: true });
  }
}

/** Call with the lock held. Returns the lease id to hand back to releaseLease. */
export async function takeLease(): Promise<string> {
  await mkdir(LEASE_DIR, { recursive: true });
  const lease = `${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(join(LEASE_DIR, lease), '');
  return lease;
}

/** Call with the lock held. Drops the lease (and those of dead processes); true when none is left. */
export async function releaseLease(lease: string): Promise<boolean> {
  await rm(join(LEASE_DIR, lease), { force: true });
  let remaining = 0;
  for (const name of await readdir(LEASE_DIR).catch(() => [] as string[])) {
    if (pidAlive(Number.parseInt(name, 10))) remaining++;
    else await rm(join(LEASE_DIR, name), { force: true });
  }
  return remaining === 0;
}

export async function recordStartedDaemons(daemons: StartedDaemon[]): Promise<void> {
  await writeFile(STARTED_FILE, JSON.stringify([...(await readStartedDaemons()), ...daemons]));
}

export async function readStartedDaemons(): Promise<StartedDaemon[]> {
  try {
    return JSON.parse(await readFile(STARTED_FILE, 'utf8')) as StartedDaemon[];
  } catch {
    return [];
  }
}

export async function forgetStartedDaemons(): Promise<void> {
  await rm(STARTED_FILE, { force: true });
}

async function readPid(file: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
  return Number.isInteger(pid) ? pid : undefined;
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
