// syncOsCatalog's compensation against stubbed activities: replenishment paused for the sync is
// resumed whether the sync succeeds, fails part-way or is cancelled, and only a sync that got
// through is recorded as a round.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { CatalogSyncResult, PurgeResult } from '../../../pool/catalog';
import type { RoundRecord } from '../../../pool/rounds';
import { syncOsCatalog } from '../../../workflows';
import { CallLog, gate, recording, withStubWorker, type ActivityStubs } from './stub-worker';

const catalog: CatalogSyncResult = { entries: [], unmatched: [], changed: ['ssd/Debian9 64bit'] };
const purge: PurgeResult = { deleted: 1, markedForPurge: 0 };

function syncStubs(log: CallLog, overrides: ActivityStubs = {}) {
  return recording(log, {
    pauseReplenishment: async (_note: string) => true,
    resumeReplenishment: async (_note: string) => true,
    stopRunningReplenishRounds: async () => ['replenishPool-running-1'],
    syncCatalog: async () => catalog,
    purgeStaleSpares: async () => purge,
    recordRound: async (_round: RoundRecord) => {},
    ...overrides,
  });
}

/** The failure's root cause (activity and workflow failures wrap it). */
function rootCause(error: unknown): unknown {
  let e = error as { cause?: unknown };
  while (e?.cause) e = e.cause as { cause?: unknown };
  return e;
}

describe('syncOsCatalog', () => {
  it('a sync that gets through: pause, stop rounds, sync, purge, record, resume', async () => {
    const log = new CallLog();
    const result = await withStubWorker(syncStubs(log), ({ client, options }) =>
      client.workflow.execute(syncOsCatalog, options('sync-ok')),
    );
    expect(result).toEqual({ catalog, purge, stoppedRounds: ['replenishPool-running-1'] });
    expect(log.names()).toEqual([
      'pauseReplenishment',
      'stopRunningReplenishRounds',
      'syncCatalog',
      'purgeStaleSpares',
      'recordRound',
      'resumeReplenishment',
    ]);
    expect(log.of('recordRound')[0]![0]).toMatchObject({ kind: 'sync-os', dropped: 1, finished: true });
  });

  it('the purge failing for good fails the sync, resumes replenishment, records no round', async () => {
    const log = new CallLog();
    const stubs = syncStubs(log, {
      purgeStaleSpares: async () => {
        throw ApplicationFailure.nonRetryable('cinder refused the delete', 'PurgeFailed');
      },
    });
    const failure = await withStubWorker(stubs, ({ client, options }) =>
      client.workflow.execute(syncOsCatalog, options('sync-purge-fails')).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(rootCause(failure)).toMatchObject({ type: 'PurgeFailed', message: 'cinder refused the delete' });
    // Non-retryable: one attempt; then the compensation, and no success recorded.
    expect(log.names()).toEqual([
      'pauseReplenishment',
      'stopRunningReplenishRounds',
      'syncCatalog',
      'purgeStaleSpares',
      'resumeReplenishment',
    ]);
    expect(log.of('recordRound')).toEqual([]);
  });

  it('cancelled while the catalog syncs: resumes replenishment, records no round', async () => {
    const log = new CallLog();
    const syncing = gate();
    const release = gate();
    const stubs = syncStubs(log, {
      syncCatalog: async () => {
        syncing.resolve();
        // Held until the test is done, or until the worker cancels it at shutdown.
        await Promise.race([release.promise, Context.current().cancelled]);
        return catalog;
      },
    });
    const failure = await withStubWorker(stubs, async ({ client, options }) => {
      const handle = await client.workflow.start(syncOsCatalog, options('sync-cancelled'));
      await syncing.promise;
      await handle.cancel();
      return handle
        .result()
        .then(
          () => undefined,
          (e: unknown) => e,
        )
        .finally(() => release.resolve());
    });

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(log.names()).toEqual([
      'pauseReplenishment',
      'stopRunningReplenishRounds',
      'syncCatalog',
      'resumeReplenishment',
    ]);
    expect(log.of('recordRound')).toEqual([]);
  });

  it('replenishment already paused by someone else: the sync runs and resumes nothing', async () => {
    const log = new CallLog();
    const stubs = syncStubs(log, { pauseReplenishment: async (_note: string) => false });
    await withStubWorker(stubs, ({ client, options }) => client.workflow.execute(syncOsCatalog, options('sync-held')));
    expect(log.names()).not.toContain('resumeReplenishment');
    expect(log.names()).toContain('purgeStaleSpares');
  });
});
