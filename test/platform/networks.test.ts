// Registering the networks blockflow hands fixed IPs out on (servers/networks, POST /v1/networks,
// start-up): only the admin project's shared networks, whatever a tenant names its own; the
// operator's reserved addresses survive every start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_NETWORK_ID } from '../../openstack-sim';
import { manageNetworksAtStart } from '../../bin/deployment-start-up';
import { startPlatform, type Platform } from './harness';

// Listed before the admin's "private": a name lookup over every network would find the tenant's first.
const TENANT_PRIVATE = { id: 'a0a0a0a0-0000-4000-8000-000000000001', name: 'private', project: 'demo', shared: false };
const TENANT_ONLY = { id: 'a0a0a0a0-0000-4000-8000-000000000002', name: 'demo-net', project: 'demo', shared: false };
const ADMIN_UNSHARED = { id: 'a0a0a0a0-0000-4000-8000-000000000003', name: 'admin-only', shared: false };
const tenantCidr = (n: number) => `192.168.${n}.0/24`;

let p: Platform;

beforeAll(async () => {
  p = await startPlatform({
    worker: false,
    sim: {
      networks: [
        { ...TENANT_PRIVATE, cidr: tenantCidr(1) },
        { ...TENANT_ONLY, cidr: tenantCidr(2) },
        { ...ADMIN_UNSHARED, cidr: tenantCidr(3) },
        { id: DEFAULT_NETWORK_ID, name: 'private' },
      ],
    },
  });
});
afterAll(async () => p?.close());

const reset = () => p.prisma.$executeRaw`TRUNCATE server_builds, system_disk_handouts, managed_networks, fixed_ips`;
const register = (body: Record<string, unknown>) => p.api('/v1/networks', { method: 'POST', body });
const atStart = (networks: string[]) =>
  manageNetworksAtStart({ prisma: p.prisma, admin: p.cloud.admin, networks, log: () => {} });

async function reservedAddresses(): Promise<string[]> {
  const rows = await p.prisma.fixedIp.findMany({ where: { networkId: DEFAULT_NETWORK_ID, reserved: true } });
  return rows.map((r) => r.address).sort();
}

describe('which network a name or id matches', () => {
  it("a name matches the admin's shared network, not a tenant's network of the same name", async () => {
    await reset();
    const res = await register({ network: 'private' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id: DEFAULT_NETWORK_ID, cidr: '10.0.0.0/24' });
    await reset();
    await atStart(['private']);
    expect(await p.prisma.managedNetwork.findMany()).toEqual([
      expect.objectContaining({ id: DEFAULT_NETWORK_ID, cidr: '10.0.0.0/24' }),
    ]);
  });

  it("a tenant's network or an unshared one is refused, by name or id, with a 400 naming the field", async () => {
    await reset();
    for (const network of [TENANT_ONLY.name, TENANT_ONLY.id, TENANT_PRIVATE.id, ADMIN_UNSHARED.name]) {
      const res = await register({ network });
      expect(res.status, `${network}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.field).toBe('network');
    }
    await expect(atStart([TENANT_ONLY.name])).rejects.toThrow(/demo-net/);
    expect(await p.prisma.managedNetwork.count()).toBe(0);
  });
});

describe("the operator's reserved addresses", () => {
  it('survive start-up and a registration that names none; a list given replaces them', async () => {
    await reset();
    expect((await register({ network: DEFAULT_NETWORK_ID, reserved: ['10.0.0.50', '10.0.0.51'] })).status).toBe(200);
    const kept = ['10.0.0.1', '10.0.0.50', '10.0.0.51'];
    expect(await reservedAddresses()).toEqual(kept);

    await atStart([DEFAULT_NETWORK_ID]);
    expect(await reservedAddresses(), 'after start-up').toEqual(kept);
    const again = await register({ network: DEFAULT_NETWORK_ID });
    expect(again.body, 'POST without reserved').toMatchObject({ reserved: 3 });
    expect(await reservedAddresses()).toEqual(kept);

    expect((await register({ network: DEFAULT_NETWORK_ID, reserved: ['10.0.0.60'] })).body).toMatchObject({
      reserved: 2,
    });
    expect(await reservedAddresses(), 'the gateway stays').toEqual(['10.0.0.1', '10.0.0.60']);
  });
});
