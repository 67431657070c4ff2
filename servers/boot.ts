// Booting the server from its volumes (Nova block_device_mapping_v2): the system disk at boot
// index 0, swap and data as non-boot devices, each delete_on_termination (seed 001: deleting the
// server takes its volumes) except a system disk the build reused (the tenant's own: it outlives
// the server, whether the boot fails or the server is deleted), the allocated fixed IP on the
// managed network.
import type { PrismaClient } from '../prisma/client';
import type { ProjectClients } from '../openstack/cloud';
import { NotFoundError } from '../openstack/errors';
import { BuildUndoneError } from './build-fence';
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

export interface BootGrant {
  /** The system disk was handed to the build (pool spare or built on demand), not reused. */
  ownsSystemDisk: boolean;
}

/**
 * What the build may boot with, from PostgreSQL in one round trip: throws BuildUndoneError once its
 * undo began (servers/build-fence); it owns the system disk only if it was handed that volume.
 */
export async function bootGrant(prisma: PrismaClient, buildId: string, systemVolumeId: string): Promise<BootGrant> {
  const [row] = await prisma.$queryRaw<{ fenced: boolean; handed: string | null }[]>`
    SELECT b.undo_started_at IS NOT NULL AS fenced, h.volume_id AS handed
    FROM server_builds b LEFT JOIN system_disk_handouts h ON h.build_id = b.id
    WHERE b.id = ${buildId}`;
  if (row?.fenced) throw new BuildUndoneError(`build ${buildId} is being undone: it makes nothing more`);
  return { ownsSystemDisk: row?.handed === systemVolumeId };
}

/**
 * Creates the server unless this build already did. `grant` (run alongside the look-up) must pass
 * first; it says whether the system disk goes with the server.
 */
export async function ensureServer(
  tenant: ProjectClients,
  req: BootRequest,
  grant: Promise<BootGrant>,
): Promise<{ serverId: string }> {
  const [mine, { ownsSystemDisk }] = await Promise.all([findServerOf(tenant, req), grant]);
  if (mine) return { serverId: mine };
  const created = await tenant.nova.createServer({
    name: req.name,
    flavorRef: req.flavorId,
    metadata: { [BUILD_METADATA_KEY]: req.buildId },
    blockDevices: [
      { volumeId: req.systemVolumeId, bootIndex: 0, deleteOnTermination: ownsSystemDisk },
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
