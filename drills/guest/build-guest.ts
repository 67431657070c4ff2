// Builds the tiny drill guest once into a cache outside the work tree and reuses it:
// a Debian kernel (downloaded with `apt-get download`, unpacked with `dpkg-deb -x` so no
// install hooks run) plus a busybox initramfs whose /init is ./init.sh.
import { createHash } from 'node:crypto';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
  chmod,
} from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../run-command';

export interface GuestImage {
  kernel: string;
  initrd: string;
  kernelVersion: string;
  /** True when this call built the guest, false when it came from the cache. */
  built: boolean;
}

export interface EnsureGuestInput {
  /** Defaults to ~/.cache/blockflow. */
  cacheRoot?: string;
  /** e.g. "linux-image-6.1.0-56-amd64"; defaults to what the linux-image-amd64 metapackage points at. */
  kernelPackage?: string;
}

/** Load order matters: there is no modules.dep in an unpacked kernel. */
export const VIRTIO_MODULES = [
  'virtio_ring',
  'virtio',
  'virtio_pci_modern_dev',
  'virtio_pci_legacy_dev',
  'virtio_pci',
  'virtio_blk',
];

const INIT_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'init.sh');
const BUSYBOX = '/bin/busybox';
const MANIFEST = 'guest.json';

export async function ensureGuest(input: EnsureGuestInput = {}): Promise<GuestImage> {
  const cacheRoot = input.cacheRoot ?? join(homedir(), '.cache', 'blockflow');
  const initScript = await readFile(INIT_SCRIPT);
  const initHash = createHash('sha256').update(initScript).digest('hex').slice(0, 12);
  const kernelPackage = input.kernelPackage ?? (await withFreshAptLists(resolveKernelPackage));
  const kernelVersion = kernelPackage.replace(/^linux-image-/, '');
  // The init script's hash is part of the name so an edited /init never reuses a stale initramfs.
  const guestDir = join(cacheRoot, `guest-${kernelVersion}-${initHash}`);

  const cached = await readManifest(guestDir);
  if (cached) return { ...cached, built: false };

  await mkdir(cacheRoot, { recursive: true });
  const buildDir = await mkdtemp(join(cacheRoot, '.build-'));
  try {
    const outDir = join(buildDir, 'out');
    await mkdir(outDir);
    const kernelTree = await withFreshAptLists(() => downloadKernel(kernelPackage, buildDir));
    await copyFile(await findKernelImage(kernelTree), join(outDir, 'vmlinuz'));
    await buildInitramfs(kernelTree, initScript, join(buildDir, 'initramfs'), join(outDir, 'initramfs.cpio'));
    const image = { kernel: join(guestDir, 'vmlinuz'), initrd: join(guestDir, 'initramfs.cpio'), kernelVersion };
    await writeFile(join(outDir, MANIFEST), JSON.stringify(image, null, 2));
    // Publish atomically: a half-built guest is never visible under its final name.
    await rm(guestDir, { recursive: true, force: true });
    await rename(outDir, guestDir);
    return { ...image, built: true };
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
}

/** Missing or stale package lists make apt-cache/apt-get download fail: refresh once and retry. */
async function withFreshAptLists<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch {
    await runCommand('apt-get', ['update', '-qq'], { timeoutMs: 300_000 });
    return action();
  }
}

async function resolveKernelPackage(): Promise<string> {
  const { stdout } = await runCommand('apt-cache', ['depends', 'linux-image-amd64'], { timeoutMs: 30_000 });
  const match = /Depends:\s*(linux-image-\S+-amd64)/.exec(stdout);
  if (!match)
    throw new Error(`cannot resolve the kernel package from linux-image-amd64 (run apt-get update?):\n${stdout}`);
  return match[1];
}

async function readManifest(guestDir: string): Promise<Omit<GuestImage, 'built'> | undefined> {
  try {
    const image = JSON.parse(await readFile(join(guestDir, MANIFEST), 'utf8')) as Omit<GuestImage, 'built'>;
    await Promise.all([stat(image.kernel), stat(image.initrd)]);
    return image;
  } catch {
    return undefined;
  }
}

async function downloadKernel(kernelPackage: string, buildDir: string): Promise<string> {
  await runCommand('apt-get', ['download', '-q', kernelPackage], { cwd: buildDir, timeoutMs: 300_000 });
  const deb = (await readdir(buildDir)).find((name) => name.startsWith(`${kernelPackage}_`) && name.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download produced no ${kernelPackage} .deb`);
  const tree = join(buildDir, 'kernel');
  await runCommand('dpkg-deb', ['-x', join(buildDir, deb), tree], { timeoutMs: 120_000 });
  return tree;
}

async function findKernelImage(kernelTree: string): Promise<string> {
  const vmlinuz = (await readdir(join(kernelTree, 'boot'))).find((name) => name.startsWith('vmlinuz-'));
  if (!vmlinuz) throw new Error('no boot/vmlinuz-* in the kernel package');
  return join(kernelTree, 'boot', vmlinuz);
}

async function buildInitramfs(kernelTree: string, initScript: Buffer, stageDir: string, output: string): Promise<void> {
  const moduleDir = join(stageDir, 'lib', 'modules');
  await mkdir(join(stageDir, 'bin'), { recursive: true });
  await mkdir(moduleDir, { recursive: true });
  await copyFile(BUSYBOX, join(stageDir, 'bin', 'busybox'));
  await symlink('busybox', join(stageDir, 'bin', 'sh')); // the kernel runs /init through its #!/bin/sh
  await writeFile(join(stageDir, 'init'), initScript);
  await chmod(join(stageDir, 'init'), 0o755);

  const modules = await indexModules(join(kernelTree, 'lib', 'modules'));
  for (const name of VIRTIO_MODULES) {
    const source = modules.get(name);
    if (!source) continue; // built into this kernel: /init skips modules it does not find
    const target = join(moduleDir, `${name}.ko`);
    if (source.endsWith('.ko')) await copyFile(source, target);
    else await decompressModule(source, target);
  }
  if (!modules.has('virtio_blk'))
    throw new Error('the kernel package has no virtio_blk module (built-in kernels are not expected here)');

  await runCommand('sh', ['-c', `find . -print0 | cpio --null -o -H newc --quiet > '${output}'`], {
    cwd: stageDir,
    timeoutMs: 60_000,
  });
}

/** Maps module name → file for every module in the tree (names use '_' like insmod/lsmod). */
async function indexModules(root: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    const match = /^(.+)\.ko(\.xz|\.zst|\.gz)?$/.exec(entry.name);
    if (entry.isFile() && match)
      found.set(match[1].replace(/-/g, '_'), join(entry.parentPath ?? entry.path, entry.name));
  }
  return found;
}

/** busybox insmod cannot read compressed modules, so unpack them at build time. */
async function decompressModule(source: string, target: string): Promise<void> {
  const tool = source.endsWith('.xz') ? 'xz' : source.endsWith('.zst') ? 'zstd' : 'gzip';
  await runCommand('sh', ['-c', `${tool} -dc '${source}' > '${target}'`], { timeoutMs: 30_000 });
  if ((await stat(target)).size === 0) throw new Error(`could not decompress ${basename(source)}`);
}
