// Fixed IPs per managed network (seed 000's Fixed_ips table): addresses are rows, handed out by
// one atomic UPDATE over a row locked with FOR UPDATE SKIP LOCKED, so concurrent builds never get
// the same address and never wait on each other (seed 000's second concurrency bug).
import type { PrismaClient } from '../prisma/client';

/** The largest network registered address by address (a /16: 65,534 rows). */
export const MIN_PREFIX_LENGTH = 16;

export class FixedIpError extends Error {
  constructor(
    readonly code: 'invalid_cidr' | 'outside_network' | 'taken' | 'exhausted' | 'unknown_network',
    message: string,
  ) {
    super(message);
    this.name = 'FixedIpError';
  }
}

/** IPv4 dotted quad → 32-bit number; undefined when it is not one. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) < 256)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export const formatIpv4 = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');

export interface Cidr {
  network: number;
  prefixLength: number;
  /** Host addresses: the network and broadcast addresses excluded. */
  firstHost: number;
  lastHost: number;
}

export function parseCidr(cidr: string): Cidr {
  const [address, prefix] = cidr.split('/');
  const base = parseIpv4(address ?? '');
  const prefixLength = /^\d{1,2}$/.test(prefix ?? '') ? Number(prefix) : NaN;
  if (base === undefined || !(prefixLength >= MIN_PREFIX_LENGTH && prefixLength <= 30)) {
    throw new FixedIpError(
      'invalid_cidr',
      `${cidr} is not an IPv4 CIDR with a prefix from /${MIN_PREFIX_LENGTH} to /30`,
    );
  }
  const size = 2 ** (32 - prefixLength);
  const network = base - (base % size);
  if (network !== base)
    throw new FixedIpError('invalid_cidr', `${cidr} has host bits set (network ${formatIpv4(network)})`);
  return { network, prefixLength, firstHost: network + 1, lastHost: network + size - 2 };
}

export function contains(cidr: Cidr, address: string): boolean {
  const n = parseIpv4(address);
  return n !== undefined && n >= cidr.firstHost && n <= cidr.lastHost;
}

export interface NetworkRegistration {
  networkId: string;
  name: string;
  cidr: string;
  /** Addresses never handed out (the gateway, what the operator keeps). */
  reserved: string[];
  /** true: `reserved` is the whole list; false: added to those reserved before (kept across starts). */
  replaceReserved: boolean;
}

/**
 * Registers a network and its host addresses. Idempotent: addresses already there keep their
 * allocation; `reserved` is reserved (and, with `replaceReserved`, nothing else).
 */
export async function registerNetwork(prisma: PrismaClient, reg: NetworkRegistration): Promise<{ addresses: number }> {
  const cidr = parseCidr(reg.cidr);
  const outside = reg.reserved.find((a) => !contains(cidr, a));
  if (outside) throw new FixedIpError('outside_network', `reserved address ${outside} is not a host of ${reg.cidr}`);
  const reserved = new Set(reg.reserved);
  const rows: { networkId: string; address: string; reserved: boolean }[] = [];
  for (let n = cidr.firstHost; n <= cidr.lastHost; n++) {
    const address = formatIpv4(n);
    rows.push({ networkId: reg.networkId, address, reserved: reserved.has(address) });
  }
  await prisma.$transaction(async (tx) => {
    await tx.managedNetwork.upsert({
      where: { id: reg.networkId },
      create: { id: reg.networkId, name: reg.name, cidr: reg.cidr },
      update: { name: reg.name, cidr: reg.cidr },
    });
    await tx.fixedIp.createMany({ data: rows, skipDuplicates: true });
    if (reg.replaceReserved) {
      await tx.fixedIp.updateMany({ where: { networkId: reg.networkId }, data: { reserved: false } });
    }
    await tx.fixedIp.updateMany({
      where: { networkId: reg.networkId, address: { in: reg.reserved } },
      data: { reserved: true },
    });
  });
  return { addresses: rows.length };
}

export interface FixedIpRequest {
  networkId: string;
  /** Who holds it: the build id. */
  holder: string;
  /** A specific address, or any free one. */
  address?: string;
}

/**
 * Gives one free, unreserved address of the network to `holder`. Idempotent per holder and
 * network: a retried activity gets the address it already holds. `locking: false` is the seed's
 * unlocked read-then-update, kept only so a test can show the concurrency check catches it.
 */
export async function allocateFixedIp(
  prisma: PrismaClient,
  req: FixedIpRequest,
  opts: { locking?: boolean } = {},
): Promise<string> {
  const held = await prisma.fixedIp.findFirst({ where: { networkId: req.networkId, allocatedTo: req.holder } });
  if (held) return held.address;
  const network = await prisma.managedNetwork.findUnique({ where: { id: req.networkId } });
  if (!network) throw new FixedIpError('unknown_network', `network ${req.networkId} is not managed by blockflow`);
  if (req.address !== undefined && !contains(parseCidr(network.cidr), req.address)) {
    throw new FixedIpError(
      'outside_network',
      `${req.address} is not a host address of ${network.name} (${network.cidr})`,
    );
  }
  const address = opts.locking === false ? await allocateUnlocked(prisma, req) : await allocateLocked(prisma, req);
  if (address) return address;
  throw req.address !== undefined
    ? new FixedIpError('taken', `${req.address} is already in use or reserved on ${network.name}`)
    : new FixedIpError('exhausted', `no free address left on ${network.name} (${network.cidr})`);
}

async function allocateLocked(prisma: PrismaClient, req: FixedIpRequest): Promise<string | undefined> {
  const wanted = req.address ?? null;
  const rows = await prisma.$queryRaw<{ address: string }[]>`
    UPDATE fixed_ips SET allocated = true, allocated_to = ${req.holder}, allocated_at = now()
    WHERE (network_id, address) = (
      SELECT network_id, address FROM fixed_ips
      WHERE network_id = ${req.networkId} AND allocated = false AND reserved = false
        AND (${wanted}::text IS NULL OR address = ${wanted}::text)
      ORDER BY address::inet
      LIMIT 1
      FOR UPDATE SKIP LOCKED)
    RETURNING address`;
  return rows[0]?.address;
}

async function allocateUnlocked(prisma: PrismaClient, req: FixedIpRequest): Promise<string | undefined> {
  const free = await prisma.fixedIp.findFirst({
    where: {
      networkId: req.networkId,
      allocated: false,
      reserved: false,
      ...(req.address ? { address: req.address } : {}),
    },
    orderBy: { address: 'asc' },
  });
  if (!free) return undefined;
  await prisma.fixedIp.update({
    where: { networkId_address: { networkId: req.networkId, address: free.address } },
    data: { allocated: true, allocatedTo: req.holder, allocatedAt: new Date() },
  });
  return free.address;
}

/** Frees every address `holder` holds. Idempotent. */
export async function releaseFixedIps(prisma: PrismaClient, holder: string): Promise<number> {
  const { count } = await prisma.fixedIp.updateMany({
    where: { allocatedTo: holder },
    data: { allocated: false, allocatedTo: null, allocatedAt: null },
  });
  return count;
}
