// A build touches only what it owns (issue 20, finding 1), through the API on Temporal + PostgreSQL
// and the simulator: a tenant's own volume a build reused by name survives the build's undo and
// its delete, a spare one build gave back and another took is not the first one's to delete, and a
// second identical request does not take the first one's disk.
import { describe, expect, it } from 'vitest';
import { deleteVolumeIfPresent } from '../../servers/system-disk';
import type { Platform } from './harness';
import { clientsOf, deleteBuild, KIND, setVolumeQuota, tenantVolume } from './ownership-fixture';
import { serverRequest, tenantApi, useServerPlatform, waitForBuild } from './server-fixture';

let p: Platform;
let demo: string;

useServerPlatform((platform, token) => ([p, demo] = [platform, token]), { fillEachTest: true });

async function build(name: string, overrides: Record<string, unknown> = {}) {
  const res = await tenantApi(p, '/v1/servers', { method: 'POST', token: demo, body: serverRequest(name, overrides) });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return waitForBuild(p, demo, res.body.id);
}

/** The tenant's volume as its owner sees it (undefined once gone or going). */
async function tenantSees(volumeId: string) {
  const volume = await clientsOf(p)
    .cinder.getVolume(volumeId)
    .catch(() => undefined);
  return volume?.status === 'deleting' ? undefined : volume;
}

describe("a build's undo and delete leave the tenant's own volumes alone (1a)", () => {
  it('a detached non-bootable <name>-sys: reused, the boot refused, DELETE → the volume is still there', async () => {
    const own = await tenantVolume(p, 'mine1-sys');
    const failed = await build('mine1', { swapGb: 0, dataGb: 0 });
    expect(failed, JSON.stringify(failed)).toMatchObject({ status: 'failed', step: 'boot', path: 'reused' });
    expect(failed.volumes.system).toBe(own);
    expect(await tenantSees(own), 'after the undo').toMatchObject({ status: 'available' });
    expect((await deleteBuild(p, demo, failed.id)).status).toBe('deleted');
    expect(await tenantSees(own), 'after the delete').toMatchObject({ name: 'mine1-sys', status: 'available' });
  });

  it('bootable: a boot failing on the compute node keeps it (no delete_on_termination), so does DELETE', async () => {
    const own = await tenantVolume(p, 'mine2-sys', { bootable: true });
    p.sim.faults.failNextBoots(1);
    const failed = await build('mine2');
    expect(failed, JSON.stringify(failed)).toMatchObject({ status: 'failed', step: 'boot', path: 'reused' });
    expect(await tenantSees(own), 'after the failed boot and its undo').toMatchObject({ status: 'available' });

    // Its build failed: the volume is nobody's again, so the next build of the name reuses it.
    const active = await build('mine2');
    expect(active, JSON.stringify(active)).toMatchObject({ status: 'active', path: 'reused' });
    expect(active.volumes.system).toBe(own);
    expect((await deleteBuild(p, demo, active.id)).status).toBe('deleted');
    await expect(clientsOf(p).nova.getServer(active.server.id)).rejects.toThrow(/404/);
    expect(await tenantSees(own), 'after the delete').toMatchObject({ status: 'available' });
    expect(await tenantSees(active.volumes.swap), "the build's own swap disk").toBeUndefined();
  });
});

describe("a spare given back to the pool is no longer the build's (1b)", () => {
  it("X's accept refused for quota, the spare taken by Y: DELETE X leaves Y's disk and ends", async () => {
    // The spare the next claim takes (the oldest), which X gives back and Y then takes.
    const next = await p.prisma.spareVolume.findFirstOrThrow({
      where: { ...KIND, status: 'available', allocated: false },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    const { projectId } = await clientsOf(p).session.authenticate();
    await setVolumeQuota(p, projectId, (await clientsOf(p).cinder.listVolumes()).length);
    let x;
    try {
      x = await build('quota-x', { swapGb: 0, dataGb: 0 });
    } finally {
      await setVolumeQuota(p, projectId, -1);
    }
    expect(x, JSON.stringify(x)).toMatchObject({ status: 'failed', step: 'system-disk' });
    expect(x.compensation['system disk']).toBe('returned to the pool');

    const y = await build('quota-y');
    expect(y, JSON.stringify(y)).toMatchObject({ status: 'active', path: 'pool-hit' });
    expect(y.volumes.system, 'Y took the spare X gave back').toBe(next.volumeId);

    expect((await deleteBuild(p, demo, x.id, 30_000)).status).toBe('deleted');
    expect(await tenantSees(y.volumes.system), "Y's system disk").toMatchObject({ status: 'in-use' });
    expect((await clientsOf(p).nova.getServer(y.server.id)).status).toBe('ACTIVE');
  });
});

describe('two identical requests without an Idempotency-Key (1c)', () => {
  it("the second gets a disk of its own, not the first one's renamed <name>-sys", async () => {
    const first = await build('twin');
    expect(first, JSON.stringify(first)).toMatchObject({ status: 'active', path: 'pool-hit' });
    const second = await build('twin');
    expect(second, JSON.stringify(second)).toMatchObject({ status: 'active', path: 'pool-hit' });
    expect(second.volumes.system).not.toBe(first.volumes.system);

    expect((await deleteBuild(p, demo, second.id)).status).toBe('deleted');
    expect(await tenantSees(first.volumes.system), "the first one's disk").toMatchObject({ status: 'in-use' });
    // What a delete or an undo deletes with never goes for a volume a server holds (it is another's by then).
    expect(await deleteVolumeIfPresent(clientsOf(p), first.volumes.system)).toBe('attached');
    expect(await tenantSees(first.volumes.system)).toMatchObject({ status: 'in-use' });
  });
});

describe('a second disk a retried create made (a create answered after its attempt gave up)', () => {
  // Seen in a whole run side by side: a swap disk's create outlived its attempt's timeout, the retry made
  // another, and the build kept the second; the first, tagged with the build, stayed after the delete.
  it('DELETE takes every swap/data disk of the build, the one it recorded and one it did not', async () => {
    const done = await build('dup1');
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'active' });
    const late = await tenantVolume(p, 'dup1-swap', { metadata: { 'blockflow:build': done.id } });
    expect((await deleteBuild(p, demo, done.id)).status).toBe('deleted');
    expect(await tenantSees(late), 'the disk the build never recorded').toBeUndefined();
    expect(await tenantSees(done.volumes.swap), 'the recorded one').toBeUndefined();
  });

  it("leaves a volume of that name without the build's tag (the tenant's own)", async () => {
    const done = await build('dup2');
    const own = await tenantVolume(p, 'dup2-data');
    expect((await deleteBuild(p, demo, done.id)).status).toBe('deleted');
    expect(await tenantSees(own)).toMatchObject({ name: 'dup2-data', status: 'available' });
  });
});
