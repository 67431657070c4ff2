// The rolling image refresh's activities (workflows/pool/refresh-pool-image.ts), bound to their dependencies.
import type { PrismaClient } from '../../prisma/client';
import type { CloudClients } from '../../openstack/cloud';
import type { PoolKind } from '../../pool/kinds';
import { lookAtRefresh, recordRefresh, retireOldSpare, rollBackRefresh, type RefreshRecord } from '../../pool/refresh';

export function refreshActivities(deps: { prisma: PrismaClient; cloud: CloudClients }) {
  const { prisma, cloud } = deps;
  return {
    lookAtRefresh: (kind: PoolKind) => lookAtRefresh(prisma, cloud, kind),
    retireOldSpare: (kind: PoolKind, snapshotId: string, floor: number) =>
      retireOldSpare(prisma, cloud, kind, snapshotId, floor),
    rollBackRefresh: (kind: PoolKind, snapshotId: string) => rollBackRefresh(prisma, kind, snapshotId),
    recordRefresh: (r: RefreshRecord) => recordRefresh(prisma, r),
  };
}
