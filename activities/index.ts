// All activities, built from their dependencies (samples-typescript's dependency-injection
// pattern): the worker registers the object this returns.
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client';
import { chunkStoreActivities } from './volumes/volumes';
import { cloudInventoryActivities } from './pool/cloud-inventory';
import { drillActivities } from './drills/drills';
import type { CloudClients } from '../openstack/cloud';
import { poolActivities } from './pool/pool';
import { refreshActivities } from './pool/refresh';
import { serverActivities } from './servers/servers';
import { reaperActivities } from './servers/reaper';

export interface ActivityDeps {
  cloud: CloudClients;
  prisma: PrismaClient;
  /** For activities that steer Temporal itself (pausing the pool's schedules). */
  temporal: Client;
  /** The chunk store's directory (clone activities); unset = CHUNKSTORE_DIR's default. */
  chunkStoreDir?: string;
  /** Test-only: seed 000's unlocked claims and IP allocations, so a test can show its check catches them. */
  unsafeNoLocking?: boolean;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...cloudInventoryActivities(deps.cloud),
    ...poolActivities(deps),
    ...refreshActivities(deps),
    ...drillActivities(deps),
    ...chunkStoreActivities(deps),
    ...serverActivities(deps),
    ...reaperActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
