// The spare-volume pool's activities, bound to their dependencies.
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client';
import type { CloudClients } from '../openstack/cloud';
import { claimSpareVolume } from '../pool/claim';
import { purgeStaleSpares, syncCatalog } from '../pool/catalog';
import { createSpareVolume, observeVolumes, type SpareVolumeRequest } from '../pool/create-spare';
import { loadReplenishPlan, type PoolKind } from '../pool/plan';
import { reconcileSpareVolumes } from '../pool/reconcile';
import { recordRound, type RoundRecord } from '../pool/rounds';
import { pauseReplenishment, resumeReplenishment, stopRunningReplenishRounds } from '../pool/schedules';

export function poolActivities(deps: { prisma: PrismaClient; cloud: CloudClients; temporal: Client }) {
  const { prisma, cloud, temporal } = deps;
  return {
    loadReplenishPlan: () => loadReplenishPlan(prisma, cloud),
    createSpareVolume: (req: SpareVolumeRequest) => createSpareVolume(prisma, cloud, req),
    observeVolumes: (volumeIds: string[]) => observeVolumes(cloud, volumeIds),
    reconcileSpareVolumes: () => reconcileSpareVolumes(prisma, cloud),
    syncCatalog: () => syncCatalog(prisma, cloud),
    purgeStaleSpares: () => purgeStaleSpares(prisma, cloud),
    claimSpareVolume: (kind: PoolKind, claimant: string) => claimSpareVolume(prisma, kind, claimant),
    recordRound: (round: RoundRecord) => recordRound(prisma, round),
    pauseReplenishment: (note: string) => pauseReplenishment(temporal, note),
    resumeReplenishment: (note: string) => resumeReplenishment(temporal, note),
    stopRunningReplenishRounds: () => stopRunningReplenishRounds(temporal),
  };
}
