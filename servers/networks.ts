// Registering a Neutron network for fixed-IP allocation: find it by id or name, take its IPv4
// subnet's CIDR, reserve the gateway and the addresses the operator keeps, fill the table.
import type { ProjectClients } from '../openstack/cloud';
import type { PrismaClient } from '../prisma/client';
import { registerNetwork } from './fixed-ips';

export class UnknownNetworkError extends Error {
  override name = 'UnknownNetworkError';
}

export interface ManagedNetworkRef {
  id: string;
  name: string;
  cidr: string;
}

/** Idempotent. Throws UnknownNetworkError (no such network, or no IPv4 subnet) or FixedIpError. */
export async function manageNetwork(
  prisma: PrismaClient,
  admin: ProjectClients,
  ref: string,
  reserved: string[] = [],
): Promise<ManagedNetworkRef> {
  const networks = await admin.neutron.listNetworks();
  const network = networks.find((n) => n.id === ref) ?? networks.find((n) => n.name === ref);
  if (!network) throw new UnknownNetworkError(`no Neutron network "${ref}"`);
  const subnet = (await admin.neutron.listSubnets({ networkId: network.id })).find((s) => s.ip_version === 4);
  if (!subnet) throw new UnknownNetworkError(`${network.name} has no IPv4 subnet`);
  const keep = [...new Set([...(subnet.gateway_ip ? [subnet.gateway_ip] : []), ...reserved])];
  await registerNetwork(prisma, { networkId: network.id, name: network.name, cidr: subnet.cidr, reserved: keep });
  return { id: network.id, name: network.name, cidr: subnet.cidr };
}
