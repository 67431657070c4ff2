// Seed 000's concurrency bug: concurrent VM creates were handed the same spare. Claims now
// lock in PostgreSQL (FOR UPDATE SKIP LOCKED). The control runs the seed's original pattern
// (read a free row, then mark it) on the same data and shows this test catches the bug.
import { afterAll, beforeAll, beforeEach, describe, expect, it, inject } from 'vitest';
import { claimSpareVolume } from '../../pool/claim';
import { createPrisma, type PrismaClient } from '../../prisma/client';
import { resetPoolTables } from './harness';

const CALLERS = 20;
const SPARES = 10;
const kind = { volumeType: 'sas', osName: 'Debian9 64bit' };
// One client per caller, as separate workers would be: real concurrent sessions.
let clients: PrismaClient[] = [];

beforeAll(() => {
  clients = Array.from({ length: CALLERS }, () => createPrisma(inject('databaseUrl')));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.$disconnect()));
});
beforeEach(async () => {
  await resetPoolTables(clients[0]!);
  await clients[0]!.spareVolume.createMany({
    data: Array.from({ length: SPARES }, (_, i) => ({
      name: `spare-claim-${i}`,
      volumeId: `vol-${i}`,
      ...kind,
      snapshotId: 'snap',
      status: 'available',
    })),
  });
});

/** The seed's first version: SELECT a free row, then UPDATE it, no lock. */
async function naiveClaim(prisma: PrismaClient, claimant: string) {
  const free = await prisma.spareVolume.findFirst({
    where: { ...kind, status: 'available', allocated: false },
    orderBy: { id: 'asc' },
  });
  if (!free) return null;
  await new Promise((r) => setTimeout(r, 5)); // the gap every request handler has between the two statements
  await prisma.spareVolume.update({ where: { id: free.id }, data: { allocated: true, claimedBy: claimant } });
  return free;
}

describe('claimSpareVolume', () => {
  it(
    `${CALLERS} concurrent claims on ${SPARES} spares ` + `→ exactly ${SPARES} distinct volumes, the rest get none`,
    async () => {
      const results = await Promise.all(clients.map((c, i) => claimSpareVolume(c, kind, `vm-${i}`)));
      const won = results.filter((r) => r !== null);
      expect(won).toHaveLength(SPARES);
      expect(new Set(won.map((r) => r!.volumeId)).size).toBe(SPARES);
      const rows = await clients[0]!.spareVolume.findMany({ where: { allocated: true } });
      expect(new Set(rows.map((r) => r.claimedBy)).size).toBe(SPARES);
    },
  );

  it('a retried claim by the same claimant returns the volume it already has', async () => {
    const first = await claimSpareVolume(clients[0]!, kind, 'vm-retry');
    const again = await claimSpareVolume(clients[1]!, kind, 'vm-retry');
    expect(again).toEqual(first);
    expect(await clients[0]!.spareVolume.count({ where: { allocated: true } })).toBe(1);
  });

  it('control: the unlocked read-then-update hands one volume to several callers', async () => {
    const results = await Promise.all(clients.map((c, i) => naiveClaim(c, `vm-${i}`)));
    const won = results.filter((r) => r !== null);
    const distinct = new Set(won.map((r) => r!.volumeId)).size;
    expect(won.length).toBeGreaterThan(distinct); // double allocation happened
  });
});
