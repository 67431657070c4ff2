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
  /**
   * A worker in this process (role all), with a client over its own connection: a build starts
   * eagerly on it (its first workflow task comes back with the start instead of through the task
   * queue) and the build's trust is redeemed meanwhile, for the steps that use this process's
   * cloud clients.
   */
  colocatedWorker?: { client: Client };
}
