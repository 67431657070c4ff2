// A row per replenish/reconcile round: what it did, for the status API and for operators.
import type { PrismaClient } from '../../infra/database';

export interface RoundRecord {
  id: string;
  kind: 'replenish' | 'reconcile' | 'sync-os';
  created?: number;
  failed?: number;
  dropped?: number;
  summary?: unknown;
  finished?: boolean;
}

export async function recordRound(prisma: PrismaClient, r: RoundRecord): Promise<void> {
  const data = {
    created: r.created ?? 0, failed: r.failed ?? 0, dropped: r.dropped ?? 0,
    summary: (r.summary ?? undefined) as object | undefined,
    finishedAt: r.finished ? new Date() : null,
  };
  await prisma.poolRound.upsert({ where: { id: r.id }, create: { id: r.id, kind: r.kind, ...data }, update: data });
}
