import { Hono } from 'hono';
import { z } from 'zod';
import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext, SimEnv } from '../env';
import { neutronError } from '../errors';
import { newUuid } from '../ids';
import type { Network, Subnet } from '../state';
import { readJson } from '../validation';
import { cidrRange, defaultPools, intToIp, ipToInt } from './ipam';
import { listAnswer, networkView, subnetView } from './views';

const CreateNetwork = z.object({
  network: z.strictObject({
    name: z.string().max(255).optional(),
    description: z.string().max(255).optional(),
    shared: z.boolean().optional(),
    admin_state_up: z.boolean().optional(),
    mtu: z.number().int().optional(),
    port_security_enabled: z.boolean().optional(),
    project_id: z.string().optional(),
    tenant_id: z.string().optional(),
    availability_zone_hints: z.array(z.string()).optional(),
    'router:external': z.boolean().optional(),
    'provider:network_type': z.string().optional(),
    'provider:physical_network': z.string().nullish(),
    'provider:segmentation_id': z.number().int().nullish(),
  }),
});

const Pool = z.strictObject({ start: z.string(), end: z.string() });
const CreateSubnet = z.object({
  subnet: z.strictObject({
    network_id: z.string(),
    cidr: z.string(),
    ip_version: z.literal(4),
    name: z.string().max(255).optional(),
    description: z.string().max(255).optional(),
    gateway_ip: z.string().nullish(),
    allocation_pools: z.array(Pool).optional(),
    enable_dhcp: z.boolean().optional(),
    dns_nameservers: z.array(z.string()).optional(),
    host_routes: z.array(z.unknown()).optional(),
    project_id: z.string().optional(),
    tenant_id: z.string().optional(),
  }),
});

const invalid = (field: string, reason: string) =>
  neutronError(400, 'HTTPBadRequest', `Invalid input for ${field}. Reason: ${reason}.`);
const policy = (rule: string) => neutronError(403, 'PolicyNotAuthorized', `(${rule}) is disallowed by policy`);

/** neutron networks and subnets: list (with filters), show, create; delete a network without ports. */
export function networkRoutes(cloud: SimulatedCloud): { networks: Hono<SimEnv>; subnets: Hono<SimEnv> } {
  const { state, networking } = cloud;
  const networkNotFound = (id: string) => neutronError(404, 'NetworkNotFound', `Network ${id} could not be found.`);
  const visibleNetwork = (auth: AuthContext, id: string): Network => {
    const network = networking.visibleNetwork(auth, id);
    if (!network) throw networkNotFound(id);
    return network;
  };
  const subnetVisible = (auth: AuthContext, s: Subnet) => Boolean(networking.visibleNetwork(auth, s.networkId));

  const networks = new Hono<SimEnv>({ strict: false });
  networks.get('/', (c) => {
    const auth = c.get('auth');
    const visible = [...state.networks.values()].filter((n) => networking.canSeeNetwork(auth, n));
    return c.json(
      listAnswer(
        c,
        'networks',
        visible.map((n) => networkView(cloud, n, auth)),
      ),
    );
  });
  networks.get('/:id', (c) => {
    const auth = c.get('auth');
    return c.json({ network: networkView(cloud, visibleNetwork(auth, c.req.param('id')), auth) });
  });
  networks.post('/', async (c) => {
    const auth = c.get('auth');
    const { network: req } = await readJson(c, CreateNetwork, 'neutron');
    if (req.shared && !auth.isAdmin) throw policy('rule:create_network and rule:create_network:shared');
    const now = Date.now();
    const network: Network = {
      id: newUuid(),
      name: req.name ?? '',
      projectId: (auth.isAdmin && (req.project_id ?? req.tenant_id)) || auth.projectId,
      shared: req.shared ?? false,
      description: req.description ?? '',
      createdAt: now,
      updatedAt: now,
    };
    state.networks.set(network.id, network);
    return c.json({ network: networkView(cloud, network, auth) }, 201);
  });
  networks.delete('/:id', (c) => {
    const network = visibleNetwork(c.get('auth'), c.req.param('id'));
    if ([...state.ports.values()].some((p) => p.networkId === network.id)) {
      throw neutronError(
        409,
        'NetworkInUse',
        `Unable to complete operation on network ${network.id}. ` +
          'There are one or more ports still in use on the network.',
      );
    }
    for (const subnet of networking.subnetsOf(network.id)) state.subnets.delete(subnet.id);
    state.networks.delete(network.id);
    return c.body(null, 204);
  });

  const subnets = new Hono<SimEnv>({ strict: false });
  subnets.get('/', (c) => {
    const auth = c.get('auth');
    const visible = [...state.subnets.values()].filter((s) => subnetVisible(auth, s));
    return c.json(listAnswer(c, 'subnets', visible.map(subnetView)));
  });
  subnets.get('/:id', (c) => {
    const subnet = state.subnets.get(c.req.param('id'));
    if (!subnet || !subnetVisible(c.get('auth'), subnet)) {
      throw neutronError(404, 'SubnetNotFound', `Subnet ${c.req.param('id')} could not be found.`);
    }
    return c.json({ subnet: subnetView(subnet) });
  });
  subnets.post('/', async (c) => {
    const auth = c.get('auth');
    const { subnet: req } = await readJson(c, CreateSubnet, 'neutron');
    const network = visibleNetwork(auth, req.network_id);
    if (!auth.isAdmin && network.projectId !== auth.projectId)
      throw policy('rule:create_subnet and rule:create_subnet:network_owner');
    const range = cidrRange(req.cidr);
    if (!range) throw invalid('cidr', `'${req.cidr}' is not a valid IP subnet`);
    const overlaps = networking.subnetsOf(network.id).some((s) => {
      const other = cidrRange(s.cidr)!;
      return other.first <= range.last && range.first <= other.last;
    });
    if (overlaps) {
      throw invalid(
        'operation',
        `Requested subnet with cidr: ${req.cidr} for network: ${network.id} overlaps with another subnet`,
      );
    }
    const inRange = (ip: string) => {
      const n = ipToInt(ip);
      return n !== undefined && n >= range.first && n <= range.last;
    };
    const gatewayIp = req.gateway_ip === undefined ? defaultPools(req.cidr, null)[0].start : req.gateway_ip;
    if (gatewayIp !== null && !inRange(gatewayIp))
      throw invalid('gateway_ip', `'${gatewayIp}' is not in the subnet ${req.cidr}`);
    for (const pool of req.allocation_pools ?? []) {
      if (!inRange(pool.start) || !inRange(pool.end))
        throw invalid('allocation_pools', `pool ${pool.start}-${pool.end} is not in ${req.cidr}`);
    }
    const now = Date.now();
    const subnet: Subnet = {
      id: newUuid(),
      name: req.name ?? '',
      networkId: network.id,
      projectId: network.projectId,
      // neutron stores the network address: 10.0.0.5/24 becomes 10.0.0.0/24.
      cidr: `${intToIp(range.first)}/${req.cidr.split('/')[1]}`,
      gatewayIp,
      allocationPools: req.allocation_pools ?? defaultPools(req.cidr, gatewayIp),
      createdAt: now,
      updatedAt: now,
    };
    state.subnets.set(subnet.id, subnet);
    return c.json({ subnet: subnetView(subnet) }, 201);
  });

  return { networks, subnets };
}
