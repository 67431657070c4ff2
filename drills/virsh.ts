// virsh against the local system daemon, with a bounded wait per call.
import { LIBVIRT_URI } from './daemons';
import { CommandError, runCommand } from './run-command';

export async function virsh(args: readonly string[], timeoutMs = 30_000): Promise<string> {
  const { stdout } = await runCommand('virsh', ['-c', LIBVIRT_URI, ...args], { timeoutMs });
  return stdout;
}

/** The domain's state ("running", "shut off", …) or "absent" when libvirt does not know it. */
export async function domainState(domainName: string): Promise<string> {
  try {
    return (await virsh(['domstate', domainName], 15_000)).trim();
  } catch (error) {
    if (error instanceof CommandError && /failed to get domain|Domain not found/i.test(error.stderr)) return 'absent';
    throw error;
  }
}

/** Source file of the domain's vda as libvirt sees it now (the active top of the chain). */
export async function activeDiskSource(domainName: string): Promise<string> {
  const listing = await virsh(['domblklist', domainName, '--details'], 15_000);
  const row = listing
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((cols) => cols[2] === 'vda');
  if (!row || !row[3]) throw new Error(`no vda in domblklist of ${domainName}:\n${listing}`);
  return row.slice(3).join(' ');
}

/** Whether a block job is still attached to the domain's vda. `--raw` because the human
 *  form prints its progress bar on stderr and only blank lines on stdout. */
export async function hasBlockJob(domainName: string): Promise<boolean> {
  const info = await virsh(['blockjob', domainName, 'vda', '--raw'], 15_000);
  return /\btype=/.test(info);
}

/** Hard stop; quiet when the domain is not running or not defined. */
export async function destroyDomain(domainName: string): Promise<void> {
  const state = await domainState(domainName);
  if (state === 'absent' || state === 'shut off') return;
  try {
    await virsh(['destroy', domainName], 30_000);
  } catch (error) {
    // It may have powered off between the state probe and the destroy.
    if (!(error instanceof CommandError && /not running/i.test(error.stderr))) throw error;
  }
}
