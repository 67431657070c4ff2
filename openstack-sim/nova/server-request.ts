import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { canSee } from '../auth';
import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext } from '../env';
import { fault } from '../errors';
import type { ApiVersion } from '../microversion';
import type { ServerNic, ServerVolume } from '../state';
import { findFlavor } from './flavors';

// nova accepts integers and booleans also as strings ("0", "True").
const IntLike = z.preprocess((v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v), z.number().int().nullish());
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

export interface BuildPlan {
  flavorId: string;
  nics: ServerNic[];
  volumes: ServerVolume[];
}

const invalidBdm = (detail: string) => fault.badRequest(`Block Device Mapping is Invalid: ${detail}`);

/** The fixed IPs held by servers that still exist (a deleting server keeps its port until it is gone). */
function ipsInUse(cloud: SimulatedCloud): Map<string, string> {
  const used = new Map<string, string>();
  for (const server of cloud.state.servers.values()) for (const nic of server.nics) used.set(`${nic.networkId}/${nic.fixedIp}`, server.id);
  return used;
}

/** Next free address in the network's 10.0.0.0/16 (neutron's allocation, simplified). */
function allocateIp(used: Map<string, string>, networkId: string): string {
  for (let i = 10; i < 65_000; i++) {
    const ip = `10.0.${i >> 8}.${i & 255}`;
    if (!used.has(`${networkId}/${ip}`)) return ip;
  }
  throw fault.badRequest(`No more fixed IPs available on network ${networkId}.`);
}

const randomMac = () => `fa:16:3e:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;

/** nova's validate_networks: networks must exist; a requested fixed IP must be free (400 FixedIpAlreadyInUse). */
function planNics(cloud: SimulatedCloud, req: CreateServerRequest, version: ApiVersion): ServerNic[] {
  if (req.networks === undefined || req.networks === null) {
    if (version.atLeast('2.37')) {
      throw fault.badRequest(`Invalid input for field/attribute server. Value: ${JSON.stringify(req)}. 'networks' is a required property`);
    }
    return [];
  }
  if (req.networks === 'none') return [];
  const used = ipsInUse(cloud);
  const requested = req.networks === 'auto' ? [{ uuid: cloud.options.networks[0]?.id, fixed_ip: undefined, port: undefined }] : req.networks;
  return requested.map((net) => {
    if (net.port) throw fault.badRequest(`Port ${net.port} could not be found.`);
    const networkId = net.uuid ?? '';
    if (!cloud.options.networks.some((n) => n.id === networkId)) throw fault.badRequest(`Network ${networkId} could not be found.`);
    const ip = net.fixed_ip ?? allocateIp(used, networkId);
    const holder = used.get(`${networkId}/${ip}`);
    if (holder) throw fault.badRequest(`Fixed IP address ${ip} is already in use on instance ${holder}.`);
    used.set(`${networkId}/${ip}`, 'this request');
    return { networkId, fixedIp: ip, mac: randomMac() };
  });
}

/** Boot-from-volume mappings: each volume visible to the caller, `available`, and used once. */
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
      throw fault.badRequest(`Invalid volume: volume '${volume.id}' status must be 'available'. Currently in '${status}'`);
    }
    seen.add(volume.id);
    return { volumeId: volume.id, bootIndex: bdm.boot_index ?? null, deleteOnTermination: bdm.delete_on_termination ?? false };
  });
  if (!volumes.some((v) => v.bootIndex === 0)) {
    throw invalidBdm('Boot sequence for the instance and image/block device mapping combination is not valid.');
  }
  // Devices are assigned in boot order; mappings without a boot index come last.
  const rank = (v: ServerVolume) => (v.bootIndex === null || v.bootIndex < 0 ? Number.MAX_SAFE_INTEGER : v.bootIndex);
  return volumes.sort((a, b) => rank(a) - rank(b));
}

/** Everything nova checks synchronously before answering 202, in nova's order and words. */
export function planBuild(cloud: SimulatedCloud, auth: AuthContext, req: CreateServerRequest, version: ApiVersion): BuildPlan {
  const flavor = findFlavor(req.flavorRef);
  if (!flavor) throw fault.badRequest('Invalid flavorRef provided.');
  const volumes = planVolumes(cloud, auth, req);
  const nics = planNics(cloud, req, version);
  return { flavorId: flavor.id, nics, volumes };
}
