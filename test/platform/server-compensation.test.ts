// createServer's compensation: a failure injected at each step after the system disk is
// claimed leaves nothing behind (no server, no tenant disk, no pending transfer, no trust, no
// address), and a spare that never became the tenant's goes back to the pool.
import { describe, expect, it } from 'vitest';
import type { Platform } from './harness';
import { serverRequest, tenantApi, useServerPlatform, waitForBuild } from './server-fixture';

let p: Platform;
let demo: string;

useServerPlatform((platform, token) => ([p, demo] = [platform, token]), { fillEachTest: true });

const demoClients = () => p.cloud.tenant({ username: 'demo', password: 'demo-secret', project: 'demo' });

async function failedBuild(name: string, overrides: Record<string, unknown> = {}) {
  const res = await tenantApi(p, '/v1/servers', { method: 'POST', token: demo, body: serverRequest(name, overrides) });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const build = await waitForBuild(p, demo, res.body.id);
  expect(build.status, JSON.stringify(build)).toBe('failed');
  return build;
}

/** Nothing of the build is left anywhere, in the cloud or in the database. */
async function expectNoLeak(build: { id: string; name: string }) {
  const tenant = demoClients();
  const volumes = (await tenant.cinder.listVolumes()).filter((v) => v.name?.startsWith(`${build.name}-`));
  expect(
    volumes.filter((v) => v.status !== 'deleting'),
    'tenant disks',
  ).toEqual([]);
  expect(await tenant.nova.listServers(build.name), 'servers').toEqual([]);
  expect(await p.cloud.admin.cinder.listVolumes({ name: `build-${build.id}-sys` }), 'fallback disk').toEqual([]);
  expect(await p.cloud.admin.cinder.listTransfers(), 'pending transfers').toEqual([]);
  const { trusts } = await p.cloud.admin.session.identity<{ trusts: unknown[] }>({
    method: 'GET',
    path: '/OS-TRUST/trusts',
  });
  expect(trusts, 'trusts').toEqual([]);
  expect(await p.prisma.fixedIp.count({ where: { allocatedTo: build.id } }), 'addresses').toBe(0);
  expect(await p.prisma.spareVolume.count({ where: { claimedBy: build.id } }), 'claimed spare rows').toBe(0);
}

const availableSpares = (osName = 'Debian9 64bit') =>
  p.prisma.spareVolume.count({ where: { volumeType: 'ssd', osName, status: 'available', allocated: false } });

describe('createServer compensation', () => {
  it('a boot that fails on the compute node: server and disks gone, address released', async () => {
    p.sim.faults.failNextBoots(1);
    const build = await failedBuild('boot-fails');
    expect(build.step).toBe('boot');
    expect(build.path).toBe('pool-hit');
    expect(build.failureReason).toMatch(/ERROR/);
    expect(build.compensation).toMatchObject({ server: 'deleted', 'fixed IP': 'released 1' });
    await expectNoLeak(build);
  });

  it('a disk create that ends in error: the other disks and the system disk are deleted', async () => {
    p.sim.faults.failNextCreates(1);
    const build = await failedBuild('disk-fails');
    expect(build.step).toBe('disks');
    expect(build.compensation['system disk']).toBe('deleted from the tenant project');
    await expectNoLeak(build);
  });

  it('no free address: the disks are deleted', async () => {
    const network = await p.prisma.managedNetwork.findFirstOrThrow();
    const free = await p.prisma.fixedIp.findMany({
      where: { networkId: network.id, allocated: false, reserved: false },
    });
    await p.prisma.fixedIp.updateMany({ where: { networkId: network.id, allocated: false }, data: { reserved: true } });
    try {
      const build = await failedBuild('no-address');
      expect(build.step).toBe('fixed-ip');
      expect(build.failureReason).toMatch(/no free address/);
      await expectNoLeak(build);
    } finally {
      await p.prisma.fixedIp.updateMany({
        where: { networkId: network.id, address: { in: free.map((f) => f.address) } },
        data: { reserved: false },
      });
    }
  });

  it.each([
    ['the transfer create', 'POST', '/os-volume-transfer$', 'returned to the pool'],
    ['the accept', 'POST', '/os-volume-transfer/[^/]+/accept$', 'returned to the pool'],
    ['the rename', 'PUT', '/volumes/[^/]+$', 'deleted from the tenant project'],
  ])('%s refused: the system disk is undone (%s %s → %s)', async (_step, method, path, outcome) => {
    const spares = await availableSpares();
    p.sim.faults.failNextRequests({ method, path, status: 400, message: 'Invalid input received: injected' });
    const build = await failedBuild(`refused-${method.toLowerCase()}-${spares}`);
    expect(build.step).toBe('system-disk');
    expect(build.path).toBe('pool-hit');
    expect(build.compensation['system disk']).toBe(outcome);
    expect(await availableSpares()).toBe(outcome === 'returned to the pool' ? spares : spares - 1);
    await expectNoLeak(build);
  });

  it('the boot request refused (after the address was allocated): address released, disks deleted', async () => {
    p.sim.faults.failNextRequests({
      method: 'POST',
      path: '/servers$',
      status: 400,
      message: 'Invalid flavorRef provided.',
    });
    const build = await failedBuild('boot-refused');
    expect(build.step).toBe('boot');
    expect(build.compensation).toMatchObject({
      'fixed IP': 'released 1',
      'system disk': 'deleted from the tenant project',
    });
    await expectNoLeak(build);
  });

  it("the tenant's volume quota refuses the accept (413): the spare goes back to the pool", async () => {
    const spares = await availableSpares();
    const { projectId } = await demoClients().session.authenticate();
    const used = (await demoClients().cinder.listVolumes()).length;
    await setVolumeQuota(projectId, used);
    try {
      const build = await failedBuild('over-quota');
      // The swap and data disks are made beside the system disk: the quota refuses whichever asks first.
      expect(['system-disk', 'disks']).toContain(build.step);
      expect(build.failureReason).toMatch(/quota/i);
      expect(build.compensation['system disk']).toBe('returned to the pool');
      expect(await availableSpares()).toBe(spares);
      await expectNoLeak(build);
    } finally {
      await setVolumeQuota(projectId, -1);
    }
  });
});

/** Cinder's os-quota-sets as the admin (-1 = unlimited). */
async function setVolumeQuota(projectId: string, volumes: number) {
  await p.cloud.admin.session.request('volumev3', {
    method: 'PUT',
    path: `/os-quota-sets/${projectId}`,
    body: { quota_set: { volumes } },
  });
}
