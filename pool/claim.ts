// Handing a spare to exactly one VM create: one atomic UPDATE over a row locked with
// FOR UPDATE SKIP LOCKED, so concurrent claims never get the same volume and never wait
// on each other (seed 000's double-allocation bug, fixed in the database).
import type { PrismaClient } from '../prisma/client';
import type { PoolKind } from './kinds';

export interface ClaimedSpare {
  id: number;
  name: string;
  volumeId: string;
  snapshotId: string;
}

/**
 * Claims one available, unclaimed spare of the kind for `claimant`, of the newest generation when it has
 * one (issue 23); null when the pool is empty.
 * `locking: false` is seed 000's unlocked read-then-update, kept only so a test can show that its
 * concurrency check catches double allocation.
 */
export async function claimSpareVolume(
  prisma: PrismaClient,
  kind: PoolKind,
  claimant: string,
  opts: { locking?: boolean } = {},
): Promise<ClaimedSpare | null> {
  if (opts.locking === false) {
    const mine = await prisma.spareVolume.findFirst({ where: { claimedBy: claimant, allocated: true } });
    if (mine?.volumeId) return { id: mine.id, name: mine.name, volumeId: mine.volumeId, snapshotId: mine.snapshotId };
    return claimUnlocked(prisma, kind, claimant);
  }
  // One statement, one round trip: the spare the claimant already holds (a retried activity gets
  // the volume it already claimed), else the first free one, taken.
  const rows = await prisma.$queryRaw<ClaimedSpare[]>`
    WITH mine AS (
      SELECT id, name, volume_id AS "volumeId", snapshot_id AS "snapshotId" FROM spare_volumes
      WHERE claimed_by = ${claimant} AND allocated AND volume_id IS NOT NULL
      LIMIT 1),
    taken AS (
      UPDATE spare_volumes SET allocated = true, claimed_by = ${claimant}, claimed_at = now(), updated_at = now()
      WHERE NOT EXISTS (SELECT 1 FROM mine) AND id = (
        SELECT id FROM spare_volumes
        WHERE volume_type = ${kind.volumeType} AND os_name = ${kind.osName}
          AND status = 'available' AND allocated = false AND volume_id IS NOT NULL
        -- The newest generation (the catalog's snapshot) first: older ones serve only while a refresh retires them.
        ORDER BY snapshot_id IS DISTINCT FROM (
            SELECT snapshot_id FROM os_images WHERE volume_type = ${kind.volumeType} AND os_name = ${kind.osName}),
          created_at, id
        LIMIT 1
        FOR UPDATE SKIP LOCKED)
      RETURNING id, name, volume_id AS "volumeId", snapshot_id AS "snapshotId")
    SELECT * FROM mine UNION ALL SELECT * FROM taken`;
  return rows[0] ?? null;
}

async function claimUnlocked(prisma: PrismaClient, kind: PoolKind, claimant: string): Promise<ClaimedSpare | null> {
  const free = await prisma.spareVolume.findFirst({
    where: {
      volumeType: kind.volumeType,
      osName: kind.osName,
      status: 'available',
      allocated: false,
      volumeId: { not: null },
    },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  if (!free?.volumeId) return null;
  await prisma.spareVolume.update({
    where: { id: free.id },
    data: { allocated: true, claimedBy: claimant, claimedAt: new Date() },
  });
  return { id: free.id, name: free.name, volumeId: free.volumeId, snapshotId: free.snapshotId };
}

export interface Handout {
  buildId: string;
  volumeId: string;
  volumeType: string;
  osName: string;
  snapshotId: string;
  path: 'pool-hit' | 'fallback';
  handoverMs: number;
}

/**
 * The system disk is the tenant's now: a claimed spare's row leaves the pool and one audit row
 * records which build got which volume, how, and how long the handover took. Idempotent.
 */
export async function completeHandout(prisma: PrismaClient, h: Handout): Promise<void> {
  const { buildId, ...rest } = h;
  await prisma.$transaction([
    prisma.spareVolume.deleteMany({ where: { claimedBy: buildId, volumeId: h.volumeId, allocated: true } }),
    prisma.systemDiskHandout.upsert({ where: { buildId }, create: { buildId, ...rest }, update: {} }),
  ]);
}

/**
 * Gives the spare `claimant` holds back to the pool (its build failed while the volume was still
 * the admin project's and available), if `stillSpare` (a look at the volume in Cinder: still the
 * admin project's, available) says so while the claim row is locked: a spare an accept made a
 * tenant's meanwhile never goes back to be handed to another. Returns how many rows went back
 * (0 or 1). Idempotent.
 */
export async function returnClaimedSpare(
  prisma: PrismaClient,
  claimant: string,
  stillSpare: () => Promise<boolean>,
): Promise<number> {
  return prisma.$transaction(
    async (tx) => {
      const held = await tx.$queryRaw<{ id: number }[]>`
        SELECT id FROM spare_volumes WHERE claimed_by = ${claimant} AND allocated FOR UPDATE`;
      if (!held.length || !(await stillSpare())) return 0;
      const { count } = await tx.spareVolume.updateMany({
        where: { claimedBy: claimant, allocated: true },
        data: { allocated: false, claimedBy: null, claimedAt: null },
      });
      return count;
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
}

/** Drops the claim row of a spare that will not come back (deleted, or gone with a failed boot). */
export async function forgetClaimedSpare(prisma: PrismaClient, claimant: string): Promise<number> {
  const { count } = await prisma.spareVolume.deleteMany({ where: { claimedBy: claimant, allocated: true } });
  return count;
}
