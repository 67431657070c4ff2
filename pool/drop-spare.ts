// Taking a spare out of the pool for good. The row is marked `deleting` first, guarded so a claim
// that got there first wins (claims take `available` rows only); only then is the Cinder volume
// deleted, and the row last. Deleting in Cinder first would let a claim landing in between hand a
// build a volume that is going away; deleting the row first would orphan the volume if Cinder's
// delete then failed. A row left `deleting` by a failure is finished by the next reconcile.
import type { PrismaClient } from '../prisma/client';
import type { CloudClients } from '../openstack/cloud';
import { NotFoundError } from '../openstack/errors';
import type { SpareStatus } from './spare-status';

/** A row whose volume blockflow is deleting: not counted, never claimed. */
export const DELETING: SpareStatus = 'deleting';

/** True when this call took the row (then the volume, if asked and any, is deleted too). */
export async function dropSpare(
  prisma: PrismaClient,
  cloud: CloudClients,
  spare: { id: number; volumeId: string | null },
  opts: { deleteInCinder: boolean },
): Promise<boolean> {
  if (opts.deleteInCinder && spare.volumeId) {
    const { count } = await prisma.spareVolume.updateMany({
      where: { id: spare.id, allocated: false },
      data: { status: DELETING },
    });
    if (!count) return false;
    await cloud.admin.cinder.deleteVolume(spare.volumeId).catch((err) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
  }
  // Guarded on the volume id too: an intent answered meanwhile is no longer the row decided about.
  const { count } = await prisma.spareVolume.deleteMany({
    where: { id: spare.id, allocated: false, volumeId: spare.volumeId },
  });
  return count > 0;
}
