// Addresses set aside for ports made outside blockflow (servers/address-grant): kept back while a
// port holds them, handed out again once it is gone. The grant is called as the build's fixed-IP
// step calls it, on PostgreSQL and the simulator's Neutron (no Temporal in the way).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_NETWORK_ID } from '../../openstack-sim';
import { grantCheckedAddress } from '../../servers/address-grant';
import { insertBuild } from '../../servers/builds';
import { manageNetworksAtStart } from '../../bin/deployment-start-up';
import { startPlatform, waitFor, type Platform } from './harness';

const networkId = DEFAULT_NETWORK_ID;
let p: Platform;

beforeAll(async () => {
  p = await startPlatform({ worker: false });
  await p.prisma.$executeRaw`TRUNCATE server_builds, system_disk_handouts, managed_networks, fixed_ips`;
  expect((await p.api('/v1/networks', { method: 'POST', body: { network: 'private' } })).status).toBe(200);
});
afterAll(async () => p?.close());

/** A build row (as the API writes it) granted an address as its fixed-IP step is. */
async function grant(name: string): Promise<string> {
  const buildId = `server-${randomUUID()}`;
  await insertBuild(p.prisma, {
    buildId,
    projectId: 'p',
    userId: 'u',
    name,
    osName: 'Debian9 64bit',
    volumeType: 'ssd',
    flavorId: '1',
    swapGb: 0,
    dataGb: 0,
    networkId,
  });
  return grantCheckedAddress(p.prisma, p.cloud.admin, { networkId, holder: buildId }, { locking: true });
}

async function lowestFree(): Promise<string> {
  const [row] = await p.prisma.$queryRaw<{ address: string }[]>`
    SELECT address FROM fixed_ips WHERE network_id = ${networkId} AND allocated = false AND reserved = false
    ORDER BY address::inet LIMIT 1`;
  return row!.address;
}

const holderOf = async (address: string) =>
  (await p.prisma.fixedIp.findUniqueOrThrow({ where: { networkId_address: { networkId, address } } })).allocatedTo;

/** An operator's VM on `address`, booted straight through Nova (blockflow never saw it): its port's id. */
async function foreignPort(address: string): Promise<string> {
  const admin = p.cloud.admin;
  const volume = (await admin.cinder.createVolume({ name: `operator-disk-${address}`, size: 1 })).id;
  await waitFor('the operator disk', async () => (await admin.cinder.getVolume(volume)).status === 'available');
  await admin.session.request('volumev3', {
    method: 'POST',
    path: `/volumes/${volume}/action`,
    body: { 'os-set_bootable': { bootable: true } },
  });
  await admin.nova.createServer({
    name: `operator-vm-${address}`,
    flavorRef: '1',
    blockDevices: [{ volumeId: volume, bootIndex: 0, deleteOnTermination: true }],
    networks: [{ uuid: networkId, fixedIp: address }],
  });
  const [port] = await waitFor('its port', async () => {
    const ports = await p.cloud.admin.neutron.listPorts({ networkId, fixedIp: address });
    return ports.length ? ports : undefined;
  });
  return port!.id;
}

/** An address set aside for a foreign port that is then deleted (the operator's VM went). */
async function vacatedAddress(): Promise<string> {
  const address = await lowestFree();
  const port = await foreignPort(address);
  expect(await grant(`steps-over-${address}`)).not.toBe(address);
  expect(await holderOf(address)).toBe(`neutron-port:${port}`);
  await p.cloud.admin.neutron.deletePort(port);
  return address;
}

/** Time moves on for the set-aside rows: their last look at Neutron was ten minutes ago. */
const ageSetAside = () =>
  p.prisma.$executeRaw`UPDATE fixed_ips SET allocated_at = now() - interval '10 minutes'
    WHERE allocated_to LIKE 'neutron-port:%'`;

describe('addresses set aside for ports made outside blockflow', () => {
  it('stay set aside while their port holds them; a later grant gives them back once it is gone', async () => {
    const address = await lowestFree();
    const port = await foreignPort(address);
    expect(await grant('first')).not.toBe(address);
    await ageSetAside();
    await grant('port-still-there');
    expect(await holderOf(address), 'held by a live port').toBe(`neutron-port:${port}`);
    expect((await p.api('/v1/networks')).body.networks, 'counted').toEqual([expect.objectContaining({ setAside: 1 })]);

    await p.cloud.admin.neutron.deletePort(port);
    await ageSetAside();
    await grant('port-gone');
    expect(await holderOf(address), 'released once its port is gone').toBeNull();
    expect((await p.api('/v1/networks')).body.networks).toEqual([expect.objectContaining({ setAside: 0 })]);
    expect(await grant('takes-it-again')).toBe(address);
  });

  it('a grant on a full network takes back an address whose port is gone, at once', async () => {
    const address = await vacatedAddress();
    const free = await p.prisma.fixedIp.findMany({ where: { networkId, allocated: false, reserved: false } });
    const others = free.map((f) => f.address);
    await p.prisma.fixedIp.updateMany({ where: { networkId, address: { in: others } }, data: { reserved: true } });
    try {
      expect(await grant('on-a-full-network')).toBe(address);
    } finally {
      await p.prisma.fixedIp.updateMany({ where: { networkId, address: { in: others } }, data: { reserved: false } });
    }
  });

  it('registering the network again (start-up, POST /v1/networks) gives back addresses of ports gone', async () => {
    const atStart = await vacatedAddress();
    await manageNetworksAtStart({ prisma: p.prisma, admin: p.cloud.admin, networks: ['private'], log: () => {} });
    expect(await holderOf(atStart), 'start-up').toBeNull();

    const byOperator = await vacatedAddress();
    expect((await p.api('/v1/networks', { method: 'POST', body: { network: 'private' } })).status).toBe(200);
    expect(await holderOf(byOperator), 'POST /v1/networks').toBeNull();
  });
});
