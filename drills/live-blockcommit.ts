// Live blockcommit that shortens the running domain's backing chain, in the two modes the
// drills exercise:
//   'active-pivot' — `--active --pivot`: the active layer and everything under it down to
//                    the base is merged into base.qcow2, and vda pivots onto base.
//   'top-base'     — `--top X --base Y`: an intermediate layer X is merged into Y and the
//                    layer above X is re-pointed to Y (the seed's case 2).
import { activeDiskSource, destroyDomain, hasBlockJob, virsh } from './virsh';

export type CommitMode = 'active-pivot' | 'top-base';

export interface LiveBlockCommitInput {
  domainName: string;
  mode: CommitMode;
  /** 'top-base' only: the layer to merge away. */
  top?: string;
  /** 'top-base': the layer to merge into; 'active-pivot': defaults to the bottom of the chain. */
  base?: string;
  timeoutMs?: number;
}

export interface LiveBlockCommitResult {
  activeImage: string;
  elapsedMs: number;
}

export async function liveBlockCommit(input: LiveBlockCommitInput): Promise<LiveBlockCommitResult> {
  const timeoutMs = input.timeoutMs ?? 120_000;
  const args = ['blockcommit', input.domainName, 'vda', '--wait', '--timeout', String(Math.ceil(timeoutMs / 1000))];
  if (input.mode === 'active-pivot') {
    args.push('--active', '--pivot');
    if (input.base) args.push('--base', input.base);
  } else {
    if (!input.top || !input.base) throw new Error("'top-base' blockcommit needs both top and base");
    args.push('--top', input.top, '--base', input.base);
  }

  const started = performance.now();
  try {
    // virsh's own --timeout aborts the job; ours (a little longer) bounds virsh itself.
    await virsh(args, timeoutMs + 15_000);
    if (await hasBlockJob(input.domainName))
      throw new Error('a block job is still attached to vda after blockcommit returned');
  } catch (error) {
    await virsh(['blockjob', input.domainName, 'vda', '--abort'], 30_000).catch(() => undefined);
    await destroyDomain(input.domainName).catch(() => undefined);
    throw error;
  }
  return { activeImage: await activeDiskSource(input.domainName), elapsedMs: performance.now() - started };
}
