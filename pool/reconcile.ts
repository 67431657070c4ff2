// Seed 001's check_volume_state plus seed 000's sync rows: bring the spare_volumes table in
// line with Cinder. One list call, then per-row decisions (decideReconcile is pure, so the
// rules are testable on their own).
import type { PrismaClient } from '../prisma/client';
import type { CloudClients } from '../openstack/cloud';
import type { Volume } from '../openstack/cinder';
import { SPARE_METADATA } from './create-spare';
import { DELETING, dropSpare } from './drop-spare';
import type { SpareStatus } from './spare-status';
import { surplusSpares } from './sizing';
import { reapStaleTransfers } from './transfers';

/** Why reconcile dropped a row (stored in the round's summary; the status API counts failures by it). */
export const DropReason = {
  createNeverAnswered: 'create never answered',
  deletedInCinder: 'deleted in Cinder',
  takenBySomeoneElse: 'taken by someone else',
  /** A failed create: Cinder put the volume in `error`. */
  errorInCinder: 'error in Cinder',
  staleImage: 'built from a stale image',
  /** Cinder never finished the create (STUCK_CREATE_MS); deleted once it lets go of the volume. */
  stuckInCreating: 'stuck in creating',
  /** A delete blockflow started earlier (and may not have finished): done now. */
  deleteFinished: 'delete finished',
  /** A forecast-sized kind above its decided target (pool/sizing, gradual scale-in). */
  aboveTarget: 'above the forecast target',
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason] | `unexpected status ${string}`;

export type ReconcileAction =
  | { kind: 'keep' }
  | { kind: 'set-status'; status: SpareStatus }
  | { kind: 'drop'; reason: DropReason; deleteInCinder: boolean };

interface RowView {
  status: string;
  allocated: boolean;
  volumeId: string | null;
  ageMs: number;
}

/** A row whose create was never answered is given this long before Cinder is asked for its name. */
export const ORPHAN_INTENT_GRACE_MS = 10 * 60_000;
/**
 * A create Cinder has not finished in this long is given up on (a dead cinder-volume): the row stops
 * counting toward the target, so the kind refills, but stays tracked until Cinder lets go of it.
 */
export const STUCK_CREATE_MS = 30 * 60_000;
/** Rows no longer counted that wait for their volume to leave `creating` before it is deleted. */
const DELETE_WHEN_CREATED: Record<string, DropReason> = {
  purging: DropReason.staleImage,
  stuck: DropReason.stuckInCreating,
};

/**
 * The rules, per row (volume = Cinder's view, undefined when Cinder has no such volume):
 * - claimed rows belong to a VM create in progress: keep;
 * - no volume id yet: a round is between recording and creating; after a grace period the pass
 *   asks Cinder for the row's name (adopting what it finds), and a row still without one is dropped;
 * - missing in Cinder: drop;
 * - `deleting` (a delete blockflow started): drop, deleting the volume again unless Cinder is at it;
 * - attached, or owned by another project (taken): drop, never touch the volume;
 * - `error` (creation failed or went bad): drop and delete the Cinder volume;
 * - being purged (stale image) or stuck: keep while `creating`, then drop and delete;
 * - creating → available: mark available; creating → creating: keep, until STUCK_CREATE_MS: stuck;
 * - any other status (deleting, awaiting-transfer…): drop.
 */
export function decideReconcile(row: RowView, volume: Volume | undefined, adminProjectId: string): ReconcileAction {
  if (row.allocated) return { kind: 'keep' };
  if (!row.volumeId) {
    return row.ageMs > ORPHAN_INTENT_GRACE_MS
      ? { kind: 'drop', reason: DropReason.createNeverAnswered, deleteInCinder: false }
      : { kind: 'keep' };
  }
  if (!volume) return { kind: 'drop', reason: DropReason.deletedInCinder, deleteInCinder: false };
  if (row.status === DELETING) {
    if (volume.status === 'creating') return { kind: 'keep' }; // Cinder refuses until the create ends
    return { kind: 'drop', reason: DropReason.deleteFinished, deleteInCinder: volume.status !== 'deleting' };
  }
  const owner = volume['os-vol-tenant-attr:tenant_id'];
  if ((owner && owner !== adminProjectId) || volume.attachments.length > 0 || volume.status === 'in-use') {
    return { kind: 'drop', reason: DropReason.takenBySomeoneElse, deleteInCinder: false };
  }
  if (volume.status === 'error') return { kind: 'drop', reason: DropReason.errorInCinder, deleteInCinder: true };
  const deleteWhenCreated = DELETE_WHEN_CREATED[row.status];
  if (deleteWhenCreated) {
    return volume.status === 'creating'
      ? { kind: 'keep' }
      : { kind: 'drop', reason: deleteWhenCreated, deleteInCinder: true };
  }
  if (volume.status === 'creating' && row.ageMs > STUCK_CREATE_MS) return { kind: 'set-status', status: 'stuck' };
  if (volume.status === 'available' || volume.status === 'creating') {
    return volume.status === row.status ? { kind: 'keep' } : { kind: 'set-status', status: volume.status };
  }
  return { kind: 'drop', reason: `unexpected status ${volume.status}`, deleteInCinder: false };
}

