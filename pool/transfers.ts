// Cinder never expires a pending volume transfer, and a volume awaiting transfer can be neither
// claimed nor deleted. blockflow accepts its transfers within the activity that creates them, so
// one still pending long after is a leftover of a process that died holding the key: reconcile
// deletes it (the volume goes back to `available`, and the build's compensation or the pool
// takes it from there).
import type { CloudClients } from '../openstack/cloud';
import { TRANSFER_PREFIX } from '../openstack/cinder';
import { NotFoundError } from '../openstack/errors';
import { parseCinderTime } from './create-spare';

/** A handover takes well under a second; ten minutes pending means nobody will accept it. */
export const STALE_TRANSFER_MS = 10 * 60_000;

/** Deletes blockflow's transfers pending longer than `maxAgeMs`; returns the volume ids they held. */
export async function reapStaleTransfers(
  cloud: CloudClients,
  now = Date.now(),
  maxAgeMs = STALE_TRANSFER_MS,
): Promise<string[]> {
  const stale = (await cloud.admin.cinder.listTransfers()).filter(
    (t) => t.name?.startsWith(TRANSFER_PREFIX) && t.created_at && now - parseCinderTime(t.created_at) > maxAgeMs,
  );
  for (const transfer of stale) {
    await cloud.admin.cinder.deleteTransfer(transfer.id).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }
  return stale.map((t) => t.volume_id);
}
