// refreshPoolImage against stubbed activities: an operator's cancel ends the refresh `cancelled`,
// recorded, wherever it arrives, including in the refresh's first steps (its first look, its
// `running` record), which ran outside the cancel's handling: the workflow then failed as cancelled
// and the kind's refresh stayed `running` in pool_refreshes. And a catalog sync that finds the
// kind's refresh ending (its last look made) still gets the new snapshot rolled in.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PurgeResult } from '../../../pool/catalog';
import type { PoolKind } from '../../../pool/kinds';
import type { RefreshLook, RefreshRecord } from '../../../pool/refresh';
import type { RoundRecord } from '../../../pool/rounds';
import { refreshPoolImage, syncOsCatalog } from '../../../workflows';
import { refreshWorkflowId } from '../../../workflows/pool/refresh-pool-image';
import { CallLog, gate, recording, withStubWorker, type ActivityStubs } from './stub-worker';

const kind: PoolKind = { volumeType: 'ssd', osName: 'Debian9 64bit' };
const look: RefreshLook = {
  snapshotId: 'snap-2',
  sizeGb: 10,
  target: 2,
  minHealthyPercent: 100,
  intervalSeconds: 1,
  createDeadlineSeconds: null,
  fresh: { available: 0, creating: 0 },
  old: 2,
  errored: 0,
};

function refreshStubs(log: CallLog, overrides: ActivityStubs = {}) {
  return recording(log, {
    lookAtRefresh: async (_kind: PoolKind) => look,
    recordRefresh: async (_r: RefreshRecord) => {},
    recordRound: async (_round: RoundRecord) => {},
    retireOldSpare: async () => false,
    createSpareVolume: async () => ({ name: 'spare-1', volumeId: 'vol-1', status: 'creating', createdNow: true }),
    rollBackRefresh: async () => 0,
    ...overrides,
  });
}

/** Starts a refresh whose activity `stalled` holds until the test cancels; returns its result. */
async function cancelDuring(stalled: 'lookAtRefresh' | 'recordRefresh') {
  const log = new CallLog();
  const entered = gate();
  const hold = gate();
  let first = true;
  const stall = async () => {
    if (first) {
      first = false;
      entered.resolve();
      await hold.promise;
    }
  };
  const stubs = refreshStubs(log, {
    [stalled]: async () => {
      await stall();
      return stalled === 'lookAtRefresh' ? look : undefined;
    },
  });
  const result = await withStubWorker(stubs, async ({ client, options }) => {
    const handle = await client.workflow.start(refreshPoolImage, { ...options('refresh-cancel'), args: [kind] });
    await entered.promise;
    await handle.cancel();
    hold.resolve();
    return handle.result();
  });
  return { result, log };
}

describe('refreshPoolImage: an operator cancel', () => {
  for (const stalled of ['lookAtRefresh', 'recordRefresh'] as const) {
    it(`arriving during the first ${stalled} ends the refresh cancelled, recorded so`, async () => {
      const { result, log } = await cancelDuring(stalled);
      expect(result).toMatchObject({ state: 'cancelled', reason: 'cancelled by an operator' });
      const records = log.of('recordRefresh').map((args) => (args[0] as RefreshRecord).state);
      expect(records.at(-1)).toBe('cancelled');
      expect(log.of('recordRound')[0]![0]).toMatchObject({ kind: 'refresh', finished: true });
    });
  }
});

describe('refreshPoolImage: a catalog sync while it ends', () => {
  it('a sync that finds the refresh ending after its last look gets the new snapshot rolled in', async () => {
    // A kind of its own: the refresh's workflow id names the kind, and files run side by side.
    const kind: PoolKind = { volumeType: 'ssd', osName: `Debian9 ${randomUUID().slice(0, 8)}` };
    const catalog = { snapshotId: 'snap-2' };
    const log = new CallLog();
    const ending = gate();
    const hold = gate();
    let held = false;
    const stubs = refreshStubs(log, {
      // Nothing old left and the new generation complete: every look ends the refresh.
      lookAtRefresh: async () => ({ ...look, ...catalog, fresh: { available: 2, creating: 0 }, old: 0 }),
      recordRound: async (round: RoundRecord) => {
        if (round.kind !== 'refresh' || held) return;
        held = true; // the first refresh, past its last look, records its round: the sync runs now
        ending.resolve();
        await hold.promise;
      },
      pauseReplenishment: async () => true,
      resumeReplenishment: async () => true,
      stopRunningReplenishRounds: async () => [],
      syncCatalog: async () => ({ entries: [], unmatched: [], changed: [`${kind.volumeType}/${kind.osName}`] }),
      purgeStaleSpares: async (): Promise<PurgeResult> => ({ deleted: 0, markedForPurge: 0, rolling: [kind] }),
    });
    const result = await withStubWorker(stubs, async ({ client, options }) => {
      const { taskQueue } = options('unused');
      const workflowId = refreshWorkflowId(kind);
      const refresh = await client.workflow.start(refreshPoolImage, { taskQueue, workflowId, args: [kind] });
      await ending.promise;
      catalog.snapshotId = 'snap-3'; // published and synced while the refresh ends
      await client.workflow.execute(syncOsCatalog, options('sync-while-ending'));
      hold.resolve();
      return refresh.result(); // through any continue-as-new
    });
    expect(result).toMatchObject({ state: 'done', snapshotId: 'snap-3' });
    const running = log.of('recordRefresh').map((a) => a[0] as RefreshRecord);
    expect(running.filter((r) => r.state === 'running').map((r) => r.snapshotId)).toEqual(['snap-2', 'snap-3']);
  });
});
