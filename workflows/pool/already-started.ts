/**
 * A child start refused because its workflow id runs already (one sync, one refresh per kind): by the
 * error's name, as @temporalio/common's class is not re-exported by the workflow package.
 */
export const isAlreadyStarted = (err: unknown) => (err as Error).name === 'WorkflowExecutionAlreadyStartedError';
