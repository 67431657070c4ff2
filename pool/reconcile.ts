// Seed 001's check_volume_state plus seed 000's sync rows: bring the spare_volumes table in
// line with Cinder. One list call, then per-row decisions (decideReconcile is pure, so the
// rules are testable on their own).
import type { PrismaClient } from '../prisma/client';
import type { CloudClients } from '../openstack/cloud';
import type { Volume } from '../openstack/cinder';
import { NotFoundError } from '../openstack/errors';
import { reapStaleTransfers } from './transfers';

/** Why reconcile dropped a row (stored in the round's summary; the status API counts failures by it). */
export const DropReason = {
  createNeverAnswered: 'create never answered',
  deletedInCinder: 'deleted in Cinder',
  takenBySomeoneElse: 'taken by someone else',
  /** A failed create: Cinder put the volume in `error`. */
  errorInCinder: 'error in Cinder',
  staleImage: 'built from a stale image',
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason] | `unexpected status ${string}`;

export type ReconcileAction =
  | { kind: 'keep' }
  | { kind: 'set-status'; status: string }
  | { kind: 'drop'; reason: DropReason; deleteInCinder: boolean };

interface RowView {
  status: string;
  allocated: boolean;
  volumeId: string | null;
  ageMs: number;
}

/** A row whose create was never answered is given this long before it is dropped. */
export const ORPHAN_INTENT_GRACE_MS = 10 * 60_000;

/**
 * The rules, per row (volume = Cinder's view, undefined when Cinder has no such volume):
 * - claimed rows belong to a VM create in progress: keep;
 * - no volume id yet: a round is between recording and creating; drop after a grace period;
 * - missing in Cinder: drop;
 * - `error` (creation failed or went bad): drop and delete the Cinder volume;
 * - attached, or owned by another project (taken): drop, never touch the volume;
 * - creating → available: mark available; creating → creating: keep;
 * - a spare being purged (stale image) once it is out of `creating`: drop and delete;
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
  const owner = volume['os-vol-tenant-attr:tenant_id'];
  if ((owner && owner !== adminProjectId) || volume.attachments.length > 0 || volume.status === 'in-use') {
    return { kind: 'drop', reason: DropReason.takenBySomeoneElse, deleteInCinder: false };
  }
  if (volume.status === 'error') return { kind: 'drop', reason: DropReason.errorInCinder, deleteInCinder: true };
  if (row.status === 'purging') {
    return volume.status === 'creating'
      ? { kind: 'keep' }
      : { kind: 'drop', reason: DropReason.staleImage, deleteInCinder: true };
  }
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
  /** Volumes whose blockflow transfer had been pending too long and was deleted. */
  transfersReaped: string[];
}

export async function reconcileSpareVolumes(
  prisma: PrismaClient,
  cloud: CloudClients,
  now = Date.now(),
): Promise<ReconcileSummary> {
  const { projectId } = await cloud.admin.session.authenticate();
  const rows = await prisma.spareVolume.findMany();
  // all_tenants: a volume taken into another project must be told apart from a deleted one.
  const volumes = new Map((await cloud.admin.cinder.listVolumes({ allTenants: true })).map((v) => [v.id, v]));
  const transfersReaped = await reapStaleTransfers(cloud, now);
  const summary: ReconcileSummary = {
    checked: rows.length,
    promoted: 0,
    dropped: [],
    deletedInCinder: 0,
    transfersReaped,
  };
  for (const row of rows) {
    const volume = row.volumeId ? volumes.get(row.volumeId) : undefined;
    const action = decideReconcile({ ...row, ageMs: now - row.createdAt.getTime() }, volume, projectId);
    if (action.kind === 'set-status') {
      // Conditional on the status we read: a concurrent claim or purge wins over this sync.
      const { count } = await prisma.spareVolume.updateMany({
        where: { id: row.id, status: row.status, allocated: false },
        data: { status: action.status },
      });
      if (count && action.status === 'available') summary.promoted++;
    } else if (action.kind === 'drop') {
      if (action.deleteInCinder && row.volumeId) {
        await cloud.admin.cinder.deleteVolume(row.volumeId).catch((err) => {
          if (!(err instanceof NotFoundError)) throw err;
        });
        summary.deletedInCinder++;
      }
      const { count } = await prisma.spareVolume.deleteMany({ where: { id: row.id, allocated: false } });
      if (count)
        summary.dropped.push({
          volumeId: row.volumeId,
          name: row.name,
          volumeType: row.volumeType,
          osName: row.osName,
          reason: action.reason,
        });
    }
  }
  return summary;
}
