// Booting the server from its volumes (Nova block_device_mapping_v2): the system disk at boot
// index 0, swap and data as non-boot devices, every one delete_on_termination (seed 001:
// deleting the server takes its volumes), the allocated fixed IP on the managed network.
import type { ProjectClients } from '../openstack/cloud';
import { NotFoundError } from '../openstack/errors';
import { BUILD_METADATA_KEY } from './tenant-disks';

export interface BootRequest {
  buildId: string;
  name: string;
  flavorId: string;
  systemVolumeId: string;
  /** Non-boot volumes in order (swap, then data). */
  extraVolumeIds: string[];
  networkId: string;
  address: string;
}

/** The server this build made, found by its name and the build's metadata. */
export async function findServerOf(tenant: ProjectClients, req: { buildId: string; name: string }) {
  const mine = (await tenant.nova.listServers(req.name)).find((s) => s.metadata?.[BUILD_METADATA_KEY] === req.buildId);
  return mine?.id ?? null;
}

/**
 * Creates the server unless this build already did. `mayGrant` (the build's fence check, run
 * alongside the look-up) must pass first.
 */
export async function ensureServer(
  tenant: ProjectClients,
  req: BootRequest,
  mayGrant: Promise<unknown> = Promise.resolve(),
): Promise<{ serverId: string }> {
  const [mine] = await Promise.all([findServerOf(tenant, req), mayGrant]);
  if (mine) return { serverId: mine };
  const created = await tenant.nova.createServer({
    name: req.name,
    flavorRef: req.flavorId,
    metadata: { [BUILD_METADATA_KEY]: req.buildId },
    blockDevices: [
      { volumeId: req.systemVolumeId, bootIndex: 0, deleteOnTermination: true },
      ...req.extraVolumeIds.map((volumeId) => ({ volumeId, bootIndex: null, deleteOnTermination: true })),
    ],
    networks: [{ uuid: req.networkId, fixedIp: req.address }],
  });
  return { serverId: created.id };
}

export interface ServerObservation {
  /** Nova's status, or `gone` once the server no longer exists. */
  status: string;
  fault?: string;
}

export async function observeServer(tenant: ProjectClients, serverId: string): Promise<ServerObservation> {
  try {
    const server = await tenant.nova.getServer(serverId);
    return server.fault ? { status: server.status, fault: server.fault.message } : { status: server.status };
  } catch (err) {
    if (err instanceof NotFoundError) return { status: 'gone' };
    throw err;
  }
}

/** Asks Nova to delete the server; one already gone is fine. */
export async function requestServerDelete(tenant: ProjectClients, serverId: string): Promise<void> {
  await tenant.nova.deleteServer(serverId).catch((err: unknown) => {
    if (!(err instanceof NotFoundError)) throw err;
  });
}
