// Neutron networking v2.0: the networks a server can boot on, their subnets, and the ports Nova
// makes for servers (found by device_id or fixed IP). The endpoint comes from the catalog (type
// "network"), with or without its version, as clouds publish it either way.
import { NotFoundError } from './errors';
import type { KeystoneSession } from './keystone';

export interface Network {
  id: string;
  name: string;
  status: string;
  shared: boolean;
  project_id: string;
  subnets: string[];
}

export interface Subnet {
  id: string;
  name: string;
  network_id: string;
  ip_version: number;
  cidr: string;
  gateway_ip: string | null;
  allocation_pools: { start: string; end: string }[];
}

export interface Port {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  device_id: string;
  device_owner: string;
  mac_address: string;
  status: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
}

export interface PortFilters {
  /** The server a port belongs to. */
  deviceId?: string;
  networkId?: string;
  /** A port holding this address. */
  fixedIp?: string;
}

const NETWORK = 'network';

export class NeutronClient {
  constructor(private readonly session: KeystoneSession) {}

  async listNetworks(filters: { name?: string } = {}): Promise<Network[]> {
    const query = new URLSearchParams();
    if (filters.name !== undefined) query.set('name', filters.name);
    return (await this.get<{ networks: Network[] }>('/networks', query)).networks;
  }

  async getNetwork(id: string): Promise<Network> {
    return (await this.get<{ network: Network }>(`/networks/${encodeURIComponent(id)}`)).network;
  }

  async listSubnets(filters: { networkId?: string } = {}): Promise<Subnet[]> {
    const query = new URLSearchParams();
    if (filters.networkId !== undefined) query.set('network_id', filters.networkId);
    return (await this.get<{ subnets: Subnet[] }>('/subnets', query)).subnets;
  }

  async listPorts(filters: PortFilters = {}): Promise<Port[]> {
    const query = new URLSearchParams();
    if (filters.deviceId !== undefined) query.set('device_id', filters.deviceId);
    if (filters.networkId !== undefined) query.set('network_id', filters.networkId);
    if (filters.fixedIp !== undefined) query.set('fixed_ips', `ip_address=${filters.fixedIp}`);
    return (await this.get<{ ports: Port[] }>('/ports', query)).ports;
  }

  /** Deletes a port; one already gone (404) counts as deleted, so compensation can repeat it. */
  async deletePort(id: string): Promise<void> {
    try {
      await this.session.request(NETWORK, {
        method: 'DELETE',
        path: await this.path(`/ports/${encodeURIComponent(id)}`),
      });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  private async get<T>(resource: string, query?: URLSearchParams): Promise<T> {
    const qs = query?.size ? `?${query}` : '';
    return this.session.request<T>(NETWORK, { method: 'GET', path: await this.path(`${resource}${qs}`) });
  }

  /** The v2.0 path: some catalogs end the network endpoint with /v2.0, devstack's does not. */
  private async path(resource: string): Promise<string> {
    const endpoint = await this.session.endpoint(NETWORK);
    return endpoint.endsWith('/v2.0') ? resource : `/v2.0${resource}`;
  }
}
