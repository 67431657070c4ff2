// Neutron in the simulator: networks/subnets (visibility, filters, create), and the ports nova makes
// for its servers (device_id, fixed IPs, deleted with the server), found the way blockflow and the
// CLIs look for them.
import { describe, expect, it } from 'vitest';
import { DEFAULT_NETWORK_ID, type RunningSimulator } from '../../openstack-sim/index';
import { api, call, createVolume, type Session, useCloud, waitFor } from './helpers';

describe('neutron v2.0', () => {
  let sim: RunningSimulator;
  let admin: Session;
  let demo: Session;
  useCloud((cloud) => ({ sim, admin, demo } = cloud));
  const neutron = (s: Session) => api(`${sim.url}/networking/v2.0`, s.token);
  const boot = (s: Session, volume: string, networks: unknown) =>
    s.compute.post('/servers', {
      server: {
        name: 'net-vm',
        flavorRef: '1',
        block_device_mapping_v2: [
          {
            boot_index: 0,
            uuid: volume,
            source_type: 'volume',
            destination_type: 'volume',
            delete_on_termination: true,
          },
        ],
        networks,
      },
    });
  // The tenant cannot see the admin's image snapshots: an empty 1 GB volume, made bootable (nova refuses others).
  const tenantVolume = async () => {
    const id = await createVolume(demo, { snapshot_id: undefined, size: 1 });
    const set = await demo.volume.post(`/volumes/${id}/action`, { 'os-set_bootable': { bootable: true } });
    expect(set.status).toBe(200);
    return id;
  };
  const serverStatus = async (s: Session, id: string) => {
    const reply = await s.compute.get(`/servers/${id}`);
    return reply.status === 404 ? 'gone' : (reply.body.server.status as string);
  };

  it('publishes a network endpoint with version discovery, as devstack does', async () => {
    const service = demo.catalog.find((s: { type: string }) => s.type === 'network');
    expect(service.endpoints[0].url).toBe(`${sim.url}/networking`);
    const versions = await call('GET', `${sim.url}/networking/`);
    expect(versions.body.versions).toEqual([
      { id: 'v2.0', status: 'CURRENT', links: [{ href: `${sim.url}/networking/v2.0/`, rel: 'self' }] },
    ]);
    expect((await call('GET', `${sim.url}/networking/v2.0/networks`)).status).toBe(401);
  });

  it('seeds the shared network "private" (10.0.0.0/24) every project may boot on', async () => {
    const { networks } = (await neutron(demo).get('/networks?name=private')).body;
    expect(networks).toEqual([
      expect.objectContaining({ id: DEFAULT_NETWORK_ID, name: 'private', shared: true, status: 'ACTIVE' }),
    ]);
    expect(networks[0]['provider:network_type']).toBeUndefined();
    expect((await neutron(admin).get(`/networks/${DEFAULT_NETWORK_ID}`)).body.network['provider:network_type']).toBe(
      'local',
    );
    const { subnets } = (await neutron(demo).get(`/subnets?network_id=${DEFAULT_NETWORK_ID}`)).body;
    expect(subnets).toEqual([
      expect.objectContaining({
        id: networks[0].subnets[0],
        cidr: '10.0.0.0/24',
        gateway_ip: '10.0.0.1',
        ip_version: 4,
        allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.254' }],
      }),
    ]);
    expect((await neutron(demo).get('/networks?fields=id&fields=name')).body.networks[0]).toEqual({
      id: DEFAULT_NETWORK_ID,
      name: 'private',
    });
    expect((await neutron(demo).get('/networks?bogus=1')).body).toEqual({
      NeutronError: { type: 'HTTPBadRequest', message: '[bogus] is invalid attribute for filtering', detail: '' },
    });
    expect((await neutron(demo).get('/networks/nope')).body).toEqual({
      NeutronError: { type: 'NetworkNotFound', message: 'Network nope could not be found.', detail: '' },
    });
  });

  it('creates networks and subnets; a project network is invisible to others; shared is for admins', async () => {
    const shared = await neutron(demo).post('/networks', { network: { name: 'mine', shared: true } });
    expect(shared.body.NeutronError).toMatchObject({ type: 'PolicyNotAuthorized' });
    const created = await neutron(admin).post('/networks', { network: { name: 'admin-only' } });
    expect(created.status).toBe(201);
    const id = created.body.network.id;
    const subnet = await neutron(admin).post('/subnets', {
      subnet: { network_id: id, cidr: '192.168.7.0/28', ip_version: 4 },
    });
    expect(subnet.status).toBe(201);
    expect(subnet.body.subnet).toMatchObject({
      gateway_ip: '192.168.7.1',
      allocation_pools: [{ start: '192.168.7.2', end: '192.168.7.14' }],
    });
    const overlap = await neutron(admin).post('/subnets', {
      subnet: { network_id: id, cidr: '192.168.7.8/29', ip_version: 4 },
    });
    expect(overlap.status).toBe(400);
    expect((await neutron(demo).get(`/networks/${id}`)).status).toBe(404);
    // nova cannot see it for the tenant either
    const volume = await tenantVolume();
    expect((await boot(demo, volume, [{ uuid: id }])).body).toEqual({
      badRequest: { code: 400, message: `Network ${id} could not be found.` },
    });
    expect((await neutron(admin).del(`/networks/${id}`)).status).toBe(204);
    expect((await neutron(admin).get(`/subnets/${subnet.body.subnet.id}`)).status).toBe(404);
  });

  it("a server's port: device_id, the fixed IP, in the server's addresses; deleted with it", async () => {
    const volume = await tenantVolume();
    const created = await boot(demo, volume, [{ uuid: DEFAULT_NETWORK_ID, fixed_ip: '10.0.0.40' }]);
    expect(created.status).toBe(202);
    const id = created.body.server.id;
    const { ports } = (await neutron(demo).get(`/ports?device_id=${id}`)).body;
    expect(ports).toEqual([
      expect.objectContaining({
        network_id: DEFAULT_NETWORK_ID,
        device_id: id,
        device_owner: 'compute:nova',
        project_id: demo.projectId,
        fixed_ips: [{ subnet_id: expect.any(String), ip_address: '10.0.0.40' }],
      }),
    ]);
    expect(
      (await neutron(demo).get('/ports?fixed_ips=ip_address%3D10.0.0.40')).body.ports.map((p: { id: string }) => p.id),
    ).toEqual([ports[0].id]);
    expect(
      (await neutron(demo).get(`/ports?network_id=${DEFAULT_NETWORK_ID}&device_id=${id}`)).body.ports,
    ).toHaveLength(1);
    await waitFor('server ACTIVE', async () => (await serverStatus(demo, id)) === 'ACTIVE');
    expect((await neutron(demo).get(`/ports/${ports[0].id}`)).body.port.status).toBe('ACTIVE');
    const server = (await demo.compute.get(`/servers/${id}`)).body.server;
    expect(server.addresses).toEqual({
      private: [
        { version: 4, addr: '10.0.0.40', 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': ports[0].mac_address },
      ],
    });
    // another project sees neither the port nor, by its filters, anything
    expect((await neutron(admin).get(`/ports?device_id=${id}`)).body.ports).toHaveLength(1);
    await demo.compute.del(`/servers/${id}`);
    await waitFor('server gone', async () => (await serverStatus(demo, id)) === 'gone');
    expect((await neutron(demo).get(`/ports?device_id=${id}`)).body.ports).toEqual([]);
  });

  it('allocates from the pool when no address is asked for; a deleted port leaves the server without it', async () => {
    const volume = await tenantVolume();
    const id = (await boot(demo, volume, [{ uuid: DEFAULT_NETWORK_ID }])).body.server.id;
    const [port] = (await neutron(demo).get(`/ports?device_id=${id}`)).body.ports;
    expect(port.fixed_ips[0].ip_address).toMatch(/^10\.0\.0\.\d+$/);
    expect(port.fixed_ips[0].ip_address).not.toBe('10.0.0.1');
    expect((await neutron(demo).del(`/ports/${port.id}`)).status).toBe(204);
    expect((await neutron(demo).del(`/ports/${port.id}`)).body.NeutronError).toMatchObject({ type: 'PortNotFound' });
    expect((await demo.compute.get(`/servers/${id}`)).body.server.addresses).toEqual({});
    await demo.compute.del(`/servers/${id}`);
  });

  it("a fixed IP held by the tenant's server is 400 naming it, as nova does", async () => {
    const first = await boot(demo, await tenantVolume(), [{ uuid: DEFAULT_NETWORK_ID, fixed_ip: '10.0.0.41' }]);
    expect(first.status).toBe(202);
    const second = await boot(demo, await tenantVolume(), [{ uuid: DEFAULT_NETWORK_ID, fixed_ip: '10.0.0.41' }]);
    expect(second.body).toEqual({
      badRequest: {
        code: 400,
        message: `Fixed IP address 10.0.0.41 is already in use on instance ${first.body.server.id}.`,
      },
    });
  });
});
