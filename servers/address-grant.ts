// An address for a build, checked against Neutron before the build may use it. blockflow's
// fixed_ips table knows the addresses it handed out, not the ports made outside it (an operator's
// VM, another tool): such a port makes the boot fail on the compute node (seen on the real Nova +
// Neutron: 202, then ERROR "Exceeded maximum number of retries"), and after the undo released
// the address the next build would take it again and fail the same way. So a freshly granted
// address is looked up among Neutron's ports; one held there is set aside for that port (holder
// `neutron-port:<id>`, never handed out while it stays so) and the next free one is taken.
// A set-aside address is given back once no port holds it: grants look again at those not looked
// at for a minute, a grant that finds nothing free looks at all of them first, and so does every
// registration of the network (start-up, POST /v1/networks).
import type { ProjectClients } from '../openstack/cloud';
import type { PrismaClient } from '../prisma/client';
import { allocateFixedIp, FixedIpError, type FixedIpRequest } from './fixed-ips';
import { underFence } from './build-fence';

/** How many addresses held outside blockflow one grant steps over before it gives up. */
const MAX_FOREIGN_STEPS = 8;

export const FOREIGN_PORT_HOLDER_PREFIX = 'neutron-port:';

/** How long a set-aside address stays so before a grant looks again whether a port still holds it. */
export const SET_ASIDE_RECHECK_MS = 60_000;

/** Neutron lookups of set-aside addresses in flight at once. */
const RECHECK_CONCURRENCY = 8;

/**
 * Grants `req.holder` an address no port in Neutron holds. Idempotent per holder: an address the
 * holder already has is returned as it is (the build's own server may hold its port by now).
 * Concurrency: each grant is one fenced transaction (servers/build-fence); the Neutron lookups
 * run outside it, and setting an address aside or giving it back touches only a row whose holder
 * is still the one looked at (the build's own, or the port's).
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
    const address = await allocateOrReclaim(prisma, admin, req, opts);
    const [[port]] = await Promise.all([
      admin.neutron.listPorts({ networkId: req.networkId, fixedIp: address }),
      step === 0 ? recheckBeside(prisma, admin, req.networkId) : undefined,
    ]);
    if (!port) return address;
    await prisma.fixedIp.updateMany({
      where: { networkId: req.networkId, address, allocatedTo: req.holder },
      data: { allocatedTo: `${FOREIGN_PORT_HOLDER_PREFIX}${port.id}`, allocatedAt: new Date() },
    });
    if (req.address !== undefined || step + 1 >= MAX_FOREIGN_STEPS) {
      throw new FixedIpError('taken', `${address} is held in Neutron by port ${port.id}, made outside blockflow`);
    }
  }
}

/**
 * Gives back the network's set-aside addresses no port holds any more, of those last looked at
 * `olderThanMs` ago or earlier (0: all). Each row is claimed for the look by stamping it
 * (allocated_at: the last look), so concurrent callers look at different rows. Returns how many
 * were given back. A port id is never reused, and an address given back is looked up in Neutron
 * again by the grant that takes it, so a port made on it meanwhile is caught there.
 */
export async function releaseVacatedAddresses(
  prisma: PrismaClient,
  admin: ProjectClients,
  networkId: string,
  opts: { olderThanMs: number },
): Promise<number> {
  const rows = await prisma.$queryRaw<{ address: string; holder: string }[]>`
    UPDATE fixed_ips SET allocated_at = now()
    WHERE network_id = ${networkId} AND allocated AND allocated_to LIKE ${`${FOREIGN_PORT_HOLDER_PREFIX}%`}
      AND (allocated_at IS NULL
        OR allocated_at <= now() - ${opts.olderThanMs}::double precision * interval '1 millisecond')
    RETURNING address, allocated_to AS holder`;
  let released = 0;
  for (let i = 0; i < rows.length; i += RECHECK_CONCURRENCY) {
    const counts = await Promise.all(
      rows.slice(i, i + RECHECK_CONCURRENCY).map(async ({ address, holder }) => {
        if ((await admin.neutron.listPorts({ networkId, fixedIp: address })).length) return 0;
        const { count } = await prisma.fixedIp.updateMany({
          where: { networkId, address, allocatedTo: holder },
          data: { allocated: false, allocatedTo: null, allocatedAt: null },
        });
        return count;
      }),
    );
    released += counts.reduce((a, b) => a + b, 0);
  }
  return released;
}

/**
 * The grant; when nothing is free (or the address asked for is not), the set-aside addresses
 * whose port is gone are given back first, and the grant is tried once more.
 */
async function allocateOrReclaim(
  prisma: PrismaClient,
  admin: ProjectClients,
  req: FixedIpRequest,
  opts: { locking: boolean },
): Promise<string> {
  const grant = () => underFence(prisma, req.holder, (tx) => allocateFixedIp(tx, req, opts));
  try {
    return await grant();
  } catch (err) {
    const refused = err instanceof FixedIpError && (err.code === 'exhausted' || err.code === 'taken');
    if (!refused || !(await releaseVacatedAddresses(prisma, admin, req.networkId, { olderThanMs: 0 }))) throw err;
    return grant();
  }
}

/**
 * The periodic look, beside the grant's own lookup (no added wait unless it is slower). Its
 * failure does not fail the grant, which does not depend on it: the rows it claimed are looked
 * at again after the next interval.
 */
async function recheckBeside(prisma: PrismaClient, admin: ProjectClients, networkId: string): Promise<void> {
  await releaseVacatedAddresses(prisma, admin, networkId, { olderThanMs: SET_ASIDE_RECHECK_MS }).catch(() => 0);
}
