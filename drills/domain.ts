// Defines and starts the drill domain on the chain's active image, serial console to a file.
import { copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { drillDomainXml } from './domain-xml';
import { destroyDomain, virsh } from './virsh';

export interface StartDomainInput {
  workDir: string;
  domainName: string;
  activeImage: string;
  guest: { kernel: string; initrd: string };
  records: number;
  pauseUs?: number;
  memoryMiB?: number;
  timeoutMs?: number;
}

export interface StartedDomain {
  domainName: string;
  serialLog: string;
  /** Write RELEASE_WORD here (releaseWriter) to let the writer past its hold. */
  releaseDisk: string;
  /** Epoch ms right after `virsh start` returned. */
  startedAt: number;
}

export async function startDrillDomain(input: StartDomainInput): Promise<StartedDomain> {
  const timeoutMs = input.timeoutMs ?? 60_000;
  await assertTraversableByQemu(input.workDir);
  // The guest cache usually sits under /root (mode 0700): QEMU, as libvirt-qemu, could not read it there.
  const guestDir = join(input.workDir, 'guest');
  await mkdir(guestDir, { recursive: true });
  const kernel = join(guestDir, 'vmlinuz');
  const initrd = join(guestDir, 'initramfs.cpio');
  await copyFile(input.guest.kernel, kernel);
  await copyFile(input.guest.initrd, initrd);

  const serialLog = join(input.workDir, 'serial.log');
  await rm(serialLog, { force: true });
  const releaseDisk = join(guestDir, 'release.raw');
  await writeFile(releaseDisk, Buffer.alloc(RELEASE_DISK_BYTES));
  const xmlPath = join(input.workDir, 'domain.xml');
  await writeFile(
    xmlPath,
    drillDomainXml({
      name: input.domainName,
      kernel,
      initrd,
      activeImage: input.activeImage,
      serialLog,
      releaseDisk,
      records: input.records,
      pauseUs: input.pauseUs ?? 0,
      memoryMiB: input.memoryMiB,
    }),
  );
  await virsh(['define', xmlPath], timeoutMs);
  try {
    await virsh(['start', input.domainName], timeoutMs);
  } catch (error) {
    await destroyDomain(input.domainName).catch(() => undefined);
    throw error;
  }
  return { domainName: input.domainName, serialLog, releaseDisk, startedAt: Date.now() };
}

const RELEASE_DISK_BYTES = 4096;
const RELEASE_WORD = 'release';

/** Lets the guest writer past its hold before the last chunk. Idempotent. */
export async function releaseWriter(releaseDisk: string): Promise<void> {
  const block = Buffer.alloc(RELEASE_DISK_BYTES);
  block.write(RELEASE_WORD);
  await writeFile(releaseDisk, block);
}

/** QEMU runs as libvirt-qemu: every directory above the images must let others traverse it.
 *  We do not loosen directories we do not own (a mkdtemp parent is 0700): we say which one. */
export async function assertTraversableByQemu(workDir: string): Promise<void> {
  for (let dir = resolve(workDir); ; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new Error(
        `${dir} is not traversable by the libvirt-qemu user (needs o+x, e.g. chmod 755): ` +
          `QEMU could not open the drill images`,
      );
    }
    if (dir === dirname(dir)) return;
  }
}
