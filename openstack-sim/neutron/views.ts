import type { Context } from 'hono';
import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext } from '../env';
import { neutronError } from '../errors';
import { novaTime, stableUuid } from '../ids';
import type { Network, Port, Subnet } from '../state';

/** neutron's JSON for its three resources, as the API reference and devstack show them. */
export function networkView(cloud: SimulatedCloud, n: Network, auth: AuthContext): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: n.id,
    name: n.name,
    tenant_id: n.projectId,
    project_id: n.projectId,
    admin_state_up: true,
    mtu: 1450,
    status: 'ACTIVE',
    subnets: cloud.networking.subnetsOf(n.id).map((s) => s.id),
    shared: n.shared,
    availability_zone_hints: [],
    // Zones come from the DHCP agents hosting the network; the peer (and the simulator) runs none.
    availability_zones: [],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    'router:external': false,
    description: n.description,
    port_security_enabled: true,
    tags: [],
    created_at: novaTime(n.createdAt),
    updated_at: novaTime(n.updatedAt),
    revision_number: 1,
  };
  // The provider extension's attributes are admin-only (neutron's policy).
  if (auth.isAdmin)
    Object.assign(view, {
      'provider:network_type': 'local',
      'provider:physical_network': null,
      'provider:segmentation_id': null,
    });
  return view;
}

export function subnetView(s: Subnet): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    tenant_id: s.projectId,
    project_id: s.projectId,
    network_id: s.networkId,
    ip_version: 4,
    subnetpool_id: null,
    enable_dhcp: true,
    ipv6_ra_mode: null,
    ipv6_address_mode: null,
    gateway_ip: s.gatewayIp,
    cidr: s.cidr,
    allocation_pools: s.allocationPools,
    host_routes: [],
    dns_nameservers: [],
    description: '',
    service_types: [],
    tags: [],
    created_at: novaTime(s.createdAt),
    updated_at: novaTime(s.updatedAt),
    revision_number: 0,
  };
}

export function portView(cloud: SimulatedCloud, p: Port, auth: AuthContext): Record<string, unknown> {
  // A server's port is ACTIVE once the server runs (bound and plugged), DOWN before.
  const server = p.deviceId ? cloud.state.servers.get(p.deviceId) : undefined;
  const view: Record<string, unknown> = {
    id: p.id,
    name: p.name,
    network_id: p.networkId,
    tenant_id: p.projectId,
    project_id: p.projectId,
    mac_address: p.mac,
    admin_state_up: true,
    status: server?.status === 'ACTIVE' ? 'ACTIVE' : 'DOWN',
    device_id: p.deviceId,
    device_owner: p.deviceOwner,
    fixed_ips: p.fixedIps.map((f) => ({ subnet_id: f.subnetId, ip_address: f.ipAddress })),
    allowed_address_pairs: [],
    extra_dhcp_opts: [],
    // The project's default security group, which neutron gives every port with port security.
    security_groups: [stableUuid('security-group', p.projectId)],
    description: '',
    'binding:vnic_type': 'normal',
    port_security_enabled: true,
    tags: [],
    created_at: novaTime(p.createdAt),
    updated_at: novaTime(p.updatedAt),
    revision_number: 1,
  };
  if (auth.isAdmin) {
    const bound = server?.status === 'ACTIVE';
    Object.assign(view, {
      'binding:host_id': server ? 'sim-compute-1' : '',
      'binding:profile': {},
      'binding:vif_type': bound ? 'ovs' : 'unbound',
      'binding:vif_details': {},
    });
  }
  return view;
}

/** Query parameters that steer a list rather than filter it. */
const NOT_FILTERS = new Set(['fields', 'limit', 'marker', 'sort_key', 'sort_dir', 'page_reverse']);

/** `fixed_ips=ip_address=10.0.0.5` / `fixed_ips=subnet_id=…`: a port matches when one of its addresses does. */
function fixedIpsMatch(view: Record<string, unknown>, wanted: string[]): boolean {
  const conditions = wanted.map((w) => w.split('=', 2) as [string, string | undefined]);
  const ips = (view.fixed_ips ?? []) as Record<string, string>[];
  return conditions.every(([key, value]) => ips.some((ip) => value !== undefined && ip[key] === value));
}

/**
 * neutron's list semantics: every query parameter naming an attribute filters on it (repeated =
 * any of), an unknown attribute is 400 (filter validation; told only when there is a record to
 * know the attributes from), and `fields` picks the attributes shown.
 */
export function listAnswer(c: Context, collection: string, views: Record<string, unknown>[]) {
  const sample = views[0];
  const url = new URL(c.req.url);
  const filters = new Map<string, string[]>();
  for (const [key, value] of url.searchParams) {
    if (NOT_FILTERS.has(key)) continue;
    if (sample && !(key in sample))
      throw neutronError(400, 'HTTPBadRequest', `[${key}] is invalid attribute for filtering`);
    filters.set(key, [...(filters.get(key) ?? []), value]);
  }
  const matching = views.filter((view) =>
    [...filters].every(([key, wanted]) => {
      if (key === 'fixed_ips') return fixedIpsMatch(view, wanted);
      const have = view[key];
      return wanted.some((w) => (typeof have === 'boolean' ? String(have) === w.toLowerCase() : String(have) === w));
    }),
  );
  const fields = url.searchParams.getAll('fields');
  const shown = fields.length
    ? matching.map((view) => Object.fromEntries(Object.entries(view).filter(([k]) => fields.includes(k))))
    : matching;
  return { [collection]: shown };
}
