// An address for a build, checked against Neutron before the build may use it. blockflow's
// fixed_ips table knows the addresses it handed out, not the ports made outside it (an operator's
// VM, another tool): such a port makes the boot fail on the compute node (seen on the real Nova +
// Neutron: 202, then ERROR "Exceeded maximum number of retries"), and after the undo released
// the address the next build would take it again and fail the same way. So a freshly granted
// address is looked up among Neutron's ports; one held there is set aside for that port (holder
// `neutron-port:<id>`, never handed out while it stays so) and the next free one is taken.
import type { ProjectClients } from '../openstack/cloud';
import type { PrismaClient } from '../prisma/client';
import { allocateFixedIp, FixedIpError, type FixedIpRequest } from './fixed-ips';
import { underFence } from './build-fence';

/** How many addresses held outside blockflow one grant steps over before it gives up. */
const MAX_FOREIGN_STEPS = 8;

export const FOREIGN_PORT_HOLDER_PREFIX = 'neutron-port:';

/**
 * Grants `req.holder` an address no port in Neutron holds. Idempotent per holder: an address the
 * holder already has is returned as it is (the build's own server may hold its port by now).
 * Concurrency: each grant is one fenced transaction (servers/build-fence); the Neutron lookup
 * runs outside it, and setting an address aside touches only a row this holder holds.
 */
export async function grantCheckedAddress(
  prisma: PrismaClient,
  admin: ProjectClients,
  req: FixedIpRequest,
  opts: { locking: boolean },
): Promise<string> {
  const held = await prisma.fixedIp.findFirst({ where: { networkId: req.networkId, allocatedTo: req.holder } });
  if (held) return held.address;
  for (let step = 0; ; step++) {
    const address = await underFence(prisma, req.holder, (tx) => allocateFixedIp(tx, req, opts));
    const [port] = await admin.neutron.listPorts({ networkId: req.networkId, fixedIp: address });
    if (!port) return address;
    await prisma.fixedIp.updateMany({
      where: { networkId: req.networkId, address, allocatedTo: req.holder },
      data: { allocatedTo: `${FOREIGN_PORT_HOLDER_PREFIX}${port.id}` },
    });
    if (req.address !== undefined || step + 1 >= MAX_FOREIGN_STEPS) {
      throw new FixedIpError('taken', `${address} is held in Neutron by port ${port.id}, made outside blockflow`);
    }
  }
}
