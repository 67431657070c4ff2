// The live block operations of the storage-daemon drill, in QMP:
// blockdev-snapshot-sync, and block-commit driven as a job (query-jobs → job-complete).
import { waitUntil } from '../lib/wait-until';
import type { QmpClient } from './qmp-client';

export interface QmpSnapshotInput {
  /** Node that is active now; its parents (the NBD export) move to the new overlay. */
  node: string;
  overlayFile: string;
  overlayNode: string;
}

export async function qmpSnapshot(qmp: QmpClient, input: QmpSnapshotInput): Promise<void> {
  await qmp.execute('blockdev-snapshot-sync', {
    'node-name': input.node,
    'snapshot-file': input.overlayFile,
    'snapshot-node-name': input.overlayNode,
    format: 'qcow2',
    mode: 'absolute-paths',
  });
}

export interface QmpCommitInput {
  /** Active (top) node of the chain: the job's "device". */
  activeNode: string;
  /** Omit for an active commit (top = active). */
  topNode?: string;
  /** Omit to commit into the bottom of the chain. */
  baseNode?: string;
  timeoutMs?: number;
}

interface JobInfo {
  id: string;
  status: string;
  error?: string;
}

const JOB_ID = 'drill-commit';

/** Runs block-commit to the end: an active commit is completed (pivot) once ready, an
 *  intermediate one finishes by itself. The job is kept until we read its outcome. */
export async function qmpCommit(qmp: QmpClient, input: QmpCommitInput): Promise<void> {
  const timeoutMs = input.timeoutMs ?? 60_000;
  const active = input.topNode === undefined || input.topNode === input.activeNode;
  await qmp.execute('block-commit', {
    'job-id': JOB_ID,
    device: input.activeNode,
    ...(input.topNode ? { 'top-node': input.topNode } : {}),
    ...(input.baseNode ? { 'base-node': input.baseNode } : {}),
    'auto-dismiss': false,
  });
  try {
    if (active) {
      await waitForJob(qmp, (job) => job.status === 'ready', 'ready', timeoutMs);
      await qmp.execute('job-complete', { id: JOB_ID });
    }
    const job = await waitForJob(qmp, (candidate) => candidate.status === 'concluded', 'concluded', timeoutMs);
    if (job.error) throw new Error(`block-commit failed: ${job.error}`);
  } catch (error) {
    await qmp.execute('job-cancel', { id: JOB_ID, force: true }).catch(() => undefined);
    throw error;
  } finally {
    await qmp.execute('job-dismiss', { id: JOB_ID }).catch(() => undefined);
  }
}

/** The node the NBD export writes to (it must follow snapshot and pivot). */
export async function exportedNode(qmp: QmpClient, exportId = 'drill-export'): Promise<string> {
  const exports = await qmp.execute<{ id: string; 'node-name': string }[]>('query-block-exports');
  const found = exports.find((entry) => entry.id === exportId);
  if (!found) throw new Error(`no block export ${exportId}`);
  return found['node-name'];
}

async function waitForJob(
  qmp: QmpClient,
  reached: (job: JobInfo) => boolean,
  what: string,
  timeoutMs: number,
): Promise<JobInfo> {
  return waitUntil(
    async () => {
      const jobs = await qmp.execute<JobInfo[]>('query-jobs');
      const job = jobs.find((candidate) => candidate.id === JOB_ID);
      if (!job) throw new Error(`${JOB_ID} vanished before it was ${what}`);
      if (job.error && job.status === 'concluded' && what !== 'concluded')
        throw new Error(`block-commit failed: ${job.error}`);
      return { done: reached(job), value: job, state: job.status };
    },
    { what: `${JOB_ID} to be ${what}`, timeoutMs, intervalMs: 5 },
  );
}
