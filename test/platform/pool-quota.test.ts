// Targets against the admin project's Cinder quota (volumes, gigabytes, volumes_<type>,
// gigabytes_<type>): what cannot fit is shown per kind in GET /v1/pool and never attempted, and the
// answer to a settings PATCH says when the targets cannot fit (the settings are stored as given).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from './harness';
import { cinderSpares, run, startPool, testPoolConfig } from './pool-fixture';
import { replenishPool } from '../../workflows';

let p: Platform;
beforeAll(async () => {
  // 2 spares of 20 GB per kind, 4 kinds. ssd: room for 3 volumes; sas: 40 GB of snapshots in use
  // already, so 60 GB (3 spares) of room.
  p = await startPool(testPoolConfig(), { projectQuotas: { admin: { volumes_ssd: 3, gigabytes_sas: 100 } } });
});
afterAll(async () => {
  await p?.close();
});

type KindView = { volumeType: string; osName: string; beyondQuota: number };
const beyond = async () =>
  Object.fromEntries(
    ((await p.api('/v1/pool')).body.kinds as KindView[]).map((k) => [`${k.volumeType}/${k.osName}`, k.beyondQuota]),
  );

describe('the replenish plan within the Cinder quota', () => {
  it('GET /v1/pool counts per kind the spares the quota has no room for', async () => {
    // The round's order: sas/Centos, sas/Debian, ssd/Centos, ssd/Debian, then again: the second
    // Debian spare of each type is the one past the quota.
    expect(await beyond()).toEqual({
      'sas/Centos7.3 64bit': 0,
      'sas/Debian9 64bit': 1,
      'ssd/Centos7.3 64bit': 0,
      'ssd/Debian9 64bit': 1,
    });
  });

  it('a round creates what fits and does not attempt the rest (no create refused)', async () => {
    const result = await run(p, replenishPool);
    expect(result).toMatchObject({ created: 6, failed: 0 });
    expect(await cinderSpares(p)).toHaveLength(6);
    expect(await beyond()).toMatchObject({ 'sas/Debian9 64bit': 1, 'ssd/Debian9 64bit': 1 });
  });

  it('PATCH /v1/pool/settings stores the targets as given and says when they cannot fit', async () => {
    const res = await p.api('/v1/pool/settings', { method: 'PATCH', body: { targetHighDemand: 4 } });
    expect(res.status).toBe(200);
    expect(res.body.targetHighDemand).toBe(4);
    expect(res.body.quota).toMatchObject({
      fits: false,
      beyondQuota: [
        { volumeType: 'sas', osName: 'Debian9 64bit', count: 3 },
        { volumeType: 'ssd', osName: 'Debian9 64bit', count: 3 },
      ],
    });
    expect(res.body.quota.message).toMatch(/quota/);
    expect((await p.api('/v1/pool/settings')).body.targetHighDemand).toBe(4);

    const fits = await p.api('/v1/pool/settings', { method: 'PATCH', body: { targetHighDemand: 1 } });
    expect(fits.status).toBe(200);
    expect(fits.body).toMatchObject({ targetHighDemand: 1, quota: { fits: true, beyondQuota: [] } });
  });
});
