import type { Client } from '@temporalio/client';
import type { CloudClients } from '../openstack/cloud';
import type { PrismaClient } from '../prisma/client';

/** What the HTTP layer needs; the start command and the tests build it. */
export interface ApiDeps {
  temporal: Client;
  taskQueue: string;
  prisma: PrismaClient;
  cloud: CloudClients;
  apiToken: string;
  temporalUiUrl?: string;
}
