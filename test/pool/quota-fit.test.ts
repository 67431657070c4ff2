// The replenish plan within the admin project's Cinder quota: what cannot fit is counted per kind,
// in the round's own order (round-robin over kinds), and never planned.
import { describe, expect, it } from 'vitest';
import type { KindPlan } from '../../pool/kinds';
import { fitToQuota, parseQuotaUsage } from '../../pool/quota';

const kind = (volumeType: string, osName: string, missing: number, sizeGb = 20): KindPlan => ({
  volumeType,
  osName,
  target: missing,
  have: 0,
  missing,
  status: 'ok',
  snapshotId: 's',
  sizeGb,
});
const usage = (set: Record<string, [limit: number, inUse: number, reserved?: number]>) =>
  parseQuotaUsage({
    quota_set: {
      id: 'p',
      ...Object.fromEntries(
        Object.entries(set).map(([k, [limit, in_use, reserved]]) => [k, { limit, in_use, reserved }]),
      ),
    },
  });
const fitted = (kinds: KindPlan[]) => kinds.map((k) => [k.missing, k.beyondQuota]);

describe('fitToQuota', () => {
  it('unlimited (-1) everywhere: everything fits', () => {
    const kinds = fitToQuota(
      [kind('sas', 'a', 3), kind('ssd', 'b', 2)],
      usage({ volumes: [-1, 5], gigabytes: [-1, 9] }),
    );
    expect(fitted(kinds)).toEqual([
      [3, 0],
      [2, 0],
    ]);
  });

  it('the volumes limit (in use and reserved count) is shared round-robin across kinds', () => {
    const kinds = fitToQuota(
      [kind('sas', 'a', 3), kind('ssd', 'b', 1), kind('ssd', 'c', 2)],
      usage({ volumes: [10, 5, 1] }),
    );
    // room 4: a, b, c, a — then c and a are beyond
    expect(fitted(kinds)).toEqual([
      [2, 1],
      [1, 0],
      [1, 1],
    ]);
  });

  it('per type: volumes_<type> and gigabytes_<type> bound that type only', () => {
    const kinds = fitToQuota(
      [kind('sas', 'a', 2), kind('ssd', 'b', 3, 10)],
      usage({ volumes: [-1, 0], volumes_sas: [3, 2], gigabytes_ssd: [100, 75] }),
    );
    expect(fitted(kinds)).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });

  it('the gigabytes limit counts each kind by its snapshot size', () => {
    const kinds = fitToQuota([kind('sas', 'a', 2, 50), kind('ssd', 'b', 2, 10)], usage({ gigabytes: [100, 30] }));
    // room 70 GB: a (50) fits, b (10), a (50) no, b (10)
    expect(fitted(kinds)).toEqual([
      [1, 1],
      [2, 0],
    ]);
  });

  it('per_volume_gigabytes bounds each spare: a kind whose snapshot is larger never fits', () => {
    const kinds = fitToQuota(
      [kind('sas', 'a', 2, 30), kind('ssd', 'b', 2, 20)],
      usage({ per_volume_gigabytes: [20, 0], volumes: [-1, 0] }),
    );
    expect(fitted(kinds)).toEqual([
      [0, 2],
      [2, 0],
    ]);
  });

  it('no quota read (null): the plan is left as it is', () => {
    const kinds = fitToQuota([kind('sas', 'a', 2)], null);
    expect(fitted(kinds)).toEqual([[2, 0]]);
  });

  it("reads cinder's usage answer: limit − in_use − reserved, -1 unlimited", () => {
    const u = usage({ volumes: [10, 4, 1], gigabytes: [-1, 40] });
    expect(u.room('volumes')).toBe(5);
    expect(u.room('gigabytes')).toBe(Infinity);
    expect(u.room('volumes_nope')).toBe(Infinity);
  });
});
