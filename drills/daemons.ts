// libvirt's daemons without systemd: start `virtlogd -d` and `libvirtd -d` when they are not
// already running, remember which ones we started (by PID), and stop only those.
// No `--listen`: that wants TLS certificates; the local unix socket is all the drills need.
import { readFileSync } from 'node:fs';
import { chmod, chown, readFile, stat } from 'node:fs/promises';
import { runCommand } from './run-command';
import { sleep, waitUntil } from './wait-until';

export type LibvirtDaemonName = 'virtlogd' | 'libvirtd';

export interface DaemonProcess {
  name: LibvirtDaemonName;
  pid: number;
  /** Only daemons this call started are stopped by stopLibvirtDaemons. */
  startedByUs: boolean;
}

export const LIBVIRT_URI = 'qemu:///system';
const PID_FILES: Record<LibvirtDaemonName, string> = { virtlogd: '/run/virtlogd.pid', libvirtd: '/run/libvirtd.pid' };
const KVM_DEVICE = '/dev/kvm';
const START_ORDER: LibvirtDaemonName[] = ['virtlogd', 'libvirtd'];

/** Idempotent: returns the running daemons, starting the missing ones. Resolves once virsh answers. */
export async function ensureLibvirtDaemons(timeoutMs = 90_000): Promise<DaemonProcess[]> {
  const deadline = Date.now() + timeoutMs;
  await giveKvmDeviceToKvmGroup();
  const daemons: DaemonProcess[] = [];
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
  }
  // The first connection makes libvirtd probe QEMU's capabilities (~12 s when not cached yet).
  await waitUntil(
    async () => {
      try {
        await runCommand('virsh', ['-c', LIBVIRT_URI, 'version'], { timeoutMs: Math.max(1_000, deadline - Date.now()) });
        return { done: true };
      } catch (error) {
        return { done: false, state: String(error) };
      }
    },
    { what: 'libvirtd to answer virsh', timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 250 },
  );
  return daemons;
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

/** Stops, by PID and in reverse start order, the daemons that ensureLibvirtDaemons started. */
export async function stopLibvirtDaemons(daemons: readonly DaemonProcess[], timeoutMs = 15_000): Promise<void> {
  for (const daemon of [...daemons].reverse()) {
    if (!daemon.startedByUs || !isAlive(daemon.pid, daemon.name)) continue;
    process.kill(daemon.pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (isAlive(daemon.pid, daemon.name) && Date.now() < deadline) await sleep(50);
    if (isAlive(daemon.pid, daemon.name)) process.kill(daemon.pid, 'SIGKILL');
  }
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
