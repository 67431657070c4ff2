// All activities, built from their dependencies (samples-typescript's dependency-injection
// pattern): the worker registers the object this returns.
import type { PrismaClient } from '../generated/prisma/client';
import { cloudInventoryActivities } from './cloud-inventory';
import type { Cloud } from './openstack/cloud';

export interface ActivityDeps {
  cloud: Cloud;
  prisma: PrismaClient;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...cloudInventoryActivities(deps.cloud),
  };
}

export type Activities = ReturnType<typeof createActivities>;
