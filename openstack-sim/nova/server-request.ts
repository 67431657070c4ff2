import { z } from 'zod';
import { canSee } from '../auth';
import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext } from '../env';
import { fault } from '../errors';
import type { ApiVersion } from '../microversion';
import type { ServerVolume } from '../state';
import { repr } from '../validation';
import { findFlavor } from './flavors';
import { RESCHEDULED_BUILD } from './server-lifecycle';

// nova accepts integers and booleans also as strings ("0", "True").
const IntLike = z.preprocess(
  (v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v),
  z.number().int().nullish(),
);
const BoolLike = z.preprocess(
  (v) => (typeof v === 'string' && /^(true|false)$/i.test(v) ? v.toLowerCase() === 'true' : v),
  z.boolean().nullish(),
);

const BlockDevice = z.object({
  source_type: z.enum(['volume', 'image', 'snapshot', 'blank']),
  destination_type: z.enum(['volume', 'local']).nullish(),
  uuid: z.string().nullish(),
  boot_index: IntLike,
  delete_on_termination: BoolLike,
});

const Network = z.object({
  uuid: z.string().nullish(),
  fixed_ip: z.ipv4().nullish(),
  port: z.string().nullish(),
});

export const CreateServer = z.object({
  server: z.object({
    name: z.string().min(1).max(255),
    flavorRef: z.union([z.string().min(1), z.number().int()]),
    imageRef: z.string().nullish(),
    block_device_mapping_v2: z.array(BlockDevice).nullish(),
    networks: z.union([z.array(Network), z.enum(['auto', 'none'])]).nullish(),
    metadata: z.record(z.string().max(255), z.string().max(255)).nullish(),
  }),
});
type CreateServerRequest = z.output<typeof CreateServer>['server'];

/** A NIC the build will make a port for: at `fixedIp`, or the next free address when null. */
export interface PlannedNic {
  networkId: string;
  fixedIp: string | null;
}

export interface BuildPlan {
  flavorId: string;
  nics: PlannedNic[];
  volumes: ServerVolume[];
  /** Set when the compute node will abort the build: nova's API cannot know, and answers 202. */
  buildFailure?: string;
}

const invalidBdm = (detail: string) => fault.badRequest(`Block Device Mapping is Invalid: ${detail}`);

/**
 * nova's validate_networks against neutron: the network must be visible and have a subnet, a requested
 * fixed IP must be free. An address outside the network's subnets passes here (neutron is asked only
 * whether a port holds it); the port create on the compute node fails, so the build does.
 */
function planNics(cloud: SimulatedCloud, auth: AuthContext, req: CreateServerRequest, version: ApiVersion) {
  if (req.networks === undefined || req.networks === null) {
    if (version.atLeast('2.37')) {
      throw fault.badRequest(
        `Invalid input for field/attribute server. Value: ${repr(req)}. 'networks' is a required property`,
      );
    }
    return { nics: [] };
  }
  if (req.networks === 'none') return { nics: [] };
  const requested =
    req.networks === 'auto' ? [{ uuid: cloud.options.networks[0]?.id, fixed_ip: null, port: null }] : req.networks;
  const nics: PlannedNic[] = [];
  let buildFailure: string | undefined;
  const asked = new Set<string>();
  for (const net of requested) {
    if (net.port) throw fault.badRequest(`Port ${net.port} could not be found.`);
    const networkId = net.uuid ?? '';
    if (!cloud.networking.visibleNetwork(auth, networkId)) {
      throw fault.badRequest(`Network ${networkId} could not be found.`);
    }
    if (!cloud.networking.subnetsOf(networkId).length) {
      throw fault.badRequest(`Network ${networkId} requires a subnet in order to boot instances on.`);
    }
    const ip = net.fixed_ip ?? null;
    if (ip !== null) {
      // nova asks neutron, as the caller, for a port holding the address and names its device (a server's
      // id; empty for a port of no server). A port the caller cannot see is not found here (nova 26).
      const holder = cloud.networking.portWithIp(networkId, ip);
      const seen = holder && (auth.isAdmin || holder.projectId === auth.projectId) ? holder : undefined;
      if (seen || asked.has(`${networkId}/${ip}`)) {
        throw fault.badRequest(`Fixed IP address ${ip} is already in use on instance ${seen?.deviceId ?? ''}.`);
      }
      asked.add(`${networkId}/${ip}`);
      // Held by a port the caller cannot see: neutron refuses the compute node's port create (409), which
      // nova reschedules rather than aborts.
      if (holder) buildFailure ??= RESCHEDULED_BUILD;
      if (!cloud.networking.subnetFor(networkId, ip)) {
        buildFailure ??= `Invalid input received: Fixed IP ${ip} is not a valid ip address for network ${networkId}.`;
      }
    }
    nics.push({ networkId, fixedIp: ip });
  }
  return { nics, buildFailure };
}

/** Boot-from-volume mappings: each volume visible to the caller, `available`, and used once; the boot one bootable. */
function planVolumes(cloud: SimulatedCloud, auth: AuthContext, req: CreateServerRequest): ServerVolume[] {
  if (req.imageRef) throw fault.badRequest(`Image ${req.imageRef} could not be found.`);
  const mappings = req.block_device_mapping_v2 ?? [];
  const seen = new Set<string>();
  const volumes = mappings.map((bdm) => {
    if (bdm.source_type !== 'volume' || (bdm.destination_type ?? 'volume') !== 'volume') {
      throw invalidBdm('only source_type=volume, destination_type=volume mappings are supported (no image service).');
    }
    if (!bdm.uuid) throw invalidBdm('Missing device UUID.');
    const volume = cloud.state.volumes.get(bdm.uuid);
    if (!volume || !canSee(auth, volume.projectId)) throw invalidBdm(`failed to get volume ${bdm.uuid}.`);
    if (seen.has(volume.id) || volume.status !== 'available') {
      const status = seen.has(volume.id) ? 'reserved' : volume.status;
      throw fault.badRequest(
        `Invalid volume: volume '${volume.id}' status must be 'available'. Currently in '${status}'`,
      );
    }
    seen.add(volume.id);
    return {
      volumeId: volume.id,
      bootIndex: bdm.boot_index ?? null,
      deleteOnTermination: bdm.delete_on_termination ?? false,
    };
  });
  const boot = volumes.find((v) => v.bootIndex === 0);
  if (!boot) {
    throw invalidBdm('Boot sequence for the instance and image/block device mapping combination is not valid.');
  }
  // nova reads the boot volume's image metadata and refuses one cinder does not call bootable.
  if (!cloud.state.volumes.get(boot.volumeId)?.bootable) {
    throw fault.badRequest(`Block Device ${boot.volumeId} is not bootable.`);
  }
  // Devices are assigned in boot order; mappings without a boot index come last.
  const rank = (v: ServerVolume) => (v.bootIndex === null || v.bootIndex < 0 ? Number.MAX_SAFE_INTEGER : v.bootIndex);
  return volumes.sort((a, b) => rank(a) - rank(b));
}

/** Everything nova checks synchronously before answering 202, in nova's order and words. */
export function planBuild(
  cloud: SimulatedCloud,
  auth: AuthContext,
  req: CreateServerRequest,
  version: ApiVersion,
): BuildPlan {
  const flavor = findFlavor(req.flavorRef);
  if (!flavor) throw fault.badRequest('Invalid flavorRef provided.');
  const volumes = planVolumes(cloud, auth, req);
  const { nics, buildFailure } = planNics(cloud, auth, req, version);
  return { flavorId: flavor.id, nics, volumes, buildFailure };
}
