import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext } from '../env';
import { novaTime } from '../ids';
import type { ApiVersion } from '../microversion';
import type { Server } from '../state';
import { optionalTime, renderFields, type ViewField } from '../view-fields';
import { findFlavor, novaLinks } from './flavors';

const VM_STATE: Record<Server['status'], string> = { BUILD: 'building', ACTIVE: 'active', ERROR: 'error' };

/** The server's neutron ports (device_id = server id), by network name, as nova's network info cache shows them. */
function addresses(cloud: SimulatedCloud, server: Server) {
  const byNetwork: Record<string, unknown[]> = {};
  for (const port of cloud.networking.portsOf(server.id)) {
    const name = cloud.state.networks.get(port.networkId)?.name ?? port.networkId;
    for (const ip of port.fixedIps) {
      const address = { version: 4, addr: ip.ipAddress, 'OS-EXT-IPS:type': 'fixed' };
      (byNetwork[name] ??= []).push({ ...address, 'OS-EXT-IPS-MAC:mac_addr': port.mac });
    }
  }
  return byNetwork;
}

function flavorView(cloud: SimulatedCloud, server: Server, embedded: boolean) {
  const flavor = findFlavor(server.flavorId);
  if (!embedded || !flavor) return { id: server.flavorId, links: novaLinks(cloud.baseUrl, 'flavors', server.flavorId) };
  // 2.47+: the flavor is embedded by value, as it was when the server was created.
  return {
    vcpus: flavor.vcpus,
    ram: flavor.ram,
    disk: flavor.disk,
    ephemeral: 0,
    swap: 0,
    original_name: flavor.name,
    extra_specs: {},
  };
}

const FIELDS: ViewField<Server>[] = [
  { key: 'id', value: (s) => s.id },
  { key: 'name', value: (s) => s.name },
  { key: 'status', value: (s) => s.status },
  { key: 'tenant_id', value: (s) => s.projectId },
  { key: 'user_id', value: (s) => s.userId },
  { key: 'metadata', value: (s) => s.metadata },
  { key: 'hostId', value: () => '' },
  // Booted from a volume: no image.
  { key: 'image', value: () => '' },
  { key: 'created', value: (s) => novaTime(s.createdAt) },
  { key: 'updated', value: (s) => novaTime(s.updatedAt) },
  { key: 'addresses', value: (s, cloud) => addresses(cloud, s) },
  { key: 'accessIPv4', value: () => '' },
  { key: 'accessIPv6', value: () => '' },
  { key: 'OS-DCF:diskConfig', value: () => 'MANUAL' },

  { key: 'OS-EXT-AZ:availability_zone', value: () => 'nova' },
  { key: 'config_drive', value: () => '' },
  { key: 'key_name', value: () => null },
  {
    key: 'OS-SRV-USG:launched_at',
    value: (s) => optionalTime(s.launchedAt, (ms) => new Date(ms).toISOString().replace('Z', '000')),
  },
  { key: 'OS-SRV-USG:terminated_at', value: () => null },
  { key: 'OS-EXT-STS:task_state', value: (s) => s.taskState },
  { key: 'OS-EXT-STS:vm_state', value: (s) => VM_STATE[s.status] },
  { key: 'OS-EXT-STS:power_state', value: (s) => (s.status === 'ACTIVE' ? 1 : 0) },
  { key: 'OS-EXT-SRV-ATTR:host', adminOnly: true, value: () => 'sim-compute-1' },
  { key: 'OS-EXT-SRV-ATTR:hypervisor_hostname', adminOnly: true, value: () => 'sim-compute-1' },
  { key: 'OS-EXT-SRV-ATTR:instance_name', adminOnly: true, value: (s) => `instance-${s.id.slice(0, 8)}` },
  { key: 'locked', since: '2.9', value: () => false },
  { key: 'description', since: '2.19', value: () => null },
  { key: 'tags', since: '2.26', value: () => [] },
];

export function serverDetail(cloud: SimulatedCloud, server: Server, auth: AuthContext, version: ApiVersion) {
  const view = renderFields(FIELDS, server, cloud, auth, version, {
    links: novaLinks(cloud.baseUrl, 'servers', server.id),
  });
  view.flavor = flavorView(cloud, server, version.atLeast('2.47'));
  // nova shows progress only while a server builds or runs (not in ERROR), and security groups only
  // as its ports carry them: a server without a port (a failed build) has none.
  if (server.status === 'ACTIVE' || server.status === 'BUILD') view.progress = server.status === 'ACTIVE' ? 100 : 0;
  if (cloud.networking.portsOf(server.id).length) view.security_groups = [{ name: 'default' }];
  view['os-extended-volumes:volumes_attached'] = server.volumes.map((v) =>
    version.atLeast('2.3') ? { id: v.volumeId, delete_on_termination: v.deleteOnTermination } : { id: v.volumeId },
  );
  if (server.fault) {
    view.fault = { code: server.fault.code, created: novaTime(server.fault.created), message: server.fault.message };
  }
  return view;
}

export function serverSummary(cloud: SimulatedCloud, server: Server) {
  return { id: server.id, name: server.name, links: novaLinks(cloud.baseUrl, 'servers', server.id) };
}
