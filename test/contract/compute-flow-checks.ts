// blockflow's createServer and deleteServer end to end against the real peer: through the tenant's
// Keystone trust, a pool hit (the spare handed over, renamed, booted from) and the fallback (a system
// disk made from the OS image snapshot), the server ACTIVE in the real Nova on its three volumes with
// the address blockflow allocated, nothing left pending; delete takes server, volumes and address away.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SIMULATOR_ADMIN, SIMULATOR_TENANT } from '../../infra/stack';
import { connectCloud, type CloudClients } from '../../openstack/cloud';
import { fillFlowPool, flowWait, startFlowPlatform, type FlowPlatform } from './compute-flow-platform';
import type { Target } from './targets';

const request = (name: string) => ({
  name,
  osName: 'Debian9 64bit',
  volumeType: 'sas',
  flavor: 'm1.small',
  swapGb: 1,
  dataGb: 2,
});

export function computeFlowChecks(start: () => Promise<Target>): void {
  let platform: FlowPlatform | undefined;
  let cloud: CloudClients | undefined;
  let token = '';
  const built: Record<string, any>[] = [];
  const p = () => {
    if (!platform) throw new Error('blockflow was not composed against the real peer (see beforeAll)');
    return platform;
  };

  beforeAll(async () => {
    const target = await start();
    platform = await startFlowPlatform(target.authUrl);
    cloud = connectCloud({
      authUrl: target.authUrl,
      admin: SIMULATOR_ADMIN,
      userDomainName: 'Default',
      projectDomainName: 'Default',
      timeoutMs: 30_000,
    });
    await fillFlowPool(platform);
    const managed = await platform.api('/v1/networks', { method: 'POST', body: { network: 'private' } });
    expect(managed.status, JSON.stringify(managed.body)).toBe(200);
    token = await platform.tenantToken();
  }, 300_000);
  afterAll(async () => {
    await platform?.stop();
  }, 120_000);

  /** The peer's live trusts: other suites of the run may have left theirs; a build must leave none. */
  const trustIds = async () => {
    const { trusts } = await cloud!.admin.session.identity<{ trusts: { id: string }[] }>({
      method: 'GET',
      path: '/OS-TRUST/trusts',
    });
    return trusts.map((trust) => trust.id).sort();
  };
  let trustsBeforeBuild: string[] = [];

  const createAndWait = async (name: string) => {
    trustsBeforeBuild = await trustIds();
    const res = await p().api('/v1/servers', { method: 'POST', body: request(name), keystoneToken: token });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    let build: Record<string, any> | undefined;
    await flowWait(`build ${res.body.id} settled`, async () => {
      build = (await p().api(`/v1/servers/${res.body.id}`, { keystoneToken: token })).body;
      return build?.status !== 'building';
    });
    built.push(build!);
    return build!;
  };

  /** What the tenant sees in the real Nova and Cinder, and that nothing of the build is left pending. */
  const expectBooted = async (build: Record<string, any>, name: string) => {
    const tenant = cloud!.tenant(SIMULATOR_TENANT);
    const server = await tenant.nova.getServer(build.server.id);
    expect(server.status).toBe('ACTIVE');
    const addresses = Object.values(server.addresses ?? {})
      .flat()
      .map((a) => a.addr);
    expect(addresses).toEqual([build.address]);
    const attached = (server['os-extended-volumes:volumes_attached'] ?? []).map((v) => v.id).sort();
    expect(attached).toEqual([build.volumes.system, build.volumes.swap, build.volumes.data].sort());
    expect(await tenant.cinder.getVolume(build.volumes.system)).toMatchObject({
      name: `${name}-sys`,
      status: 'in-use',
    });
    for (const id of [build.volumes.swap, build.volumes.data])
      expect((await tenant.cinder.getVolume(id)).status).toBe('in-use');
    expect(await cloud!.admin.cinder.listTransfers()).toEqual([]);
    expect(await trustIds()).toEqual(trustsBeforeBuild);
  };

  it('pool hit: the spare is handed over through the trust, renamed, and the real Nova boots from it', async () => {
    const spares = await p().blockflow.prisma.spareVolume.findMany();
    const build = await createAndWait('flow-hit');
    expect(build, JSON.stringify(build)).toMatchObject({ status: 'active', path: 'pool-hit' });
    expect(spares.map((s) => s.volumeId)).toContain(build.volumes.system);
    await expectBooted(build, 'flow-hit');
  });

  it('pool empty: the fallback makes the system disk from the OS image snapshot, then the same boot', async () => {
    const { prisma } = p().blockflow;
    await prisma.spareVolume.updateMany({ data: { status: 'creating' } });
    try {
      const build = await createAndWait('flow-fallback');
      expect(build, JSON.stringify(build)).toMatchObject({ status: 'active', path: 'fallback' });
      await expectBooted(build, 'flow-fallback');
    } finally {
      await prisma.spareVolume.updateMany({ data: { status: 'available' } });
    }
  });

  it('an address held by a port blockflow does not know is set aside for it; the build boots on the next', async () => {
    const tenant = cloud!.tenant(SIMULATOR_TENANT);
    const network = (await cloud!.admin.neutron.listNetworks({ name: 'private' }))[0];
    // blockflow hands out the lowest free address it knows of; an operator's port holds it already.
    const [free] = await p().blockflow.prisma.$queryRaw<{ address: string }[]>`
      SELECT address FROM fixed_ips WHERE network_id = ${network.id} AND NOT allocated AND NOT reserved
      ORDER BY address::inet LIMIT 1`;
    const neutronUrl = await cloud!.admin.session.endpoint('network');
    const { token: adminToken } = await cloud!.admin.session.authenticate();
    const port = await fetch(`${neutronUrl}/v2.0/ports`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Auth-Token': adminToken },
      body: JSON.stringify({ port: { network_id: network.id, fixed_ips: [{ ip_address: free!.address }] } }),
    });
    expect(port.status).toBe(201);
    const portId = ((await port.json()) as { port: { id: string } }).port.id;
    try {
      const res = await p().api('/v1/servers', { method: 'POST', body: request('flow-clash'), keystoneToken: token });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      let build: Record<string, any> | undefined;
      await flowWait(`build ${res.body.id} settled`, async () => {
        build = (await p().api(`/v1/servers/${res.body.id}`, { keystoneToken: token })).body;
        return build?.status !== 'building';
      });
      if (build?.status === 'active') built.push(build); // the delete below takes it away
      // Booted on that address, the real compute node fails the build ("Exceeded maximum number of
      // retries"), and the undo would free the address for the next build to fail the same way.
      expect(build, JSON.stringify(build)).toMatchObject({ status: 'active' });
      expect(build!.address).not.toBe(free!.address);
      const row = await p().blockflow.prisma.fixedIp.findUnique({
        where: { networkId_address: { networkId: network.id, address: free!.address } },
      });
      expect(row).toMatchObject({ allocated: true, allocatedTo: `neutron-port:${portId}` });
      expect((await tenant.nova.listServers('flow-clash')).map((s) => s.id)).toEqual([build!.server.id]);
    } finally {
      await fetch(`${neutronUrl}/v2.0/ports/${portId}`, { method: 'DELETE', headers: { 'X-Auth-Token': adminToken } });
      await p().blockflow.prisma.fixedIp.updateMany({
        where: { networkId: network.id, address: free!.address, allocatedTo: `neutron-port:${portId}` },
        data: { allocated: false, allocatedTo: null, allocatedAt: null },
      });
    }
  });

  it('delete: the real Nova deletes the servers, their volumes go, the addresses are free again', async () => {
    const tenant = cloud!.tenant(SIMULATOR_TENANT);
    for (const build of built) {
      const del = await p().api(`/v1/servers/${build.id}`, { method: 'DELETE', keystoneToken: token });
      expect(del.status).toBe(202);
    }
    for (const build of built) {
      await flowWait(`build ${build.id} deleted`, async () => {
        const now = (await p().api(`/v1/servers/${build.id}`, { keystoneToken: token })).body;
        return now.status === 'deleted';
      });
      await expect(tenant.nova.getServer(build.server.id)).rejects.toThrow(/404/);
      for (const id of [build.volumes.system, build.volumes.swap, build.volumes.data]) {
        await flowWait(
          `volume ${id} gone`,
          async () => (await tenant.cinder.getVolume(id).catch(() => undefined)) === undefined,
        );
      }
      expect(await p().blockflow.prisma.fixedIp.count({ where: { allocatedTo: build.id } })).toBe(0);
    }
  });
}
