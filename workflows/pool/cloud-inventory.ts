import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { CloudInventory } from '../../activities/pool/cloud-inventory';
import { OPENSTACK_NON_RETRYABLE } from '../../openstack/errors';

const { listCloudInventory } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, initialInterval: '1 second', nonRetryableErrorTypes: OPENSTACK_NON_RETRYABLE },
});

/** Reads the cloud's image snapshots and volume types. */
export async function cloudInventory(): Promise<CloudInventory> {
  return listCloudInventory();
}
