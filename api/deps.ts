import type { Client } from '@temporalio/client';
import type { Cloud } from '../activities/openstack/cloud';
import type { PrismaClient } from '../infra/database';

/** What the HTTP layer needs; the start command and the tests build it. */
export interface ApiDeps {
  temporal: Client;
  taskQueue: string;
  prisma: PrismaClient;
  cloud: Cloud;
  apiToken: string;
  temporalUiUrl?: string;
}
