// The server builds' reaper as an activity (servers/trust-reaper): unstarted builds failed, ended
// runs' trusts deleted, deleted builds past their retention removed, stuck builds retried.
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { CloudClients } from '../../openstack/cloud';
import type { PrismaClient } from '../../prisma/client';
import type { StuckRuns } from '../../servers/stuck-builds';
import { reapServerBuilds, type ReaperDeps } from '../../servers/trust-reaper';

/** Whether Temporal knows the workflow `id` (started, running or closed); throws when it cannot say. */
export const startedIn = (temporal: Client) => (id: string) =>
  temporal.workflow
    .getHandle(id)
    .describe()
    .then(
      () => true,
      (err: unknown) => (err instanceof WorkflowNotFoundError ? false : Promise.reject(err)),
    );

interface Deps {
  prisma: PrismaClient;
  cloud: CloudClients;
  temporal: Client;
}

/** Temporal's runs as the stuck pass needs them; its retries run on `taskQueue`. */
function stuckRuns(temporal: Client, taskQueue: string): StuckRuns {
  // By name: activities do not import workflow code. A closed run's id may be used again (the default policy).
  const start = (type: string, workflowId: string, args: unknown[]) =>
    temporal.workflow.start(type, { taskQueue, workflowId, args }).then(
      () => true,
      (err: unknown) => (err instanceof WorkflowExecutionAlreadyStartedError ? false : Promise.reject(err)),
    );
  return {
    // Only NOT_FOUND means "never started"; any other error is thrown: the row waits for the next pass.
    running: (id) =>
      temporal.workflow
        .getHandle(id)
        .describe()
        .then(
          (d) => d.status.name === 'RUNNING',
          (err: unknown) => (err instanceof WorkflowNotFoundError ? undefined : Promise.reject(err)),
        ),
    startUndo: (buildId) => start('undoServerBuild', `${buildId}-undo`, [{ buildId }]),
    startDelete: (buildId, trustId) => start('deleteServer', `${buildId}-delete`, [{ buildId, trustId }]),
  };
}

/** The reaper's dependencies; the retries it starts run on `taskQueue`. */
export function reaperDeps(deps: Deps, taskQueue: string): ReaperDeps {
  const { prisma, cloud, temporal } = deps;
  return { prisma, cloud, isStarted: startedIn(temporal), runs: stuckRuns(temporal, taskQueue) };
}

export function reaperActivities(deps: Deps) {
  return {
    reapServerBuildsPass: () => reapServerBuilds(reaperDeps(deps, Context.current().info.taskQueue)),
  };
}
