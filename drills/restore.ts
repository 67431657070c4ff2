// Puts a drill's work dir back to its initial state. Safe at any point of a drill and safe to
// call twice: block job aborted, domain destroyed and undefined, pristine layers copied back,
// overlays created by the drill and the raw exports removed.
import { copyFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { waitUntil } from '../lib/wait-until';
import { PRISTINE_DIR } from './chain';
import { EXPORTS_DIR } from './verify-layers';
import { destroyDomain, domainState, hasBlockJob, virsh } from './virsh';

export interface RestoreInput {
  workDir: string;
  /** Omit for drills without a libvirt domain (the storage-daemon form). */
  domainName?: string;
}

export interface RestoreResult {
  domainRemoved: boolean;
  restoredLayers: string[];
  removedFiles: string[];
}

export async function restoreDrill(input: RestoreInput): Promise<RestoreResult> {
  const domainRemoved = input.domainName ? await removeDomain(input.domainName) : false;
  const pristine = await listFiles(join(input.workDir, PRISTINE_DIR));
  const removedFiles: string[] = [];

  for (const name of await listFiles(input.workDir)) {
    if (/\.qcow2$/.test(name) && !pristine.includes(name)) {
      await rm(join(input.workDir, name), { force: true });
      removedFiles.push(name);
    }
  }
  for (const name of pristine) {
    // Remove first: a fresh inode drops the owner and xattrs libvirt put on the old one.
    await rm(join(input.workDir, name), { force: true });
    await copyFile(join(input.workDir, PRISTINE_DIR, name), join(input.workDir, name));
  }
  await rm(join(input.workDir, EXPORTS_DIR), { recursive: true, force: true });
  return { domainRemoved, restoredLayers: pristine, removedFiles };
}

async function removeDomain(domainName: string): Promise<boolean> {
  const state = await domainState(domainName);
  if (state === 'absent') return false;
  // (A domain that powers off between the two probes has no job left: hence the catch.)
  if (state !== 'shut off' && (await hasBlockJob(domainName).catch(() => false))) {
    // Synchronous abort (no --async); the job must be gone before the domain is torn down.
    await virsh(['blockjob', domainName, 'vda', '--abort'], 30_000);
    await waitUntil(async () => ({ done: !(await hasBlockJob(domainName)) }), {
      what: `the block job of ${domainName} to end`,
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  }
  await destroyDomain(domainName);
  await virsh(['undefine', domainName, '--snapshots-metadata'], 30_000);
  return true;
}

/** Names of the regular files in `dir`; none when it does not exist. */
export async function listFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name);
  } catch {
    return [];
  }
}
