// Seed 001's sync_os: rebuild the OS → snapshot table from Cinder's snapshot list using the
// configured naming rule, then mark spares built from snapshots that are no longer current.
import type { PrismaClient } from '../prisma/client';
import type { CloudClients } from '../openstack/cloud';
import type { Snapshot } from '../openstack/cinder';
import { DELETING, dropSpare } from './drop-spare';
import { sameKind, type PoolKind } from './kinds';
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
  const { entries, unmatched, before } = await readCatalogs(prisma, cloud);
  const changed = replacedOrGone(entries, before).map(kindLabel);
  await prisma.$transaction([prisma.osImage.deleteMany(), prisma.osImage.createMany({ data: entries })]);
  return { entries, unmatched, changed };
}

/**
 * What a sync would change, without changing anything (the catalog watch's cheap look, as KubeVirt's
 * DataImportCron polls a digest): the kinds whose snapshot Cinder's list no longer matches, both ways
 * (replaced, gone, or new). Empty: a sync would do nothing.
 */
export async function catalogChanges(prisma: PrismaClient, cloud: CloudClients): Promise<string[]> {
  const { entries, before } = await readCatalogs(prisma, cloud);
  const gone = replacedOrGone(entries, before);
  const added = entries.filter((e) => !entryOf(before, e));
  return [...gone, ...added].map(kindLabel);
}

const kindLabel = (e: PoolKind) => `${e.volumeType}/${e.osName}`;
const entryOf = <T extends PoolKind>(list: T[], k: PoolKind) => list.find((e) => sameKind(e, k));

/** The catalog entries of `before` whose kind is gone from `entries` or has another snapshot there. */
const replacedOrGone = <T extends PoolKind & { snapshotId: string }>(entries: T[], before: T[]) =>
  before.filter((b) => entryOf(entries, b)?.snapshotId !== b.snapshotId);

/** Cinder's catalog by the naming rule, and the stored one. */
async function readCatalogs(prisma: PrismaClient, cloud: CloudClients) {
  const settings = await getPoolSettings(prisma);
  const { entries, unmatched } = buildCatalog(await cloud.admin.cinder.listSnapshots(), settings.snapshotNamePattern);
  return { entries, unmatched, before: await prisma.osImage.findMany() };
}

export interface PurgeResult {
  deleted: number;
  /** Still `creating` in Cinder (which refuses to delete them); reconcile removes them later. */
  markedForPurge: number;
  /**
   * Kinds with stale spares whose policy refreshes `rolling`: not purged, left to a refreshPoolImage
   * workflow each (the sync starts them). A kind whose last refresh rolled back from this very snapshot
   * is not among them: its old generation keeps serving until another snapshot is published.
   */
  rolling?: PoolKind[];
}

/**
 * Removes unclaimed spares whose snapshot is not the catalog's current one for their kind, for kinds
 * whose policy says `immediate` (seed 001's sync_os); returns the `rolling` kinds instead of purging them.
 */
export async function purgeStaleSpares(prisma: PrismaClient, cloud: CloudClients): Promise<PurgeResult> {
  const images = await prisma.osImage.findMany();
  const current = new Set(images.map((i) => `${i.volumeType}\u0000${i.osName}\u0000${i.snapshotId}`));
  const label = (k: PoolKind) => `${k.volumeType}\u0000${k.osName}`;
  const [policies, refreshes] = await Promise.all([prisma.poolPolicy.findMany(), prisma.poolRefresh.findMany()]);
  // A disabled kind gets no spares: nothing to roll in, its stale ones are purged.
  const rollingKinds = new Set(policies.filter((p) => p.refresh !== 'immediate' && p.enabled).map(label));
  const heldBack = new Set(
    refreshes.filter((r) => r.state === 'rolled_back' && current.has(`${label(r)}\u0000${r.snapshotId}`)).map(label),
  );
  const spares = await prisma.spareVolume.findMany({ where: { allocated: false } });
  const stale = spares.filter((s) => !current.has(`${label(s)}\u0000${s.snapshotId}`));
  const rolling = new Map<string, PoolKind>();
  const result: PurgeResult = { deleted: 0, markedForPurge: 0 };
  for (const spare of stale) {
    // Already on their way out once Cinder lets go (reconcile finishes them).
    if (spare.status === 'stuck' || spare.status === DELETING) continue;
    if (rollingKinds.has(label(spare)) && spare.status !== 'purging') {
      if (!heldBack.has(label(spare)))
        rolling.set(label(spare), { volumeType: spare.volumeType, osName: spare.osName });
      continue;
    }
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
  return rolling.size ? { ...result, rolling: [...rolling.values()] } : result;
}
