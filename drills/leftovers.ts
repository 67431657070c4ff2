// A run's restore as the workflow runs it, then a look for anything the run left behind: its domain (and so any block
// job), a process still holding its work dir (QEMU, qemu-storage-daemon), an overlay or export
// file, or a layer that differs from its pristine copy. Empty = the original chain and nothing else.
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PRISTINE_DIR } from './chain';
import { listFiles, restoreDrill, type RestoreResult } from './restore';
import { EXPORTS_DIR } from './verify-layers';
import { domainState, hasBlockJob } from './virsh';

export interface LeftoverCheckInput {
  workDir: string;
  domainName?: string;
}

export interface DrillRestore extends RestoreResult {
  /** What is still there after the restore (empty = the original chain and nothing else). */
  leftovers: string[];
}

/** A run's restore (idempotent: safe after any step, after a crash, and twice), then the check. */
export async function restoreAndInspect(input: LeftoverCheckInput): Promise<DrillRestore> {
  const restored = await restoreDrill(input);
  // The guest's kernel and initramfs copies are not part of the chain; the serial log stays for the record.
  await rm(join(input.workDir, 'guest'), { recursive: true, force: true });
  return { ...restored, leftovers: await findDrillLeftovers(input) };
}

export async function findDrillLeftovers(input: LeftoverCheckInput): Promise<string[]> {
  const leftovers: string[] = [];
  if (input.domainName) {
    const state = await domainState(input.domainName);
    if (state !== 'absent') leftovers.push(`domain ${input.domainName} is still defined (${state})`);
    if (state === 'running' && (await hasBlockJob(input.domainName).catch(() => false)))
      leftovers.push(`block job still attached to vda of ${input.domainName}`);
  }
  for (const holder of await processesUsing(input.workDir))
    leftovers.push(`process ${holder} still uses ${input.workDir}`);

  const pristine = (await listFiles(join(input.workDir, PRISTINE_DIR))).filter((name) => name.endsWith('.qcow2'));
  for (const name of await listFiles(input.workDir)) {
    if (name.endsWith('.qcow2') && !pristine.includes(name)) leftovers.push(`file ${name} was not removed`);
  }
  for (const name of pristine) {
    const [current, original] = await Promise.all([
      readFile(join(input.workDir, name)).catch(() => undefined),
      readFile(join(input.workDir, PRISTINE_DIR, name)),
    ]);
    if (!current) leftovers.push(`layer ${name} is missing`);
    else if (!current.equals(original)) leftovers.push(`layer ${name} differs from its original`);
  }
  if (await stat(join(input.workDir, EXPORTS_DIR)).catch(() => undefined))
    leftovers.push(`${EXPORTS_DIR}/ was not removed`);
  return leftovers;
}

/** "pid (command)" of every other process whose command line names the work dir. */
async function processesUsing(workDir: string): Promise<string[]> {
  const holders: string[] = [];
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes(`${workDir}/`)) continue;
    const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
    holders.push(`${pid} (${comm})`);
  }
  return holders;
}
