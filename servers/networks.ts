// Registering a Neutron network for fixed-IP allocation: find it by id or name among the admin
// project's shared networks (servers of every project boot on it, and a tenant may name a network
// of its own like it), take its IPv4 subnet's CIDR, reserve the gateway and the addresses the
// operator keeps, fill the table, and give back addresses set aside for ports that are gone.
import type { ProjectClients } from '../openstack/cloud';
import type { Network } from '../openstack/neutron';
import type { PrismaClient } from '../prisma/client';
import { releaseVacatedAddresses } from './address-grant';
import { registerNetwork } from './fixed-ips';

export class UnknownNetworkError extends Error {
  override name = 'UnknownNetworkError';
}

export interface ManagedNetworkRef {
  id: string;
  name: string;
  cidr: string;
}

/**
 * Idempotent. `reserved`: the addresses kept back besides the gateway, replacing those reserved
 * before; omitted, those reserved before stay (start-up, a registration that names none).
 * Throws UnknownNetworkError (no such shared network of the admin project, or no IPv4 subnet) or FixedIpError.
 */
export async function manageNetwork(
  prisma: PrismaClient,
  admin: ProjectClients,
  ref: string,
  reserved?: string[],
): Promise<ManagedNetworkRef> {
  const network = await findAdminSharedNetwork(admin, ref);
  const subnet = (await admin.neutron.listSubnets({ networkId: network.id })).find((s) => s.ip_version === 4);
  if (!subnet) throw new UnknownNetworkError(`${network.name} has no IPv4 subnet`);
  const gateway = subnet.gateway_ip ? [subnet.gateway_ip] : [];
  await registerNetwork(prisma, {
    networkId: network.id,
    name: network.name,
    cidr: subnet.cidr,
    reserved: [...new Set([...gateway, ...(reserved ?? [])])],
    replaceReserved: reserved !== undefined,
  });
  await releaseVacatedAddresses(prisma, admin, network.id, { olderThanMs: 0 });
  return { id: network.id, name: network.name, cidr: subnet.cidr };
}

/** By id, or by a name no other shared network of the admin project has. */
async function findAdminSharedNetwork(admin: ProjectClients, ref: string): Promise<Network> {
  const [networks, { projectId }] = await Promise.all([admin.neutron.listNetworks(), admin.session.authenticate()]);
  const candidates = networks.filter((n) => n.shared && n.project_id === projectId);
  const byName = candidates.filter((n) => n.name === ref);
  const found = candidates.find((n) => n.id === ref) ?? (byName.length === 1 ? byName[0] : undefined);
  if (found) return found;
  if (byName.length > 1) {
    throw new UnknownNetworkError(
      `${byName.length} shared networks of the admin project are named "${ref}": give the id`,
    );
  }
  throw new UnknownNetworkError(
    networks.some((n) => n.id === ref || n.name === ref)
      ? `network "${ref}" is not a shared network of the admin project (servers of every project boot on it)`
      : `no Neutron network "${ref}"`,
  );
}
