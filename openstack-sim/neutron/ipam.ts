import { randomBytes } from 'node:crypto';
import type { AuthContext } from '../env';
import { newUuid } from '../ids';
import type { Network, Port, SimState, Subnet } from '../state';

/** IPv4 dotted quad <-> 32-bit number, and CIDR membership: the little IPAM the simulator needs. */
export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** The first and last address of a CIDR ("10.0.0.0/24"), or undefined when it is not one. */
export function cidrRange(cidr: string): { first: number; last: number } | undefined {
  const [ip, bits] = cidr.split('/');
  const base = ipToInt(ip ?? '');
  const prefix = Number(bits);
  if (base === undefined || !/^\d{1,2}$/.test(bits ?? '') || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const first = Math.floor(base / size) * size;
  return { first, last: first + size - 1 };
}

/** neutron's default pool: every host address but the gateway (network and broadcast excluded). */
export function defaultPools(cidr: string, gatewayIp: string | null): { start: string; end: string }[] {
  const range = cidrRange(cidr)!;
  const gateway = gatewayIp === null ? undefined : ipToInt(gatewayIp);
  const [first, last] = [range.first + 1, range.last - 1];
  if (gateway === first) return [{ start: intToIp(first + 1), end: intToIp(last) }];
  if (gateway === last) return [{ start: intToIp(first), end: intToIp(last - 1) }];
  if (gateway !== undefined && gateway > first && gateway < last) {
    return [
      { start: intToIp(first), end: intToIp(gateway - 1) },
      { start: intToIp(gateway + 1), end: intToIp(last) },
    ];
  }
  return [{ start: intToIp(first), end: intToIp(last) }];
}

const randomMac = () => `fa:16:3e:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;

/**
 * Neutron's data and rules in one place: who sees which network, which subnet an address belongs
 * to, which addresses are taken, and the ports nova creates and deletes for its servers.
 */
export class Networking {
  constructor(private readonly state: SimState) {}

  /** Admins see every network; others their project's and shared ones (neutron's policy). */
  canSeeNetwork(auth: AuthContext, network: Network): boolean {
    return auth.isAdmin || network.shared || network.projectId === auth.projectId;
  }

  visibleNetwork(auth: AuthContext, id: string): Network | undefined {
    const network = this.state.networks.get(id);
    return network && this.canSeeNetwork(auth, network) ? network : undefined;
  }

  subnetsOf(networkId: string): Subnet[] {
    return [...this.state.subnets.values()].filter((s) => s.networkId === networkId);
  }

  /** The subnet of the network whose CIDR holds `ip`, if any. */
  subnetFor(networkId: string, ip: string): Subnet | undefined {
    const n = ipToInt(ip);
    if (n === undefined) return undefined;
    return this.subnetsOf(networkId).find((s) => {
      const range = cidrRange(s.cidr);
      return range !== undefined && n >= range.first && n <= range.last;
    });
  }

  /** The port holding `ip` on the network, if any. */
  portWithIp(networkId: string, ip: string): Port | undefined {
    return [...this.state.ports.values()].find(
      (p) => p.networkId === networkId && p.fixedIps.some((f) => f.ipAddress === ip),
    );
  }

  portsOf(deviceId: string): Port[] {
    return [...this.state.ports.values()].filter((p) => p.deviceId === deviceId);
  }

  /** The next free address of the network's allocation pools, or undefined when they are full. */
  allocate(networkId: string): { subnetId: string; ipAddress: string } | undefined {
    for (const subnet of this.subnetsOf(networkId)) {
      for (const pool of subnet.allocationPools) {
        for (let n = ipToInt(pool.start)!; n <= ipToInt(pool.end)!; n++) {
          const ip = intToIp(n);
          if (!this.portWithIp(networkId, ip)) return { subnetId: subnet.id, ipAddress: ip };
        }
      }
    }
    return undefined;
  }

  /** A port for a server NIC (nova's allocate_for_instance), at `ip` or the next free address; undefined if none. */
  createServerPort(server: { id: string; projectId: string }, networkId: string, ip: string | null): Port | undefined {
    const fixed =
      ip === null ? this.allocate(networkId) : { subnetId: this.subnetFor(networkId, ip)!.id, ipAddress: ip };
    if (!fixed) return undefined;
    const now = Date.now();
    const port: Port = {
      id: newUuid(),
      name: '',
      networkId,
      projectId: server.projectId,
      mac: randomMac(),
      fixedIps: [fixed],
      deviceId: server.id,
      deviceOwner: 'compute:nova',
      createdAt: now,
      updatedAt: now,
    };
    this.state.ports.set(port.id, port);
    return port;
  }

  /** Deletes the ports of a server (nova deallocates them when the server is deleted or its build aborts). */
  releasePorts(deviceId: string): void {
    for (const port of this.portsOf(deviceId)) this.state.ports.delete(port.id);
  }
}
