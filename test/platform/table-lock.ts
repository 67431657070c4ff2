// Holding a table lock from a test, to stop another party's statement at a chosen point: the
// lock is taken in a transaction of its own and held until released; `untilSomeoneWaits` tells
// when a statement is queued behind it.
import type { PrismaClient } from '../../prisma/client';

export type LockMode = 'EXCLUSIVE' | 'ACCESS EXCLUSIVE';

export interface HeldLock {
  release(): Promise<void>;
}

/** Locks `table` in `mode` and resolves once the lock is held. EXCLUSIVE lets plain reads through. */
export async function lockTable(prisma: PrismaClient, table: 'spare_volumes', mode: LockMode): Promise<HeldLock> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held!: () => void;
  const isHeld = new Promise<void>((resolve) => (held = resolve));
  const holder = prisma.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`LOCK TABLE ${table} IN ${mode} MODE`);
      held();
      await released;
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
  await Promise.race([isHeld, holder]);
  return {
    async release() {
      release();
      await holder;
    },
  };
}

/**
 * Resolves once some statement waits for a lock on `table` of this database (pg_locks: not granted);
 * throws after `timeoutMs`. Not any lock wait: files side by side share the server, each with its own
 * database, and a wait in another file's (or on another lock) is not the one this test arranged
 * (server-fence once went on early that way).
 */
export async function untilSomeoneWaits(
  prisma: PrismaClient,
  table: 'spare_volumes',
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [{ waiting }] = await prisma.$queryRaw<{ waiting: bigint }[]>`
      SELECT count(*) AS waiting FROM pg_locks
      WHERE NOT granted AND relation = ${table}::regclass
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
    if (waiting > 0n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no statement waited for a lock on ${table} within ${timeoutMs} ms`);
}
