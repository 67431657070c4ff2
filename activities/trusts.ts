// The server builds' reaper as an activity (servers/trust-reaper): unstarted builds failed, ended
// runs' trusts deleted, deleted builds past their retention removed.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { CloudClients } from '../openstack/cloud';
import type { PrismaClient } from '../prisma/client';
import { reapServerBuilds } from '../servers/trust-reaper';

/** Whether Temporal knows the workflow `id` (started, running or closed); throws when it cannot say. */
export const startedIn = (temporal: Client) => (id: string) =>
  temporal.workflow
    .getHandle(id)
    .describe()
    .then(
      () => true,
      (err: unknown) => (err instanceof WorkflowNotFoundError ? false : Promise.reject(err)),
    );

export function reaperActivities(deps: { prisma: PrismaClient; cloud: CloudClients; temporal: Client }) {
  const { prisma, cloud, temporal } = deps;
  return { reapServerBuildsPass: () => reapServerBuilds({ prisma, cloud, isStarted: startedIn(temporal) }) };
}
