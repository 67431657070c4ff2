// An operator's hold on a kind's rolling image refresh (issue 23): pause, resume and cancel, as EC2
// Auto Scaling suspends and cancels an instance refresh. A pause stops building and retiring where
// the refresh is (both generations keep serving) and the progress deadline starts again on resume;
// a cancel ends it there, recorded `cancelled`. The workflow does the work; this only asks it.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { pauseRefreshSignal, refreshWorkflowId, resumeRefreshSignal } from '../workflows/pool/refresh-pool-image';
import type { PoolKind } from './kinds';

export const REFRESH_ACTIONS = ['pause', 'resume', 'cancel'] as const;
export type RefreshAction = (typeof REFRESH_ACTIONS)[number];
export { refreshWorkflowId };

/** Asks the kind's refresh to `action`; false when no refresh of the kind is running. Idempotent. */
export async function controlRefresh(temporal: Client, kind: PoolKind, action: RefreshAction): Promise<boolean> {
  const handle = temporal.workflow.getHandle(refreshWorkflowId(kind));
  try {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') return false;
    if (action === 'cancel') await handle.cancel();
    else await handle.signal(action === 'pause' ? pauseRefreshSignal : resumeRefreshSignal);
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
