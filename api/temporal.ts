// Looking at workflows the routes started: by id and type, and why one failed.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';

/** Workflow `id`'s description if it exists and is one of `types` (another type is not ours: undefined). */
export async function describeWorkflowOf(temporal: Client, id: string, types: readonly string[]) {
  try {
    const description = await temporal.workflow.getHandle(id).describe();
    return types.includes(description.type) ? description : undefined;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/** The innermost cause of a workflow failure (workflow → activity → the activity's ApplicationFailure). */
export function rootCause(error: Error): Error {
  let e = error;
  while (e.cause instanceof Error) e = e.cause;
  return e;
}
