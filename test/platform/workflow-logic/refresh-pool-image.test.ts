// refreshPoolImage against stubbed activities: an operator's cancel ends the refresh `cancelled`,
// recorded, wherever it arrives, including in the refresh's first steps (its first look, its
// `running` record), which ran outside the cancel's handling: the workflow then failed as cancelled
// and the kind's refresh stayed `running` in pool_refreshes.
import { describe, expect, it } from 'vitest';
import type { PoolKind } from '../../../pool/kinds';
import type { RefreshLook, RefreshRecord } from '../../../pool/refresh';
import type { RoundRecord } from '../../../pool/rounds';
import { refreshPoolImage } from '../../../workflows';
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
    [stalled]: async (...args: unknown[]) => {
      await stall();
      return stalled === 'lookAtRefresh' ? look : (void args, undefined);
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