export interface ReconcileSummary {
  checked: number;
  promoted: number;
  dropped: { volumeId: string | null; name: string; volumeType: string; osName: string; reason: DropReason }[];
  deletedInCinder: number;
  /** Volumes found by the name of an intent whose create was never answered, now tracked by it. */
  adopted: string[];
  /** Deletes Cinder refused this pass (the row stays `deleting`; the next pass tries again). */
  deleteErrors: { volumeId: string | null; name: string; message: string }[];
  /** Volumes whose blockflow transfer had been pending too long and was deleted. */
  transfersReaped: string[];
}

type SpareRow = Awaited<ReturnType<PrismaClient['spareVolume']['findMany']>>[number];

export async function reconcileSpareVolumes(
  prisma: PrismaClient,
  cloud: CloudClients,
  now = Date.now(),
): Promise<ReconcileSummary> {
  const { projectId } = await cloud.admin.session.authenticate();
  const rows = await prisma.spareVolume.findMany();
  // all_tenants: a volume taken into another project must be told apart from a deleted one. Only the
  // pool's volumes (their metadata, which a transfer keeps): not every volume of the cloud.
  const listed = await cloud.admin.cinder.listVolumes({ allTenants: true, metadata: SPARE_METADATA });
  const byId = new Map(listed.map((v) => [v.id, v]));
  const byName = new Map(listed.filter((v) => v.name).map((v) => [v.name!, v]));
  const transfersReaped = await reapStaleTransfers(cloud, now);
  const summary: ReconcileSummary = {
    checked: rows.length,
    promoted: 0,
    dropped: [],
    deletedInCinder: 0,
    adopted: [],
    deleteErrors: [],
    transfersReaped,
  };
  for (const found of rows) {
    const row = await adoptLostCreate(prisma, found, byName, now);
    if (row.volumeId && !found.volumeId) summary.adopted.push(row.volumeId);
    const volume = row.volumeId ? byId.get(row.volumeId) : undefined;
    const action = decideReconcile({ ...row, ageMs: now - row.createdAt.getTime() }, volume, projectId);
    if (action.kind === 'set-status') {
      // Conditional on the status we read: a concurrent claim or purge wins over this sync.
      const { count } = await prisma.spareVolume.updateMany({
        where: { id: row.id, status: row.status, allocated: false },
        data: { status: action.status },
      });
      if (count && action.status === 'available') summary.promoted++;
    } else if (action.kind === 'drop') await drop(row, action);
  }
  // Then, with the pass's statuses settled, forecast-sized kinds come down to their targets.
  for (const row of await surplusSpares(prisma))
    await drop(row, { deleteInCinder: true, reason: DropReason.aboveTarget });
  return summary;

  async function drop(row: SpareRow, action: { deleteInCinder: boolean; reason: DropReason }) {
    // One volume Cinder will not delete must not stop the pass for every other row.
    const dropped = await dropSpare(prisma, cloud, row, action).catch((err: Error) => {
      summary.deleteErrors.push({ volumeId: row.volumeId, name: row.name, message: err.message });
      return false;
    });
    if (!dropped) return;
    if (action.deleteInCinder && row.volumeId) summary.deletedInCinder++;
    const { volumeId, name, volumeType, osName } = row;
    summary.dropped.push({ volumeId, name, volumeType, osName, reason: action.reason });
  }
}

/**
 * An intent past its grace period whose create was never answered: if Cinder has a volume by its
 * (deterministic) name, the create did reach Cinder and only its answer was lost; the row takes it.
 */
async function adoptLostCreate(
  prisma: PrismaClient,
  row: SpareRow,
  byName: Map<string, Volume>,
  now: number,
): Promise<SpareRow> {
  if (row.volumeId || now - row.createdAt.getTime() <= ORPHAN_INTENT_GRACE_MS) return row;
  const volume = byName.get(row.name);
  if (!volume) return row;
  const { count } = await prisma.spareVolume.updateMany({
    where: { id: row.id, volumeId: null },
    data: { volumeId: volume.id },
  });
  // count 0: the round's late answer got there first (dropSpare's guard then keeps the row).
  return count ? { ...row, volumeId: volume.id } : row;
}
