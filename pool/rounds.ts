// A row per replenish/reconcile round: what it did, for the status API and for operators.
import type { PrismaClient } from '../prisma/client';

export interface RoundRecord {
  id: string;
  kind: 'replenish' | 'reconcile' | 'sync-os' | 'refresh';
  created?: number;
  failed?: number;
  dropped?: number;
  summary?: unknown;
  finished?: boolean;
  /** The workflow's start (ISO), so started/finished come from one clock. */
  startedAt?: string;
}

export async function recordRound(prisma: PrismaClient, r: RoundRecord): Promise<void> {
  const data = {
    created: r.created ?? 0,
    failed: r.failed ?? 0,
    dropped: r.dropped ?? 0,
    summary: (r.summary ?? undefined) as object | undefined,
    finishedAt: r.finished ? new Date() : null,
  };
  const startedAt = r.startedAt ? new Date(r.startedAt) : undefined;
  await prisma.poolRound.upsert({
    where: { id: r.id },
    create: { id: r.id, kind: r.kind, startedAt, ...data },
    update: data,
  });
}
