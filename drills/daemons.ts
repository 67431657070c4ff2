// libvirt's daemons without systemd: start `virtlogd -d` and `libvirtd -d` when they are not
// already running, remember which ones we started (by PID), and stop only those, once no other
// process holds a lease on them (daemon-leases.ts).
// No `--listen`: that wants TLS certificates; the local unix socket is all the drills need.
import { readFileSync } from 'node:fs';
import { chmod, chown, readFile, stat } from 'node:fs/promises';
import { sleep, waitUntil } from '../lib/wait-until';
import {
  forgetStartedDaemons,
  readStartedDaemons,
  recordStartedDaemons,
  releaseLease,
  takeLease,
  withDaemonLock,
} from './daemon-leases';
import { runCommand } from './run-command';

export type LibvirtDaemonName = 'virtlogd' | 'libvirtd';

export interface DaemonProcess {
  name: LibvirtDaemonName;
  pid: number;
  /** Whether this call started it (informational: stopping follows the leases). */
  startedByUs: boolean;
  /** The lease this call took; stopLibvirtDaemons hands it back. */
  lease: string;
}

export const LIBVIRT_URI = 'qemu:///system';
const PID_FILES: Record<LibvirtDaemonName, string> = { virtlogd: '/run/virtlogd.pid', libvirtd: '/run/libvirtd.pid' };
const KVM_DEVICE = '/dev/kvm';
const START_ORDER: LibvirtDaemonName[] = ['virtlogd', 'libvirtd'];

/**
 * Idempotent: returns the running daemons, starting the missing ones, and takes a lease on them.
 * Resolves once virsh answers. Under the cross-process lock, so two callers never both start one.
 */
export async function ensureLibvirtDaemons(timeoutMs = 90_000): Promise<DaemonProcess[]> {
  return withDaemonLock(() => startMissingDaemons(timeoutMs), timeoutMs);
}

async function startMissingDaemons(timeoutMs: number): Promise<DaemonProcess[]> {
  const deadline = Date.now() + timeoutMs;
  await giveKvmDeviceToKvmGroup();
  const daemons: Omit<DaemonProcess, 'lease'>[] = [];
  for (const name of START_ORDER) {
    const running = await runningPid(name);
    if (running !== undefined) {
      daemons.push({ name, pid: running, startedByUs: false });
      continue;
    }
    await runCommand(name, ['-d'], { timeoutMs: 30_000 });
    const pid = await waitUntil(
      async () => {
        const found = await runningPid(name);
        return { done: found !== undefined, value: found };
      },
      { what: `${name} to write ${PID_FILES[name]}`, timeoutMs: Math.max(1_000, deadline - Date.now()) },
    );
    daemons.push({ name, pid, startedByUs: true });
    await recordStartedDaemons([{ name, pid }]);
  }
  // The first connection makes libvirtd probe QEMU's capabilities (~12 s when not cached yet).
  await waitUntil(
    async () => {
      try {
        await runCommand('virsh', ['-c', LIBVIRT_URI, 'version'], {
          timeoutMs: Math.max(1_000, deadline - Date.now()),
        });
        return { done: true };
      } catch (error) {
        return { done: false, state: String(error) };
      }
    },
    { what: 'libvirtd to answer virsh', timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 250 },
  );
  const lease = await takeLease();
  return daemons.map((daemon) => ({ ...daemon, lease }));
}

/**
 * Without udev, /dev/kvm keeps the kernel's root:root 0600. libvirtd then probes QEMU as root
 * (and records KVM as available) but validates that capability cache as libvirt-qemu (for whom
 * KVM is not available), so it re-probes QEMU on every API call: ~45 s per `virsh define`.
 * Give the node the owner and mode Debian's udev rules would (root:kvm 0660). The drills still
 * run under software emulation (domain type='qemu').
 */
async function giveKvmDeviceToKvmGroup(): Promise<void> {
  let device;
  try {
    device = await stat(KVM_DEVICE);
  } catch {
    return; // no KVM at all: libvirt's cache stays consistent by itself
  }
  const kvmGid = await groupId('kvm');
  if (kvmGid === undefined || (device.gid === kvmGid && (device.mode & 0o060) === 0o060)) return;
  await chown(KVM_DEVICE, device.uid, kvmGid);
  await chmod(KVM_DEVICE, (device.mode & 0o777) | 0o060);
}

async function groupId(name: string): Promise<number | undefined> {
  const groups = await readFile('/etc/group', 'utf8');
  const entry = groups.split('\n').find((line) => line.startsWith(`${name}:`));
  const gid = entry ? Number.parseInt(entry.split(':')[2], 10) : Number.NaN;
  return Number.isInteger(gid) ? gid : undefined;
}

/**
 * Hands back the leases of `daemons`. The last leaseholder stops, by PID and in reverse start
 * order, the daemons a blockflow process started; daemons started by anyone else keep running.
 */
export async function stopLibvirtDaemons(daemons: readonly DaemonProcess[], timeoutMs = 15_000): Promise<void> {
  const leases = [...new Set(daemons.map((daemon) => daemon.lease))];
  if (leases.length === 0) return;
  await withDaemonLock(async () => {
    let lastOut = false;
    for (const lease of leases) lastOut = await releaseLease(lease);
    if (!lastOut) return;
    for (const daemon of (await readStartedDaemons()).reverse()) {
      const name = daemon.name as LibvirtDaemonName;
      if (!isAlive(daemon.pid, name)) continue;
      process.kill(daemon.pid, 'SIGTERM');
      const deadline = Date.now() + timeoutMs;
      while (isAlive(daemon.pid, name) && Date.now() < deadline) await sleep(50);
      if (isAlive(daemon.pid, name)) process.kill(daemon.pid, 'SIGKILL');
    }
    await forgetStartedDaemons();
  }, timeoutMs * 2);
}

async function runningPid(name: LibvirtDaemonName): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(PID_FILES[name], 'utf8')).trim(), 10);
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && isAlive(pid, name) ? pid : undefined;
}

/** Alive and really that daemon (a stale pid file may name a recycled PID). */
function isAlive(pid: number, name: LibvirtDaemonName): boolean {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
  } catch {
    return false;
  }
}
