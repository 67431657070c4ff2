// createServer cancelled (a delete stops the build) while one of its local activities runs: the
// boot runs to its end, the build closes and undoes what it made. The server-crash test once stalled
// near this: a cancel that met a boot step in a replayed task made every later task fail with
// "[TMPRL1100] Nondeterminism error: Invalid transition in state machine". These cases do not
// reproduce that failure (it needs a task replayed after a worker died, which a stub worker does not
// give on demand; they pass without workflows/servers/proxies.ts's guard too): they hold the
// behaviour the guard must keep, a cancel during a step before and after its task heartbeat.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createServer, type CreateServerInput } from '../../../workflows/servers/create-server';
import { CallLog, gate, recording, withStubWorker, type ActivityStubs } from './stub-worker';

const input: CreateServerInput = {
  name: 'web1',
  osName: 'Debian9 64bit',
  volumeType: 'ssd',
  flavorId: '1',
  swapGb: 0,
  dataGb: 0,
  networkId: 'net-1',
  projectId: 'p-1',
  trustId: 't-1',
  snapshotId: 'snap-1',
  sizeGb: 10,
};

const undone = () => ApplicationFailure.nonRetryable('build is being undone: it makes nothing more', 'BuildUndone');

function stubs(log: CallLog, bootServer: ActivityStubs['bootServer']) {
  return recording(log, {
    updateBuild: async () => {},
    takeSystemDisk: async () => ({ volumeId: 'sys-1', path: 'pool-hit' as const }),
    allocateFixedIp: async () => '10.0.0.5',
    bootServer,
    deleteTrust: async () => {},
    finishBuild: async () => {},
    fenceBuild: async () => {},
    findServerOf: async () => null,
    releaseSystemDisk: async () => 'returned to the pool' as const,
    releaseFixedIps: async () => 1,
  } satisfies ActivityStubs);
}

/**
 * Runs a build whose boot step takes `bootMs` and is then refused (the delete fenced the build),
 * cancels the build `cancelAtMs` after the boot began, and says how the build closed.
 */
async function cancelDuringBoot(cancelAtMs: number, bootMs: number, maxCachedWorkflows?: number) {
  const log = new CallLog();
  const bootBegan = gate();
  let reachedByCancel: boolean | undefined;
  const boot = async (): Promise<never> => {
    bootBegan.resolve();
    await new Promise((r) => setTimeout(r, bootMs));
    reachedByCancel = Context.current().cancellationSignal.aborted;
    throw undone();
  };
  const outcome = await withStubWorker(
    stubs(log, boot),
    async ({ client, options }) => {
      const handle = await client.workflow.start(createServer, { ...options('cancel-boot', 40_000), args: [input] });
      await bootBegan.promise;
      await new Promise((r) => setTimeout(r, cancelAtMs));
      await handle.cancel();
      return handle.result().then(
        () => 'completed',
        (err: unknown) => (err instanceof WorkflowFailedError ? `closed: ${err.cause?.name}` : `error: ${err}`),
      );
    },
    { maxCachedWorkflows },
  );
  return { outcome, log, reachedByCancel };
}

describe('createServer cancelled while a local activity runs', () => {
  // Before and after the boot's first workflow-task heartbeat (a local activity running for 80 % of
  // the 10 s task timeout completes the task and is handed the next one at once; the stall's cancel
  // reached the server during that next task); with no workflow cache, every task is a full replay.
  it.each([
    [200, 600, 0],
    [8_600, 9_300, undefined],
  ])(
    'cancelled %i ms into a boot that ends at %i ms (cache %s): the boot runs to its end, the build is undone',
    async (cancelAtMs, bootMs, cache) => {
      const { outcome, log, reachedByCancel } = await cancelDuringBoot(cancelAtMs, bootMs, cache);
      expect(reachedByCancel, 'the cancel reached the local activity').toBe(false);
      expect(outcome).toMatch(/^closed: (CancelledFailure|ActivityFailure|ApplicationFailure)$/);
      expect(log.names()).toEqual(expect.arrayContaining(['fenceBuild', 'releaseSystemDisk', 'releaseFixedIps']));
      expect(log.names().at(-1)).toBe('updateBuild');
    },
  );
});
