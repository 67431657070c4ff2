// The Keystone trust calls (openstack/trusts.ts), the trustee clients of connectCloud, and the
// Neutron client, against the simulator over real HTTP: what the server-create flow does with them,
// the errors it gets, and that no token or password ends up in an error message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_NETWORK_ID, startSimulator, type RunningSimulator } from '../../openstack-sim';
import { connectCloud, type CloudClients } from '../../openstack/cloud';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../openstack/errors';
import {
  createTrust,
  deleteTrust,
  deleteTrustIfPresent,
  findUser,
  getTrust,
  validateToken,
} from '../../openstack/trusts';
import { SIMULATOR_ADMIN, SIMULATOR_TENANT } from '../../infra/stack';

let sim: RunningSimulator;
let cloud: CloudClients;
const requests: string[] = [];

beforeAll(async () => {
  sim = await startSimulator({
    plainCreateDelayMs: 30,
    serverBootDelayMs: 50,
    serverDeleteDelayMs: 30,
    deleteDelayMs: 30,
    log: (l) => requests.push(l),
  });
  cloud = connectCloud({
    authUrl: sim.authUrl,
    admin: SIMULATOR_ADMIN,
    userDomainName: 'Default',
    projectDomainName: 'Default',
    timeoutMs: 5_000,
  });
});
afterAll(async () => {
  await sim?.stop();
});

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 30));
};
const tenantToken = async () => (await cloud.tenant(SIMULATOR_TENANT).session.authenticate()).token;

