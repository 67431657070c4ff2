// replenishPool's rounds against stubbed activities: a create that never leaves `creating` (a dead
// cinder-volume) must not hold the round, and so the schedule, forever; a create that fails (ends
// in `error`, or Cinder refuses it) is counted failed in both throttle modes.
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { KindPlan } from '../../../pool/kinds';
import type { ReplenishPlan } from '../../../pool/plan';
import type { SpareVolumeRequest } from '../../../pool/create-spare';
import type { RoundRecord } from '../../../pool/rounds';
import { replenishPool } from '../../../workflows';
import { CREATES_PER_RUN, REFUSALS_TO_STOP } from '../../../workflows/pool/replenish-pool';
import { CallLog, recording, withStubWorker } from './stub-worker';

const kind = (missing: number): KindPlan => ({
  volumeType: 'ssd',
  osName: 'Debian9 64bit',
  target: missing,
  have: 0,
  missing,
  status: 'ok',
  snapshotId: 'snap-1',
  sizeGb: 10,
});

const slotOf = (name: string) => Number(name.slice(name.lastIndexOf('-') + 1));
const sentSlot = (args: unknown[]) => slotOf((args[0] as SpareVolumeRequest).name);

interface CloudOptions {
  slots: number;
  deadlineSeconds: number | null;
  stuck: number[];
  errored?: number[];
  /** Creates Cinder refuses (the activity fails for good, as on an over-quota 413). */
  refused?: number[];
  mode?: 'fixed' | 'adaptive';
  intervalSeconds?: number;
}

/**
 * A cloud where create `slot` i gets volume `vol-i`; `stuck` volumes stay `creating` forever,
 * `errored` ones end in `error`, the rest are `available` at the first look, 300 ms after start.
 */
function adaptiveCloud(opts: CloudOptions) {
  const log = new CallLog();
  const plan: ReplenishPlan = {
    kinds: [kind(opts.slots)],
    throttle: {
      mode: opts.mode ?? 'adaptive',
      intervalSeconds: opts.intervalSeconds ?? 0,
      createDeadlineSeconds: opts.deadlineSeconds,
    },
  };
  const status = (volumeId: string) => {
    const slot = Number(volumeId.slice('vol-'.length));
    return opts.stuck.includes(slot) ? 'creating' : opts.errored?.includes(slot) ? 'error' : 'available';
  };
  const stubs = recording(log, {
    loadReplenishPlan: async () => plan,
    createSpareVolume: async (req: SpareVolumeRequest) => {
      if (opts.refused?.includes(slotOf(req.name)))
        throw ApplicationFailure.create({ type: 'OverLimitError', message: 'VolumeLimitExceeded', nonRetryable: true });
      return { name: req.name, volumeId: `vol-${slotOf(req.name)}`, status: 'creating', createdNow: true };
    },
    observeVolumes: async (ids: string[]) =>
      ids.map((volumeId) => {
        const s = status(volumeId);
        return s === 'available'
          ? { volumeId, status: s, durationMs: 300, finishedAtMs: Date.now() }
          : { volumeId, status: s };
      }),
    recordRound: async (_round: RoundRecord) => {},
  });
  return { log, stubs };
}

const observedIds = (log: CallLog) => log.of('observeVolumes').map(([ids]) => ids as string[]);
const finalRecord = (log: CallLog) =>
  log
    .of('recordRound')
    .map(([r]) => r as RoundRecord)
    .find((r) => r.finished);

describe('replenishPool, adaptive, with a create that never leaves creating', () => {
  it('counts the stuck create failed at its deadline, sends every other slot and ends', async () => {
    const { log, stubs } = adaptiveCloud({ slots: 5, deadlineSeconds: 2, stuck: [0] });
    const result = await withStubWorker(stubs, ({ client, options }) =>
      client.workflow.execute(replenishPool, options('replenish-stuck-first', 40_000)),
    );

    expect(result).toEqual({ created: 5, failed: 1, skipped: [] });
    expect(log.of('createSpareVolume').map(sentSlot)).toEqual([0, 1, 2, 3, 4]);
    // Dropped from the in-flight set at the deadline: looked at during ~2 s of 1 s polls, no longer.
    const looks = observedIds(log).filter((ids) => ids.includes('vol-0')).length;
    expect(looks).toBeGreaterThanOrEqual(1);
    expect(looks).toBeLessThanOrEqual(4);
    expect(finalRecord(log)).toMatchObject({ kind: 'replenish', created: 5, failed: 1, finished: true });
    expect(log.names().at(-1)).toBe('recordRound');
  });

  it('waits at its end for the creates still in flight, a stuck one only until its deadline', async () => {
    const { log, stubs } = adaptiveCloud({ slots: 4, deadlineSeconds: 2, stuck: [3] });
    const result = await withStubWorker(stubs, ({ client, options }) =>
      client.workflow.execute(replenishPool, options('replenish-stuck-last', 40_000)),
    );

    expect(result).toEqual({ created: 4, failed: 1, skipped: [] });
    // The last slot was looked at after it was sent: the round did not return on sending it.
    const sentLast = log.calls.findIndex((c) => c.name === 'createSpareVolume' && sentSlot(c.args) === 3);
    const lookedAfter = log.calls
      .slice(sentLast)
      .filter((c) => c.name === 'observeVolumes')
      .map((c) => c.args[0]);
    expect(lookedAfter).toContainEqual(expect.arrayContaining(['vol-3']));
    expect(finalRecord(log)).toMatchObject({ created: 4, failed: 1, finished: true });
  });

  it('does not poll forever once an error has shrunk the window to the one stuck create', async () => {
    // error → window 1; the stuck create then fills it. Without a deadline this round never ends.
    const { log, stubs } = adaptiveCloud({ slots: 4, deadlineSeconds: 2, stuck: [2], errored: [0, 1] });
    const result = await withStubWorker(stubs, ({ client, options }) =>
      client.workflow.execute(replenishPool, options('replenish-window-stuck', 40_000)),
    );

    expect(result).toEqual({ created: 4, failed: 3, skipped: [] });
    expect(log.of('createSpareVolume')).toHaveLength(4);
    expect(finalRecord(log)).toMatchObject({ created: 4, failed: 3, finished: true });
  });

  it('a round where every create succeeds sees each one available and fails none', async () => {
    const { log, stubs } = adaptiveCloud({ slots: 3, deadlineSeconds: 2, stuck: [] });
    const result = await withStubWorker(stubs, ({ client, options }) =>
      client.workflow.execute(replenishPool, options('replenish-all-ok', 40_000)),
    );
    expect(result).toEqual({ created: 3, failed: 0, skipped: [] });
    expect(new Set(observedIds(log).flat())).toEqual(new Set(['vol-0', 'vol-1', 'vol-2']));
  });
});

