// The first step of every drill run, before anything is touched: the parameters, the guest
// images, the tools, libvirt's daemons and the domain name are checked on the worker's host.
// Bad input throws DrillRejection (naming the field), a host that cannot run drills
// DrillHostUnfit; both leave nothing behind. Only then may later steps (and the restore) touch
// the host. activities/drills/preflight.ts turns them into Temporal failures.
import { access, constants, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSettings } from '../config/settings';
import { pidAlive } from './daemon-leases';
import { ensureLibvirtDaemons, stopLibvirtDaemons, type DaemonProcess } from './daemons';
import { assertTraversableByQemu } from './domain';
import { drillParamProblems, type DrillParams, type DrillScenario } from './drill-params';
import { ensureGuest } from './guest/build-guest';
import { runCommand } from './run-command';
import { domainState } from './virsh';

export interface PreflightInput {
  /** The run's id (workflow id): names its work dir. */
  runId: string;
  scenario: DrillScenario;
  params: DrillParams;
  /** libvirt: the domain the drill will define (checked to be free). */
  domainName?: string;
}

export interface PreparedDrill {
  workDir: string;
  guest?: { kernel: string; initrd: string };
}

/** Bad input: the run stops before touching anything. */
export class DrillRejection extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'DrillRejection';
  }
}

/** The worker's host lacks what drills need: no retry will help. */
export class DrillHostUnfit extends Error {
  override name = 'DrillHostUnfit';
}

/** Where runs get their work dirs: DRILL_WORK_DIR, read when a run starts (tests set it late). */
export function defaultDrillWorkRoot(): string {
  return loadSettings().drillWorkDir;
}

export async function preflightChecks(workRoot: string, input: PreflightInput): Promise<PreparedDrill> {
  const problem = drillParamProblems(input.params, input.scenario)[0];
  if (problem) throw new DrillRejection(problem.field, problem.message);
  const libvirt = input.params.form === 'libvirt';
  await requireCommands(
    libvirt ? ['virsh', 'libvirtd', 'virtlogd', 'qemu-system-x86_64', 'qemu-img'] : ['qemu-storage-daemon', 'qemu-img'],
  );

  let guest = input.params.guest;
  if (guest) {
    for (const key of ['kernel', 'initrd'] as const) await requireReadableFile(`guest.${key}`, guest[key]);
  }
  if (libvirt) {
    await holdLibvirtDaemons();
    const domainName = input.domainName!;
    const state = await domainState(domainName);
    if (state !== 'absent') {
      throw new DrillRejection(
        'domainName',
        `libvirt domain ${domainName} already exists (${state}): ` +
          'the drill defines, destroys and undefines a domain of its own, choose another name',
      );
    }
    guest ??= await cachedGuest();
  }

  const workDir = join(workRoot, input.runId.replace(/[^A-Za-z0-9_.-]/g, '_'));
  // The storage daemon's sockets live in the work dir; a unix socket path has at most 107 bytes.
  if (!libvirt && Buffer.byteLength(join(workDir, 'nbd.sock')) > 107) {
    throw new DrillRejection(
      'runId',
      `work dir ${workDir} is too long for the storage daemon's unix sockets ` +
        '(set DRILL_WORK_DIR to a shorter path)',
    );
  }
  await prepareWorkDir(workDir, libvirt);
  return { workDir, guest };
}

let daemons: Promise<DaemonProcess[]> | undefined;

/** libvirt's daemons, started (or joined) once per worker process and leased until release;
 *  started again should they have died meanwhile. */
export async function holdLibvirtDaemons(): Promise<DaemonProcess[]> {
  const held = await daemons?.catch(() => undefined);
  if (held && !held.every((daemon) => pidAlive(daemon.pid))) await releaseDrillDaemons();
  daemons ??= ensureLibvirtDaemons().catch((error: unknown) => {
    daemons = undefined;
    throw error;
  });
  return daemons;
}

/** At worker shutdown: hand the lease back (the last user stops daemons blockflow started). */
export async function releaseDrillDaemons(): Promise<void> {
  const held = daemons;
  daemons = undefined;
  if (held) await stopLibvirtDaemons(await held.catch(() => []));
}

let guestImage: Promise<{ kernel: string; initrd: string }> | undefined;

function cachedGuest(): Promise<{ kernel: string; initrd: string }> {
  guestImage ??= ensureGuest().then(
    ({ kernel, initrd }) => ({ kernel, initrd }),
    (error: unknown) => {
      guestImage = undefined;
      throw error;
    },
  );
  return guestImage;
}

async function requireCommands(commands: string[]): Promise<void> {
  const missing: string[] = [];
  for (const command of commands) {
    await runCommand('sh', ['-c', `command -v ${command}`], { timeoutMs: 10_000 }).catch(() => missing.push(command));
  }
  if (missing.length) {
    throw new DrillHostUnfit(`the worker's host lacks ${missing.join(', ')} (scripts/apt-packages.d/drills.txt)`);
  }
}

async function requireReadableFile(field: string, path: string): Promise<void> {
  const found = await stat(path).catch(() => undefined);
  if (!found) throw new DrillRejection(field, `${path} does not exist`);
  if (!found.isFile()) throw new DrillRejection(field, `${path} is not a regular file`);
  await access(path, constants.R_OK).catch(() => {
    throw new DrillRejection(field, `${path} is not readable`);
  });
}

/** A fresh dir per run (a retried preflight may find it empty); libvirt needs it traversable by QEMU. */
async function prepareWorkDir(workDir: string, libvirt: boolean): Promise<void> {
  await mkdir(workDir, { recursive: true, mode: 0o755 });
  const entries = await readdir(workDir);
  if (entries.length) {
    throw new DrillRejection('runId', `work dir ${workDir} is not empty: a run with this id already ran here`);
  }
  if (!libvirt) return;
  await assertTraversableByQemu(workDir).catch((error: Error) => {
    throw new DrillHostUnfit(`${error.message} (or set DRILL_WORK_DIR elsewhere)`);
  });
}