describe('trusts', () => {
  it('validateToken: the tenant; a bad token NotFoundError, an unscoped one UnauthorizedError, unnamed', async () => {
    const token = await tenantToken();
    const info = await validateToken(cloud.admin.session, token);
    const { userId, projectId } = await cloud.tenant(SIMULATOR_TENANT).session.authenticate();
    expect(info).toEqual({
      userId,
      userName: 'demo',
      projectId,
      projectName: 'demo',
      roles: ['member', 'reader'],
      expiresAt: expect.any(String),
    });
    expect(Date.parse(info.expiresAt)).toBeGreaterThan(Date.now());
    const bad = await validateToken(cloud.admin.session, 'gAAAAA-not-a-token').catch((e) => e);
    expect(bad).toBeInstanceOf(NotFoundError);
    expect(bad.message).not.toContain('gAAAAA-not-a-token');
    const unscoped = await fetch(`${sim.authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'demo', domain: { name: 'Default' }, password: 'demo-secret' } },
          },
        },
      }),
    });
    const unscopedToken = unscoped.headers.get('x-subject-token')!;
    const err = await validateToken(cloud.admin.session, unscopedToken).catch((e) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(err.message).not.toContain(unscopedToken);
  });

  it("createTrust with the tenant's token (both forms), trustee clients in the tenant's project, delete", async () => {
    const token = await tenantToken();
    const info = await validateToken(cloud.admin.session, token);
    const adminId = await cloud.adminUserId();
    expect((await findUser(cloud.admin.session, 'admin'))?.id).toBe(adminId);
    const trust = await createTrust(cloud, token, {
      trustorUserId: info.userId,
      projectId: info.projectId,
      roles: ['member'],
      impersonation: true,
    });
    expect(trust).toMatchObject({
      trustorUserId: info.userId,
      trusteeUserId: adminId,
      projectId: info.projectId,
      roles: ['member'],
      expiresAt: null,
    });
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    const input = {
      trustorUserId: info.userId,
      trusteeUserId: adminId,
      projectId: info.projectId,
      roles: ['reader'],
      impersonation: false,
    };
    const explicit = await createTrust(sim.authUrl, token, { ...input, expiresAt }, 5_000);
    expect(explicit.expiresAt).toMatch(/Z$/);

    const trustee = cloud.trustee(trust.id);
    expect(cloud.trustee(trust.id)).toBe(trustee);
    const created = (await trustee.cinder.createVolume({ name: 'via-trust', size: 1 })).id;
    // the volume is the tenant's: its own session sees it
    await until(async () => (await cloud.tenant(SIMULATOR_TENANT).cinder.getVolume(created)).status === 'available');
    expect((await trustee.session.authenticate()).userId).toBe(info.userId);
    expect((await getTrust(cloud.admin.session, trust.id)).id).toBe(trust.id);

    await deleteTrustIfPresent(cloud, trust.id);
    await deleteTrust(cloud.admin.session, trust.id); // already gone: fine
    await expect(getTrust(cloud.admin.session, trust.id)).rejects.toBeInstanceOf(NotFoundError);
    const after = await cloud
      .trustee(trust.id)
      .cinder.listVolumes()
      .catch((e) => e);
    expect(after).toBeInstanceOf(UnauthorizedError);
    expect(after.message).not.toContain('admin-secret');
    await deleteTrust(cloud.admin.session, explicit.id);
  });

  it("a trust for another user or a role the tenant lacks is refused with Keystone's error", async () => {
    const token = await tenantToken();
    const info = await validateToken(cloud.admin.session, token);
    const adminId = await cloud.adminUserId();
    await expect(
      createTrust(cloud, token, {
        trustorUserId: adminId,
        projectId: info.projectId,
        roles: ['member'],
        impersonation: true,
      }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    const lacking = await createTrust(cloud, token, {
      trustorUserId: info.userId,
      projectId: info.projectId,
      roles: ['admin'],
      impersonation: true,
    }).catch((e) => e);
    expect(lacking).toBeInstanceOf(NotFoundError);
    expect(lacking.apiMessage).toMatch(/^Could not find role: /);
    expect(lacking.message).not.toContain(token);
    await expect(findUser(cloud.tenant(SIMULATOR_TENANT).session, 'admin')).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('never logs a token or a password', () => {
    expect(requests.join('\n')).not.toMatch(/secret|gAAAAA/);
  });
});

describe('NeutronClient', () => {
  it('lists networks (by name), shows one, lists its subnets', async () => {
    const { neutron } = cloud.tenant(SIMULATOR_TENANT);
    const [network] = await neutron.listNetworks({ name: 'private' });
    expect(network).toMatchObject({ id: DEFAULT_NETWORK_ID, name: 'private', shared: true });
    expect(await neutron.listNetworks({ name: 'nope' })).toEqual([]);
    expect((await neutron.getNetwork(DEFAULT_NETWORK_ID)).subnets).toEqual(network.subnets);
    await expect(neutron.getNetwork('nope')).rejects.toBeInstanceOf(NotFoundError);
    const subnets = await neutron.listSubnets({ networkId: DEFAULT_NETWORK_ID });
    expect(subnets).toEqual([expect.objectContaining({ cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1' })]);
  });

  it("finds a server's port by device, network and fixed IP; deletes it (twice is fine)", async () => {
    const tenant = cloud.tenant(SIMULATOR_TENANT);
    const volume = (await tenant.cinder.createVolume({ name: 'port-boot', size: 1 })).id;
    await until(async () => (await tenant.cinder.getVolume(volume)).status === 'available');
    // Nova boots only from a volume Cinder calls bootable (an image's or a snapshot's; here set by hand).
    await tenant.session.request('volumev3', {
      method: 'POST',
      path: `/volumes/${volume}/action`,
      body: { 'os-set_bootable': { bootable: true } },
    });
    const { id } = await tenant.nova.createServer({
      name: 'port-vm',
      flavorRef: '1',
      blockDevices: [{ volumeId: volume, bootIndex: 0, deleteOnTermination: true }],
      networks: [{ uuid: DEFAULT_NETWORK_ID, fixedIp: '10.0.0.200' }],
    });
    const [port] = await tenant.neutron.listPorts({ deviceId: id });
    expect(port).toMatchObject({
      device_id: id,
      network_id: DEFAULT_NETWORK_ID,
      fixed_ips: [expect.objectContaining({ ip_address: '10.0.0.200' })],
    });
    expect(
      (await tenant.neutron.listPorts({ fixedIp: '10.0.0.200', networkId: DEFAULT_NETWORK_ID })).map((p) => p.id),
    ).toEqual([port.id]);
    expect(await tenant.neutron.listPorts({ fixedIp: '10.0.0.201' })).toEqual([]);
    await tenant.neutron.deletePort(port.id);
    await tenant.neutron.deletePort(port.id);
    expect(await tenant.neutron.listPorts({ deviceId: id })).toEqual([]);
    await tenant.nova.deleteServer(id);
  });
});
