// createServer / deleteServer end to end on real Temporal + PostgreSQL against the simulator:
// the pool hit (claim, transfer + accept, rename, no create from the snapshot), the fallback
// when the pool is empty, one server per Idempotency-Key, and delete taking everything away.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_DELAYS, waitFor, type Platform } from './harness';
import { fillPool, serverRequest, tenantApi, tenantToken, useServerPlatform, waitForBuild } from './server-fixture';

let p: Platform;
let demo: string;

useServerPlatform((platform, token) => {
  p = platform;
  demo = token;
});

/** The demo tenant's clients, as the simulator's demo user (to look at what the tenant owns). */
const demoClients = () => p.cloud.tenant({ username: 'demo', password: 'demo-secret', project: 'demo' });

async function createAndWait(name: string, overrides: Record<string, unknown> = {}, headers?: Record<string, string>) {
  const res = await tenantApi(p, '/v1/servers', {
    method: 'POST',
    token: demo,
    body: serverRequest(name, overrides),
    headers,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.headers.get('location')).toBe(`/v1/servers/${res.body.id}`);
  return waitForBuild(p, demo, res.body.id);
}

async function trustsInKeystone(): Promise<unknown[]> {
  const path = '/OS-TRUST/trusts';
  return (await p.cloud.admin.session.identity<{ trusts: unknown[] }>({ method: 'GET', path })).trusts;
}

/** Whether Temporal handed the build's first workflow task to the starting process (eager start). */
async function startedEagerly(buildId: string): Promise<boolean | null | undefined> {
  const { events } = await p.client.workflow.getHandle(buildId).fetchHistory();
  return events?.[0]?.workflowExecutionStartedEventAttributes?.eagerExecutionAccepted;
}

describe('createServer', () => {
  it('pool hit: the spare is transferred, accepted, renamed; the server boots from 3 volumes with an IP', async () => {
    const spares = await p.prisma.spareVolume.findMany({ where: { volumeType: 'ssd', osName: 'Debian9 64bit' } });
    const spareIds = new Set(spares.map((s) => s.volumeId));
    const build = await createAndWait('web1');
    expect(build, JSON.stringify(build)).toMatchObject({ status: 'active', path: 'pool-hit', step: 'active' });
    expect(spareIds.has(build.volumes.system)).toBe(true);
    // The spare's generation: which snapshot the system disk came from.
    const spare = spares.find((s) => s.volumeId === build.volumes.system)!;
    expect(build.systemDiskSnapshotId).toBe(spare.snapshotId);
    expect(Object.keys(build.stepTimings)).toEqual(
      expect.arrayContaining(['system-disk', 'disks', 'fixed-ip', 'boot']),
    );
    // Workflow time moves on inside the one workflow task the steps run in (local activities):
    // the disks and the boot took at least what the simulator makes them take.
    expect(build.stepTimings.disks).toBeGreaterThanOrEqual(SIM_DELAYS.plainCreateDelayMs);
    expect(build.stepTimings.boot).toBeGreaterThanOrEqual(SIM_DELAYS.serverBootDelayMs);

    const tenant = demoClients();
    const server = await tenant.nova.getServer(build.server.id);
    expect(server.status).toBe('ACTIVE');
    expect(
      Object.values(server.addresses ?? {})
        .flat()
        .map((a) => a.addr),
    ).toEqual([build.address]);
    const attached = (server['os-extended-volumes:volumes_attached'] ?? []).map((v) => v.id).sort();
    expect(attached).toEqual([build.volumes.system, build.volumes.swap, build.volumes.data].sort());
    const system = await tenant.cinder.getVolume(build.volumes.system);
    expect(system).toMatchObject({ name: 'web1-sys', status: 'in-use' });
    for (const id of [build.volumes.swap, build.volumes.data])
      expect((await tenant.cinder.getVolume(id)).status).toBe('in-use');

    // No system disk was built from the snapshot, the spare left the pool, the handout is on record.
    expect(await p.cloud.admin.cinder.listVolumes({ name: `build-${build.id}-sys` })).toEqual([]);
    expect(await p.prisma.spareVolume.count({ where: { volumeId: build.volumes.system } })).toBe(0);
    expect(await p.prisma.systemDiskHandout.findUnique({ where: { buildId: build.id } })).toMatchObject({
      volumeId: build.volumes.system,
      path: 'pool-hit',
    });
    expect(await p.prisma.fixedIp.findMany({ where: { allocatedTo: build.id } })).toEqual([
      expect.objectContaining({ address: build.address, allocated: true }),
    ]);
    // The build's trust is gone, and no transfer is left pending.
    expect(await p.cloud.admin.cinder.listTransfers()).toEqual([]);
    expect(await trustsInKeystone()).toEqual([]);
    // Started as `npm start` (role all) starts it: eagerly, on the worker in this process.
    expect(await startedEagerly(build.id)).toBe(true);
  });

  it("a build asked for while no worker runs in the API's process starts through the task queue", async () => {
    await p.stopWorker();
    const asked = tenantApi(p, '/v1/servers', { method: 'POST', token: demo, body: serverRequest('queued1') });
    const res = await asked.finally(() => p.startWorker());
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(await waitForBuild(p, demo, res.body.id)).toMatchObject({ status: 'active' });
    expect(await startedEagerly(res.body.id)).toBe(false);
  });

  it('an address a port made outside blockflow holds is set aside for that port; the build gets the next', async () => {
    const [{ network_id: networkId, address }] = await p.prisma.$queryRaw<{ network_id: string; address: string }[]>`
      SELECT network_id, address FROM fixed_ips WHERE allocated = false AND reserved = false
      ORDER BY address::inet LIMIT 1`;
    // An operator's VM on that address, booted straight through Nova (blockflow never saw it).
    const admin = p.cloud.admin;
    const volume = (await admin.cinder.createVolume({ name: 'operator-vm-disk', size: 1 })).id;
    await waitFor('the operator disk', async () => (await admin.cinder.getVolume(volume)).status === 'available');
    await admin.session.request('volumev3', {
      method: 'POST',
      path: `/volumes/${volume}/action`,
      body: { 'os-set_bootable': { bootable: true } },
    });
    const foreign = await admin.nova.createServer({
      name: 'operator-vm',
      flavorRef: '1',
      blockDevices: [{ volumeId: volume, bootIndex: 0, deleteOnTermination: true }],
      networks: [{ uuid: networkId, fixedIp: address }],
    });
    const [port] = await waitFor('its port', async () => {
      const ports = await admin.neutron.listPorts({ networkId, fixedIp: address });
      return ports.length ? ports : undefined;
    });
    try {
      const build = await createAndWait('next-address');
      expect(build, JSON.stringify(build)).toMatchObject({ status: 'active' });
      expect(build.address).not.toBe(address);
      const row = await p.prisma.fixedIp.findUnique({ where: { networkId_address: { networkId, address } } });
      expect(row).toMatchObject({ allocated: true, allocatedTo: `neutron-port:${port!.id}` });
    } finally {
      await admin.nova.deleteServer(foreign.id);
      await p.prisma.fixedIp.update({
        where: { networkId_address: { networkId, address } },
        data: { allocated: false, allocatedTo: null, allocatedAt: null },
      });
    }
  });

  it('pool empty: falls back to a create from the snapshot, then the same handover', async () => {
    await p.prisma.spareVolume.updateMany({
      where: { volumeType: 'sas', osName: 'Centos7.3 64bit' },
      data: { status: 'creating' },
    });
    const build = await createAndWait('db1', { volumeType: 'sas', osName: 'Centos7.3 64bit' });
    expect(build, JSON.stringify(build)).toMatchObject({ status: 'active', path: 'fallback' });
    const system = await demoClients().cinder.getVolume(build.volumes.system);
    expect(system).toMatchObject({ name: 'db1-sys', status: 'in-use' });
    expect(await p.prisma.systemDiskHandout.findUnique({ where: { buildId: build.id } })).toMatchObject({
      path: 'fallback',
    });
    await p.prisma.spareVolume.updateMany({
      where: { volumeType: 'sas', osName: 'Centos7.3 64bit' },
      data: { status: 'available' },
    });
  });

  it('the same Idempotency-Key twice gives one build and one server', async () => {
    const headers = { 'Idempotency-Key': 'retry-me-1' };
    const body = serverRequest('app1');
    const [a, b] = await Promise.all([
      tenantApi(p, '/v1/servers', { method: 'POST', token: demo, body, headers }),
      tenantApi(p, '/v1/servers', { method: 'POST', token: demo, body, headers }),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.id).toBe(b.body.id);
    const later = await tenantApi(p, '/v1/servers', { method: 'POST', token: demo, body, headers });
    expect(later.body.id).toBe(a.body.id);
    await waitForBuild(p, demo, a.body.id);
    expect((await demoClients().nova.listServers('app1')).length).toBe(1);
  });

  it('a rate limit on the accept (429) or a disk create (413, no quota words) is retried, not a failure', async () => {
    await fillPool(p); // the accept of a pool hit
    p.sim.faults.failNextRequests({
      method: 'POST',
      path: '/os-volume-transfer/[^/]+/accept$',
      status: 429,
      message: 'This request was rate-limited.',
    });
    p.sim.faults.failNextRequests({ method: 'POST', path: '/volumes$', status: 413, message: 'Too many requests.' });
    const build = await createAndWait('rate-limited');
    expect(build, JSON.stringify(build)).toMatchObject({ status: 'active', path: 'pool-hit' });
    expect(p.sim.faults.pendingRequestFailures()).toBe(0);
  });

  it('delete takes the server, its volumes and its address away; a second delete changes nothing', async () => {
    const build = await createAndWait('gone1');
    const del = await tenantApi(p, `/v1/servers/${build.id}`, { method: 'DELETE', token: demo });
    expect(del.status).toBe(202);
    const done = await waitForBuild(p, demo, build.id);
    expect(done.status).toBe('deleted');
    const tenant = demoClients();
    await expect(tenant.nova.getServer(build.server.id)).rejects.toThrow(/404/);
    for (const id of [build.volumes.system, build.volumes.swap, build.volumes.data]) {
      const left = await tenant.cinder.getVolume(id).catch(() => undefined);
      expect(left === undefined || left.status === 'deleting', `volume ${id} is gone`).toBe(true);
    }
    expect(await p.prisma.fixedIp.count({ where: { allocatedTo: build.id } })).toBe(0);
    const again = await tenantApi(p, `/v1/servers/${build.id}`, { method: 'DELETE', token: demo });
    expect(again.status).toBe(202);
    expect((await tenantApi(p, `/v1/servers/${build.id}`, { token: demo })).body.status).toBe('deleted');
  });
});

describe('who may do what', () => {
  it('no token or a bad one is 401; another project sees no build (404) and lists none of them', async () => {
    expect((await tenantApi(p, '/v1/servers', { token: null })).status).toBe(401);
    expect((await tenantApi(p, '/v1/servers', { token: 'not-a-token' })).status).toBe(401);
    const mine = await tenantApi(p, '/v1/servers', { token: demo });
    expect(mine.status).toBe(200);
    expect(mine.body.servers.length).toBeGreaterThan(0);
    const alt = await tenantToken(p, 'alt');
    const id = mine.body.servers[0].id;
    expect((await tenantApi(p, `/v1/servers/${id}`, { token: alt })).status).toBe(404);
    expect((await tenantApi(p, `/v1/servers/${id}`, { method: 'DELETE', token: alt })).status).toBe(404);
    expect((await tenantApi(p, '/v1/servers', { token: alt })).body.servers).toEqual([]);
  });

  it('bad input is 400 naming the field, and nothing is created', async () => {
    const before = await p.prisma.serverBuild.count();
    const cases: [Record<string, unknown>, string][] = [
      [{ osName: 'Plan9' }, 'osName'],
      [{ volumeType: 'nvme' }, 'volumeType'],
      [{ flavor: 'm9.huge' }, 'flavor'],
      [{ network: 'nope' }, 'network'],
      [{ fixedIp: '192.168.77.5' }, 'fixedIp'],
      [{ fixedIp: '10.0.0.300' }, 'fixedIp'],
      [{ swapGb: -1 }, 'swapGb'],
      [{ dataGb: 100000 }, 'dataGb'],
      [{ name: 'x'.repeat(64) }, 'name'],
      [{ name: 'bad name!' }, 'name'],
      [{ bogus: 1 }, '(body)'],
    ];
    for (const [overrides, field] of cases) {
      const res = await tenantApi(p, '/v1/servers', {
        method: 'POST',
        token: demo,
        body: serverRequest('ok1', overrides),
      });
      expect(res.status, JSON.stringify(overrides)).toBe(400);
      expect(res.body.field, JSON.stringify(res.body)).toBe(field);
    }
    expect(await p.prisma.serverBuild.count()).toBe(before);
    // The trust made alongside the request's checks went back with each refusal.
    expect(await trustsInKeystone()).toEqual([]);
  });
});
