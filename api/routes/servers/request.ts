// What a server request names, checked against what exists before anything starts: the OS and
// volume type in the pool's catalog (with a snapshot), the flavor in Nova, the network among the
// ones blockflow manages, the fixed IP inside it and free. Each refusal names its field.
import type { PrismaClient } from '../../../prisma/client';
import type { FlavorCatalog } from './flavor-catalog';
import { contains, parseCidr } from '../../../servers/fixed-ips';
import type { BuildRequest } from '../../../servers/builds';
import { invalidRequest, type Problem } from '../../problem';
import type { ServerRequest } from './schemas';

export interface ResolvedRequest extends BuildRequest {
  snapshotId: string;
  sizeGb: number;
}

export async function resolveServerRequest(
  deps: { prisma: PrismaClient; flavors: FlavorCatalog },
  body: ServerRequest,
): Promise<ResolvedRequest | Problem> {
  const { prisma, flavors } = deps;
  // Everything looked up at once (one round of latency), then checked in the order of the fields.
  const [policies, image, flavor, networks] = await Promise.all([
    prisma.poolPolicy.findMany({ where: { OR: [{ osName: body.osName }, { volumeType: body.volumeType }] } }),
    prisma.osImage.findUnique({ where: { osName_volumeType: { osName: body.osName, volumeType: body.volumeType } } }),
    flavors.find(body.flavor),
    prisma.managedNetwork.findMany(),
  ]);
  if (!policies.some((p) => p.osName === body.osName)) {
    return invalidRequest('osName', `unknown OS "${body.osName}" (GET /v1/pool/catalog lists them)`);
  }
  if (!policies.some((p) => p.volumeType === body.volumeType)) {
    return invalidRequest('volumeType', `unknown volume type "${body.volumeType}"`);
  }
  const policy = policies.find((p) => p.osName === body.osName && p.volumeType === body.volumeType);
  if (policy && !policy.enabled)
    return invalidRequest('osName', `${body.osName} on ${body.volumeType} is disabled by the operator`);
  if (!image)
    return invalidRequest('osName', `${body.osName} has no image snapshot for volume type ${body.volumeType}`);

  if (!flavor) return invalidRequest('flavor', `unknown flavor "${body.flavor}"`);

  const network = body.network
    ? (networks.find((n) => n.id === body.network) ?? networks.find((n) => n.name === body.network))
    : networks.length === 1
      ? networks[0]
      : undefined;
  if (!network) {
    return body.network
      ? invalidRequest('network', `unknown network "${body.network}" (GET /v1/networks lists the managed ones)`)
      : invalidRequest('network', `required: blockflow manages ${networks.length} networks`);
  }
  if (body.fixedIp !== undefined) {
    if (!contains(parseCidr(network.cidr), body.fixedIp)) {
      return invalidRequest('fixedIp', `${body.fixedIp} is outside ${network.name} (${network.cidr})`);
    }
    const row = await prisma.fixedIp.findUnique({
      where: { networkId_address: { networkId: network.id, address: body.fixedIp } },
    });
    if (!row || row.allocated || row.reserved)
      return invalidRequest('fixedIp', `${body.fixedIp} is in use or reserved`);
  }
  return {
    name: body.name,
    osName: body.osName,
    volumeType: body.volumeType,
    flavorId: flavor.id,
    swapGb: body.swapGb,
    dataGb: body.dataGb,
    networkId: network.id,
    fixedIp: body.fixedIp,
    snapshotId: image.snapshotId,
    sizeGb: image.sizeGb,
  };
}

export const isProblem = <T extends object>(value: T | Problem): value is Problem => 'error' in value;
