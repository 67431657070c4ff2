// The spare-volume pool's activities, bound to their dependencies.
import { heartbeat, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../../prisma/client';
import type { CloudClients } from '../../openstack/cloud';
import { claimSpareVolume } from '../../pool/claim';
import { catalogChanges, purgeStaleSpares, syncCatalog } from '../../pool/catalog';
import { createSpareVolume, observeVolumes, type SpareVolumeRequest } from '../../pool/create-spare';
import type { PoolKind } from '../../pool/kinds';
import { loadReplenishPlan } from '../../pool/plan';
import { reconcileSpareVolumes } from '../../pool/reconcile';
import { recordRound, type RoundRecord } from '../../pool/rounds';
import { decideTargets } from '../../pool/sizing';
import { pauseReplenishment, resumeReplenishment, stopRunningReplenishRounds } from '../../pool/schedules';

export function poolActivities(deps: { prisma: PrismaClient; cloud: CloudClients; temporal: Client }) {
  const { prisma, cloud, temporal } = deps;
  return {
    /** The round's plan, after each forecast-sized kind's target is decided anew (pool/sizing). */
    loadReplenishPlan: async () => {
      // A decision that cannot be made leaves the last one standing: the round still fills the pool.
      await decideTargets(prisma, new Date()).catch((err: Error) =>
        log.warn('pool targets not decided; the last decisions stand', { error: err.message }),
      );
      return loadReplenishPlan(prisma, cloud);
    },
    createSpareVolume: (req: SpareVolumeRequest) => createSpareVolume(prisma, cloud, req),
    observeVolumes: (volumeIds: string[]) => observeVolumes(cloud, volumeIds),
    reconcileSpareVolumes: () => beating(() => reconcileSpareVolumes(prisma, cloud)),
    syncCatalog: () => beating(() => syncCatalog(prisma, cloud)),
    catalogChanges: () => catalogChanges(prisma, cloud),
    purgeStaleSpares: () => beating(() => purgeStaleSpares(prisma, cloud)),
    claimSpareVolume: (kind: PoolKind, claimant: string) => claimSpareVolume(prisma, kind, claimant),
    recordRound: (round: RoundRecord) => recordRound(prisma, round),
    pauseReplenishment: (note: string) => pauseReplenishment(temporal, note),
    resumeReplenishment: (note: string) => resumeReplenishment(temporal, note),
    stopRunningReplenishRounds: () => beating(() => stopRunningReplenishRounds(temporal)),
  };
}

/** How often a long pass says it is alive; the workflows give it a heartbeat timeout of 15 s. */
const BEAT_MS = 2_000;

/**
 * Runs a pass that may take long (reconcile over every spare, the catalog sync and purge) with a
 * heartbeat every BEAT_MS: a worker killed mid-pass is noticed at the heartbeat timeout and the pass
 * retried at once, instead of after its 5-minute start-to-close (a pass held so long holds its
 * schedule, overlap SKIP, as long).
 */
async function beating<T>(pass: () => Promise<T>): Promise<T> {
  const beat = setInterval(() => heartbeat(), BEAT_MS);
  try {
    return await pass();
  } finally {
    clearInterval(beat);
  }
}
