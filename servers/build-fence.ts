// The fence between a build's grants and its undo. A step may still be running after the
// workflow has moved on to compensation (a local activity whose workflow task failed keeps
// running in its worker; nothing tells it to stop), so "the undo ran after the step" cannot be
// taken from the workflow's order. The database decides instead: the undo first fences the
// build (server_builds.undo_started_at); a grant (a spare claimed, an address allocated) is
// made only in a transaction that holds the build's row and sees no fence. So a grant either
// commits before the fence, and the undo finds and releases it, or sees the fence and is refused.
import type { Prisma, PrismaClient } from '../prisma/client';

/** The build's undo has begun: it is given nothing more. Not retryable. */
export class BuildUndoneError extends Error {
  override name = 'BuildUndoneError';
}

/** A client that runs inside a transaction (the functions that take a PrismaClient accept it). */
export type InTransaction = PrismaClient;

/**
 * Fences the build: from now on `underFence` refuses it. Waits for a grant that holds the build's
 * row to commit (so the undo that follows sees it). Idempotent: the first fence time stays.
 */
export async function fenceBuild(prisma: PrismaClient, buildId: string): Promise<void> {
  await prisma.$executeRaw`
    UPDATE server_builds SET undo_started_at = COALESCE(undo_started_at, now()) WHERE id = ${buildId}`;
}

/**
 * Runs `grant` in one transaction that holds the build's row, unless the build is fenced or unknown.
 * Whatever `grant` locks stays locked until it returns. FOR NO KEY UPDATE: the fence waits on the
 * grant, and so does another grant to the same build. A step re-run beside its first run (a local
 * activity whose workflow task timed out runs on) then sees what the first one took, and its
 * idempotent grant returns that instead of taking a second spare or address (each holds the row for
 * one short statement; builds never wait on each other).
 */
export async function underFence<T>(
  prisma: PrismaClient,
  buildId: string,
  grant: (tx: InTransaction) => Promise<T>,
): Promise<T> {
  return prisma.$transaction(
    async (tx) => {
      const live = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM server_builds WHERE id = ${buildId} AND undo_started_at IS NULL FOR NO KEY UPDATE`;
      if (!live.length) throw new BuildUndoneError(`build ${buildId} is being undone: nothing more is granted to it`);
      return grant(asClient(tx));
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
}

/**
 * Throws BuildUndoneError if the build is fenced: checked before a step makes something in the
 * cloud (a disk, a server), which no transaction can hold. What a step still makes in the moment
 * between this check and its request is tagged with the build and found by the undo if it runs
 * after; the moment is what remains of the race.
 */
export async function assertNotFenced(prisma: PrismaClient, buildId: string): Promise<void> {
  const build = await prisma.serverBuild.findUnique({ where: { id: buildId }, select: { undoStartedAt: true } });
  if (build?.undoStartedAt) throw new BuildUndoneError(`build ${buildId} is being undone: it makes nothing more`);
}

// A transaction client has every model and raw query a PrismaClient has, not $transaction or
// $connect, which nothing given it calls.
const asClient = (tx: Prisma.TransactionClient) => tx as unknown as PrismaClient;
