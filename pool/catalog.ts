// Seed 001's sync_os: rebuild the OS → snapshot table from Cinder's snapshot list using the
// configured naming rule, then mark spares built from snapshots that are no longer current.
import type { PrismaClient } from '../prisma/client';
import type { CloudClients } from '../openstack/cloud';
import type { Snapshot } from '../openstack/cinder';
import { DELETING, dropSpare } from './drop-spare';
import { getPoolSettings } from './settings';

export interface CatalogEntry {
  osName: string;
  volumeType: string;
  snapshotId: string;
  snapshotName: string;
  sizeGb: number;
}

/**
 * Parses snapshot names with `pattern` (named groups `os` and `type`). Only `available`
 * snapshots count; when several match one (OS, type), the newest wins.
 */
export function buildCatalog(snapshots: Snapshot[], pattern: string): { entries: CatalogEntry[]; unmatched: string[] } {
  const re = new RegExp(pattern);
  const newest = new Map<string, { entry: CatalogEntry; createdAt: number }>();
  const unmatched: string[] = [];
  for (const s of snapshots) {
    const groups = s.status === 'available' ? re.exec(s.name ?? '')?.groups : undefined;
    if (!groups?.os || !groups.type) {
      unmatched.push(s.name ?? s.id);
      continue;
    }
    const entry = {
      osName: groups.os,
      volumeType: groups.type,
      snapshotId: s.id,
      snapshotName: s.name ?? '',
      sizeGb: s.size,
    };
    const key = `${entry.volumeType}\u0000${entry.osName}`;
    const createdAt = Date.parse(s.created_at);
    const seen = newest.get(key);
    if (!seen || createdAt > seen.createdAt) newest.set(key, { entry, createdAt });
  }
  return { entries: [...newest.values()].map((v) => v.entry), unmatched };
}

export interface CatalogSyncResult {
  entries: CatalogEntry[];
  unmatched: string[];
  /** (type, OS) pairs whose snapshot changed or disappeared. */
  changed: string[];
}

/** Replaces the catalog in one transaction, so a replenish round never sees it half-built. */
export async function syncCatalog(prisma: PrismaClient, cloud: CloudClients): Promise<CatalogSyncResult> {
  const settings = await getPoolSettings(prisma);
  const { entries, unmatched } = buildCatalog(await cloud.admin.cinder.listSnapshots(), settings.snapshotNamePattern);
  const before = await prisma.osImage.findMany();
  const label = (e: { volumeType: string; osName: string }) => `${e.volumeType}/${e.osName}`;
  const now = new Map(entries.map((e) => [label(e), e.snapshotId]));
  const changed = before.filter((b) => now.get(label(b)) !== b.snapshotId).map(label);
  await prisma.$transaction([prisma.osImage.deleteMany(), prisma.osImage.createMany({ data: entries })]);
  return { entries, unmatched, changed };
}

export interface PurgeResult {
  deleted: number;
  /** Still `creating` in Cinder (which refuses to delete them); reconcile removes them later. */
  markedForPurge: number;
}

/** Removes unclaimed spares whose snapshot is not the catalog's current one for their kind. */
export async function purgeStaleSpares(prisma: PrismaClient, cloud: CloudClients): Promise<PurgeResult> {
  const current = new Set(
    (await prisma.osImage.findMany()).map((i) => `${i.volumeType}\u0000${i.osName}\u0000${i.snapshotId}`),
  );
  const spares = await prisma.spareVolume.findMany({ where: { allocated: false } });
  const stale = spares.filter((s) => !current.has(`${s.volumeType}\u0000${s.osName}\u0000${s.snapshotId}`));
  const result: PurgeResult = { deleted: 0, markedForPurge: 0 };
  for (const spare of stale) {
    // Already on their way out once Cinder lets go (reconcile finishes them).
    if (spare.status === 'stuck' || spare.status === DELETING) continue;
    if (spare.status === 'creating' || spare.status === 'purging') {
      await prisma.spareVolume.updateMany({
        where: { id: spare.id, allocated: false, status: { in: ['creating', 'available', 'purging'] } },
        data: { status: 'purging' },
      });
      result.markedForPurge++;
      continue;
    }
    if (await dropSpare(prisma, cloud, spare, { deleteInCinder: true })) result.deleted++;
  }
  return result;
}
