// Starting a server build's workflow from POST /v1/servers, and what a failed start answers: a
// build whose start failed is started by the retry with its Idempotency-Key (which must ask for the
// same build), or failed by the reaper (servers/trust-reaper).
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Context } from 'hono';
import { createLogger } from '../../../observability/logger';
import type { BuildRow } from '../../../servers/builds';
import { createServer } from '../../../workflows';
import type { CreateServerInput } from '../../../workflows/servers/create-server';
import type { ApiDeps } from '../../deps';
import { invalidRequest } from '../../problem';
import type { ServerRequest } from './schemas';
import type { ResolvedRequest } from './request';

const log = createLogger('api');

/**
 * Starts the build's createServer; with a worker in this process, eagerly on it. `raced`: another
 * request with the key started it; `failed`: Temporal could not be reached or refused.
 */
export async function startBuild(
  deps: ApiDeps,
  buildId: string,
  input: CreateServerInput,
): Promise<'started' | 'raced' | 'failed'> {
  const colocated = deps.colocatedWorker;
  try {
    await (colocated?.client ?? deps.temporal).workflow.start(createServer, {
      taskQueue: deps.taskQueue,
      workflowId: buildId,
      args: [input],
      requestEagerStart: colocated !== undefined,
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'raced';
    log.warn('server build not started', { buildId, error: (err as Error).message });
    return 'failed';
  }
}

/** Whether a `building` row's workflow was never started (its start failed); `unknown` when Temporal cannot say. */
export async function neverStarted(deps: ApiDeps, build: BuildRow): Promise<boolean | 'unknown'> {
  if (build.status !== 'building') return false;
  try {
    await deps.temporal.workflow.getHandle(build.id).describe();
    return false;
  } catch (err) {
    return err instanceof WorkflowNotFoundError ? true : 'unknown';
  }
}

/** 503 with Retry-After: Temporal could not take the build's (or delete's) start just now. */
export const unavailable = (c: Context, what: 'build' | 'delete' = 'build') => {
  c.header('Retry-After', '5');
  const key = what === 'build' ? ' (with the same Idempotency-Key, if you sent one)' : '';
  const message = `the ${what} could not be started just now: retry in a few seconds${key}`;
  return c.json({ error: 'unavailable', message }, 503);
};

/**
 * The first field of `body` that differs from the build its Idempotency-Key made (Stripe's rule: a
 * key is for one request); flavor and network by what they resolve to, once `resolved` is known.
 * A fixedIp is not kept on the row: only what it resolved to shows (address).
 */
export function differingField(row: BuildRow, body: ServerRequest, resolved?: ResolvedRequest) {
  const asked: [string, unknown, unknown][] = [
    ['name', body.name, row.name],
    ['osName', body.osName, row.osName],
    ['volumeType', body.volumeType, row.volumeType],
    ['flavor', resolved?.flavorId, resolved && row.flavorId],
    ['swapGb', body.swapGb, row.swapGb],
    ['dataGb', body.dataGb, row.dataGb],
    ['network', resolved?.networkId, resolved && row.networkId],
  ];
  const field = asked.find(([, mine, theirs]) => mine !== theirs)?.[0];
  const why = `differs from what the first request with this Idempotency-Key asked for (a new server needs a new key)`;
  return field ? invalidRequest(field, why) : undefined;
}
