// Volumes in the chunk store and clones between them (issue 4): create a source volume of
// generated data, look at a volume (per-chunk state, SHA-256 as a reader sees it), start a
// cloneVolume workflow, follow its progress. The store belongs to the worker (one DataStore per
// directory), so every store access runs there, as a workflow; the API only talks to Temporal.
import { cloneProgressQuery } from '../../../workflows/volumes/clone-progress';
import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { CloneProgress } from '../../../workflows/volumes/clone-progress';
import { cloneVolume, createGeneratedVolume, describeVolume } from '../../../workflows';
import type { ApiDeps } from '../../deps';
import { jsonBody, operatorRead, response, security } from '../../openapi';
import { conflict, invalidRequest, notFound, problemResponse, type Problem } from '../../problem';
import { createRouter } from '../../router';
import { describeWorkflowOf, rootCause } from '../../temporal';
import {
  CloneStarted,
  CloneStatus,
  CreateVolume,
  MAX_VIEW_CHUNKS,
  Progress,
  SourceVolume,
  StartClone,
  VolumeId,
  VolumeQuery,
  VolumeView,
} from './schemas';

/** How long a progress read waits for the worker to answer the query before using the memo. */
const QUERY_DEADLINE_MS = 3_000;

const routes = {
  create: createRoute({
    method: 'post',
    path: '/',
    summary: 'Create a source volume of generated data (waits until written)',
    security,
    request: jsonBody(CreateVolume),
    responses: {
      201: response('written', SourceVolume),
      409: problemResponse('the volume exists otherwise, or is being created'),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/{volumeId}',
    summary: "A volume's chunks and the SHA-256 of its bytes as a reader sees them (a describeVolume workflow)",
    security, // it starts a workflow: Bearer only
    request: { params: z.object({ volumeId: VolumeId }), query: VolumeQuery },
    responses: { 200: response('volume', VolumeView) },
  }),
  startClone: createRoute({
    method: 'post',
    path: '/clones',
    summary: 'Clone a volume: instant clone chunks, then a throttled background flatten',
    security,
    request: jsonBody(StartClone),
    responses: {
      202: response('started', CloneStarted),
      400: problemResponse('the source has fewer chunks than asked to clone'),
      404: problemResponse('no such source volume'),
      409: problemResponse('a clone of that target is running'),
    },
  }),
  cloneStatus: createRoute({
    method: 'get',
    path: '/clones/{targetVolumeId}',
    summary: 'Progress of the clone of a volume',
    security: operatorRead,
    request: { params: z.object({ targetVolumeId: VolumeId }) },
    responses: {
      200: response('status', CloneStatus),
      404: problemResponse('no clone of that volume'),
    },
  }),
};

export const cloneWorkflowId = (targetVolumeId: string) => `clone-volume-${targetVolumeId}`;

export function volumeRoutes(deps: ApiDeps) {
  const { temporal, taskQueue } = deps;
  return createRouter()
    .openapi(routes.create, async (c) => {
      const input = c.req.valid('json');
      const workflowId = `volume-create-${input.volumeId}`;
      try {
        const volume = await temporal.workflow.execute(createGeneratedVolume, { taskQueue, workflowId, args: [input] });
        return c.json(volume, 201);
      } catch (error) {
        const problem = createConflict(error);
        if (problem) return c.json(problem, 409);
        throw error;
      }
    })
    .openapi(routes.get, async (c) => {
      const { volumeId } = c.req.valid('param');
      const { chunks, digest } = c.req.valid('query');
      return c.json(await describe(deps, { volumeId, chunks, digest: digest === 'true' }), 200);
    })
    .openapi(routes.startClone, async (c) => {
      const input = c.req.valid('json');
      const missing = await missingSourceChunk(deps, input.sourceVolumeId, input.chunks);
      if (missing === 0) return c.json(notFound(`no volume ${input.sourceVolumeId}`), 404);
      if (missing !== undefined)
        return c.json(invalidRequest('chunks', `the source has ${missing} chunks; a clone cannot read more`), 400);
      const workflowId = cloneWorkflowId(input.targetVolumeId);
      try {
        await temporal.workflow.start(cloneVolume, { taskQueue, workflowId, args: [input] });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        return c.json(conflict(`a clone of ${input.targetVolumeId} is running`), 409);
      }
      return c.json({ workflowId, poll: `/v1/volumes/clones/${input.targetVolumeId}` }, 202);
    })
    .openapi(routes.cloneStatus, async (c) => {
      const { targetVolumeId } = c.req.valid('param');
      const status = await cloneStatus(temporal, cloneWorkflowId(targetVolumeId));
      if (!status) return c.json(notFound(`no clone of ${targetVolumeId}`), 404);
      return c.json(status, 200);
    });
}

/**
 * The first chunk of the source that does not exist (the clone would fail on it later, as
 * ChunkNotExistError), among the first MAX_VIEW_CHUNKS; undefined when they all exist.
 */
async function missingSourceChunk(deps: ApiDeps, volumeId: string, chunks: number): Promise<number | undefined> {
  const view = await describe(deps, { volumeId, chunks: Math.min(chunks, MAX_VIEW_CHUNKS), digest: false });
  return view.chunks.find((chunk) => !chunk.exists)?.chunkIndex;
}

/** The store belongs to the worker: a look at a volume is a short describeVolume workflow. */
function describe(deps: ApiDeps, input: { volumeId: string; chunks: number; digest: boolean }) {
  const workflowId = `volume-describe-${input.volumeId}-${randomUUID()}`;
  return deps.temporal.workflow.execute(describeVolume, { taskQueue: deps.taskQueue, workflowId, args: [input] });
}

/** Final result when ended, live query while running (memo when no worker answers in time). */
async function cloneStatus(temporal: Client, workflowId: string): Promise<CloneStatus | undefined> {
  const description = await describeWorkflowOf(temporal, workflowId, ['cloneVolume']);
  if (!description) return undefined;
  const handle = temporal.workflow.getHandle(workflowId);
  const status = description.status.name;
  const memo = description.memo?.progress as Progress | undefined;
  const fromMemo = { workflowId, status, progress: memo, progressFrom: memo ? ('memo' as const) : undefined };
  if (status === 'COMPLETED') {
    return { workflowId, status, progress: pick(await handle.result()), progressFrom: 'result' };
  }
  if (status === 'RUNNING') {
    const live = await temporal
      .withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(cloneProgressQuery))
      .catch(() => undefined);
    return live ? { workflowId, status, progress: pick(live), progressFrom: 'query' } : fromMemo;
  }
  const failure = await handle.result().then(
    () => undefined,
    (error: Error) => rootCause(error).message,
  );
  return { ...fromMemo, failure };
}

function pick(p: CloneProgress): Progress {
  const { phase, percent, pagesWritten, pagesTotal, chunksFlat, steps } = p;
  return { phase, percent, pagesWritten, pagesTotal, chunksFlat, steps };
}

/** A workflow that is already running, or that the store refused: the caller's conflict, not a server error. */
function createConflict(error: unknown): Problem | undefined {
  if (error instanceof WorkflowExecutionAlreadyStartedError) return conflict('that volume is being created');
  const root = error instanceof WorkflowFailedError ? rootCause(error) : undefined;
  if (root instanceof ApplicationFailure && root.nonRetryable) return conflict(`${root.type}: ${root.message}`);
  return undefined;
}