describe('replenishPool, adaptive, past CREATES_PER_RUN creates', () => {
  it('continues as new with the creates in flight, and sends each slot once under its own name', async () => {
    const slots = CREATES_PER_RUN + 20;
    const { log, stubs } = adaptiveCloud({ slots, deadlineSeconds: 30, stuck: [] });
    const result = await withStubWorker(stubs, ({ client, options }) =>
      client.workflow.execute(replenishPool, options('replenish-continued', 150_000)),
    );

    expect(result).toEqual({ created: slots, failed: 0, skipped: [] });
    expect(log.of('createSpareVolume').map(sentSlot)).toEqual([...Array(slots).keys()]);
    // Two runs, each reading the plan; the second first looks at creates the first one sent.
    const plans = log.calls.flatMap((c, i) => (c.name === 'loadReplenishPlan' ? [i] : []));
    expect(plans).toHaveLength(2);
    const firstLook = log.calls.slice(plans[1]).find((c) => c.name === 'observeVolumes')!;
    const carried = (firstLook.args[0] as string[]).map((id) => Number(id.slice('vol-'.length)));
    expect(carried.some((slot) => slot < CREATES_PER_RUN)).toBe(true);
    // One round, recorded as one.
    const records = log.of('recordRound').map(([r]) => r as RoundRecord);
    expect(records.filter((r) => r.finished)).toHaveLength(1);
    expect(new Set(records.map((r) => r.id)).size).toBe(1);
    expect(finalRecord(log)).toMatchObject({ created: slots, failed: 0 });
  });
});

describe('replenishPool counts failed creates in both throttle modes', () => {
  it('fixed: a create that ends in error is counted failed (it used to record failed: 0 always)', async () => {
    const { log, stubs } = adaptiveCloud({ mode: 'fixed', slots: 3, deadlineSeconds: 5, stuck: [], errored: [1] });
    const result = await withStubWorker(stubs, ({ client, options }) =>
      client.workflow.execute(replenishPool, options('replenish-fixed-error', 40_000)),
    );
    expect(result).toEqual({ created: 3, failed: 1, skipped: [] });
    expect(log.of('createSpareVolume').map(sentSlot)).toEqual([0, 1, 2]);
    expect(finalRecord(log)).toMatchObject({ kind: 'replenish', created: 3, failed: 1, finished: true });
  });

  it('fixed: a create stuck in creating is counted failed at its deadline, and the round ends', async () => {
    const { log, stubs } = adaptiveCloud({ mode: 'fixed', slots: 3, deadlineSeconds: 2, stuck: [2] });
    const result = await withStubWorker(stubs, ({ client, options }) =>
      client.workflow.execute(replenishPool, options('replenish-fixed-stuck', 40_000)),
    );
    expect(result).toEqual({ created: 3, failed: 1, skipped: [] });
    expect(finalRecord(log)).toMatchObject({ created: 3, failed: 1, finished: true });
  });

  for (const mode of ['fixed', 'adaptive'] as const)
    it(`${mode}: a create Cinder refuses is counted failed and the round goes on with the next slot`, async () => {
      const { log, stubs } = adaptiveCloud({ mode, slots: 4, deadlineSeconds: 5, stuck: [], refused: [1] });
      const result = await withStubWorker(stubs, ({ client, options }) =>
        client.workflow.execute(replenishPool, options(`replenish-${mode}-refused`, 40_000)),
      );
      expect(result).toEqual({ created: 3, failed: 1, skipped: [] });
      expect(log.of('createSpareVolume').map(sentSlot)).toEqual([0, 1, 2, 3]);
      expect(finalRecord(log)).toMatchObject({ created: 3, failed: 1, finished: true });
    });

  it(`stops sending after ${REFUSALS_TO_STOP} refusals in a row (Cinder down, over quota)`, async () => {
    const { log, stubs } = adaptiveCloud({
      mode: 'fixed',
      slots: 6,
      deadlineSeconds: 5,
      stuck: [],
      refused: [0, 1, 2, 3],
    });
    const result = await withStubWorker(stubs, ({ client, options }) =>
      client.workflow.execute(replenishPool, options('replenish-refusals', 40_000)),
    );
    expect(result).toEqual({ created: 0, failed: REFUSALS_TO_STOP, skipped: [] });
    expect(log.of('createSpareVolume')).toHaveLength(REFUSALS_TO_STOP);
    expect(finalRecord(log)).toMatchObject({ failed: REFUSALS_TO_STOP, finished: true });
  });
});
