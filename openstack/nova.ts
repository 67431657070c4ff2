// Nova compute v2.1: boot from a volume with block_device_mapping_v2 and a fixed IP.
import type { KeystoneSession } from './keystone';

export interface BlockDevice {
  volumeId: string;
  bootIndex: number | null;
  deleteOnTermination: boolean;
}

export interface CreateServerInput {
  name: string;
  flavorRef: string;
  blockDevices: BlockDevice[];
  networks: { uuid: string; fixedIp?: string }[];
  metadata?: Record<string, string>;
}

export interface Server {
  id: string;
  name: string;
  status: string;
  metadata?: Record<string, string>;
  addresses?: Record<string, { addr: string; version: number }[]>;
  'os-extended-volumes:volumes_attached'?: { id: string; delete_on_termination?: boolean }[];
  fault?: { message: string };
}

export interface Flavor {
  id: string;
  name: string;
}

const COMPUTE = 'compute';

export class NovaClient {
  constructor(private readonly session: KeystoneSession) {}

  async createServer(input: CreateServerInput): Promise<{ id: string }> {
    const server = {
      name: input.name,
      flavorRef: input.flavorRef,
      imageRef: '',
      metadata: input.metadata ?? {},
      block_device_mapping_v2: input.blockDevices.map((d) => ({
        uuid: d.volumeId,
        source_type: 'volume',
        destination_type: 'volume',
        boot_index: d.bootIndex,
        delete_on_termination: d.deleteOnTermination,
      })),
      networks: input.networks.map((n) => ({ uuid: n.uuid, ...(n.fixedIp ? { fixed_ip: n.fixedIp } : {}) })),
    };
    return (
      await this.session.request<{ server: { id: string } }>(COMPUTE, {
        method: 'POST',
        path: '/servers',
        body: { server },
      })
    ).server;
  }

  async getServer(id: string): Promise<Server> {
    return (
      await this.session.request<{ server: Server }>(COMPUTE, {
        method: 'GET',
        path: `/servers/${encodeURIComponent(id)}`,
      })
    ).server;
  }

  async listServers(name?: string): Promise<Server[]> {
    const qs = name ? `?name=${encodeURIComponent(name)}` : '';
    return (await this.session.request<{ servers: Server[] }>(COMPUTE, { method: 'GET', path: `/servers/detail${qs}` }))
      .servers;
  }

  async deleteServer(id: string): Promise<void> {
    await this.session.request(COMPUTE, { method: 'DELETE', path: `/servers/${encodeURIComponent(id)}` });
  }

  async listFlavors(): Promise<Flavor[]> {
    return (await this.session.request<{ flavors: Flavor[] }>(COMPUTE, { method: 'GET', path: '/flavors' })).flavors;
  }
}
