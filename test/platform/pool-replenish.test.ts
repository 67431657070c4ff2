// Seed 000's test table, rows 1–3 (replenish), plus seed 001's self-test "config change takes
// effect": on real Temporal + PostgreSQL + the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimSpareVolume } from '../../pool/claim';
import { waitFor, type Platform } from './harness';
import { cinderSpares, run, startPool, testPoolConfig } from './pool-fixture';
import { reconcilePool, replenishPool } from '../../workflows';

let p: Platform;
beforeAll(async () => {
  p = await startPool(testPoolConfig());
});
afterAll(async () => {
  await p?.close();
});

describe('replenishPool', () => {
  it('empty table → first round creates count × kinds volumes, recorded as creating', async () => {
    const result = await run(p, replenishPool);
    expect(result).toMatchObject({ created: 8, failed: 0 });
    const rows = await p.prisma.spareVolume.findMany();
    expect(rows).toHaveLength(8);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['creating']));
    const perKind = new Map<string, number>();
    for (const r of rows)
      perKind.set(`${r.volumeType}/${r.osName}`, (perKind.get(`${r.volumeType}/${r.osName}`) ?? 0) + 1);
    expect([...perKind.values()]).toEqual([2, 2, 2, 2]);
    // The table and Cinder agree one to one, and each row's snapshot is its kind's.
    const spares = await cinderSpares(p);
    expect(spares.map((v) => v.id).sort()).toEqual(rows.map((r) => r.volumeId).sort());
    const catalog = await p.prisma.osImage.findMany();
    for (const r of rows)
      expect(r.snapshotId).toBe(
        catalog.find((c) => c.volumeType === r.volumeType && c.osName === r.osName)!.snapshotId,
      );
  });

  it('pool full and unused → a new round creates nothing', async () => {
    const result = await run(p, replenishPool);
    expect(result).toMatchObject({ created: 0 });
    expect(await p.prisma.spareVolume.count()).toBe(8);
    expect(await cinderSpares(p)).toHaveLength(8);
  });

  it('one spare claimed → the next round refills exactly that one', async () => {
    await run(p, reconcilePool);
    await waitFor('the spares available in Cinder', async () =>
      (await cinderSpares(p)).every((volume) => volume.status === 'available'),
    );
    await run(p, reconcilePool); // creating → available
    const claimed = await claimSpareVolume(
      p.prisma,
      { volumeType: 'sas', osName: 'Debian9 64bit' },
      'vm-create-test-1',
    );
    expect(claimed).not.toBeNull();
    const result = await run(p, replenishPool);
    expect(result).toMatchObject({ created: 1 });
    const fresh = await p.prisma.spareVolume.findMany({
      where: { allocated: false, volumeType: 'sas', osName: 'Debian9 64bit' },
    });
    expect(fresh).toHaveLength(2);
    expect(await p.prisma.spareVolume.count()).toBe(9);
  });

  it('a changed target takes effect at the next round, without a restart', async () => {
    const res = await p.api('/v1/pool/policies/ssd/Centos7.3%2064bit', { method: 'PUT', body: { targetOverride: 4 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ volumeType: 'ssd', osName: 'Centos7.3 64bit', targetOverride: 4 });
    const result = await run(p, replenishPool);
    expect(result).toMatchObject({ created: 2 });
    expect(await p.prisma.spareVolume.count({ where: { volumeType: 'ssd', osName: 'Centos7.3 64bit' } })).toBe(4);
  });

  it('an OS without a snapshot gets no spares and a clear status, and the round still succeeds', async () => {
    await p.api('/v1/pool/policies/sas/Windows2016%2064bit', { method: 'PUT', body: { demand: 'high' } });
    const result = await run(p, replenishPool);
    expect(result.skipped).toContainEqual({ volumeType: 'sas', osName: 'Windows2016 64bit', status: 'no_snapshot' });
    const status = await p.api('/v1/pool');
    expect(status.body.kinds).toContainEqual(
      expect.objectContaining({
        volumeType: 'sas',
        osName: 'Windows2016 64bit',
        status: 'no_snapshot',
        available: 0,
        creating: 0,
      }),
    );
    expect(await p.prisma.spareVolume.count({ where: { osName: 'Windows2016 64bit' } })).toBe(0);
  });

  it("two rounds at once (a manual run beside the schedule's) never push a kind past its target", async () => {
    await p.api('/v1/pool/policies/ssd/Debian9%2064bit', { method: 'PUT', body: { targetOverride: 6 } });
    const before = await p.prisma.spareVolume.count({
      where: { volumeType: 'ssd', osName: 'Debian9 64bit', allocated: false },
    });
    const [a, b] = await Promise.all([run(p, replenishPool), run(p, replenishPool)]);
    expect(a.created + b.created).toBe(6 - before);
    expect(
      await p.prisma.spareVolume.count({ where: { volumeType: 'ssd', osName: 'Debian9 64bit', allocated: false } }),
    ).toBe(6);
    expect((await cinderSpares(p)).length).toBe(await p.prisma.spareVolume.count());
  });

  it('fixed mode: a create that ends in error in Cinder is counted failed in the round and its record', async () => {
    await p.api('/v1/pool/policies/sas/Centos7.3%2064bit', { method: 'PUT', body: { targetOverride: 3 } });
    p.sim.faults.failNextCreates(1);
    const result = await run(p, replenishPool);
    expect(result).toMatchObject({ created: 1, failed: 1 });
    const status = await p.api('/v1/pool');
    expect(status.body.lastReplenish).toMatchObject({ created: 1, failed: 1 });
  });
});
