// Nova and Neutron objects the contract needs, as the simulator seeds them: devstack's classic
// flavors (same ids and sizes as openstack-sim/nova/flavors.ts) and the shared network "private"
// with its subnet 10.0.0.0/24 (gateway .1), owned by the admin project.
import { FLAVORS } from '../openstack-sim/nova/flavors';
import type { AdminApi } from './admin-api';
import type { ProcessGroup } from './process-group';

export const NETWORK = { name: 'private', subnet: 'private-subnet', cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' };

export async function createFlavors(api: AdminApi, computeUrl: string): Promise<void> {
  await Promise.all(
    FLAVORS.map((f) =>
      api.call('POST', `${computeUrl}/flavors`, {
        flavor: { id: f.id, name: f.name, ram: f.ram, vcpus: f.vcpus, disk: f.disk },
      }),
    ),
  );
}

/** The shared network every project boots on; returns its id. */
export async function createNetwork(group: ProcessGroup, api: AdminApi, networkUrl: string): Promise<string> {
  const base = `${networkUrl}/v2.0`;
  // A fresh neutron-server's first port listing can fail (`'Port' has no attribute 'port_forwardings'`)
  // until its models are loaded; a network listing first loads them.
  await group.waitFor(
    'neutron to list networks',
    async () => Array.isArray((await api.call<{ networks: unknown[] }>('GET', `${base}/networks`)).networks),
    60_000,
    500,
  );
  const { network } = await api.call<{ network: { id: string } }>('POST', `${base}/networks`, {
    network: { name: NETWORK.name, shared: true },
  });
  await api.call('POST', `${base}/subnets`, {
    subnet: {
      name: NETWORK.subnet,
      network_id: network.id,
      ip_version: 4,
      cidr: NETWORK.cidr,
      gateway_ip: NETWORK.gatewayIp,
    },
  });
  await api.call('GET', `${base}/ports`);
  return network.id;
}
