// Claims per second of claimSpareVolume on a large table, many claimers at once, with the plans of
// its statements: the pool's hot path under contention, apart from the builds around it.
import { randomUUID } from 'node:crypto';
import { claimSpareVolume } from '../../pool/claim';
import type { Composition } from '../../bin/compose';
import { closedLoop } from './closed-loop';
import { startLoadProbe, type Watched } from './load-probe';
import { CLAIM_ROWS, CLAIM_SECONDS, CLAIMERS, VOLUME_TYPE } from './server-bench-config';

export type ClaimsReport = Awaited<ReturnType<typeof claimBench>>;

/**
 * claimSpareVolume against CLAIM_ROWS available spares of one kind, CLAIMERS at once, for CLAIM_SECONDS;
 * `watched`: the services whose CPU time the load report includes.
 */
export async function claimBench(c: Composition, watched: Record<string, Watched>) {
  const kind = { volumeType: VOLUME_TYPE, osName: 'Claim Bench OS' };
  const rows = Array.from({ length: CLAIM_ROWS }, (_, i) => ({
    name: `claim-bench-${i}`,
    volumeId: randomUUID(),
    volumeType: kind.volumeType,
    osName: kind.osName,
    snapshotId: 'claim-bench-snapshot',
    status: 'available',
  }));
  for (let i = 0; i < rows.length; i += 5000) await c.prisma.spareVolume.createMany({ data: rows.slice(i, i + 5000) });
  // What one claim costs the database: the plans of its two statements (the idempotency look-up by
  // claimant, the locked pick), then claims one after the other.
  const explain = async (sql: string) =>
    (await c.prisma.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN ANALYZE ${sql}`)).map((r) => r['QUERY PLAN']);
  const plans = {
    findByClaimant: await explain(`SELECT * FROM spare_volumes WHERE claimed_by = 'nobody' AND allocated LIMIT 1`),
    pickSpare: await explain(
      `SELECT id FROM spare_volumes WHERE volume_type = '${kind.volumeType}' AND os_name = '${kind.osName}' ` +
        `AND status = 'available' AND allocated = false AND volume_id IS NOT NULL ORDER BY created_at, id LIMIT 1 ` +
        'FOR UPDATE SKIP LOCKED',
    ),
  };
  const serial = await closedLoop(1, { seconds: 1, maxOps: 100 }, async () => {
    await claimSpareVolume(c.prisma, kind, `claim-bench-serial-${randomUUID()}`);
    return 0;
  });
  const serialMsPerClaim = Math.round((serial.seconds * 10000) / serial.ios) / 10;
  const volumeIds: string[] = [];
  let empty = 0;
  let n = 0;
  const probe = startLoadProbe(watched);
  const load = await closedLoop(CLAIMERS, { seconds: CLAIM_SECONDS, maxOps: CLAIM_ROWS }, async (caller) => {
    const claimed = await claimSpareVolume(c.prisma, kind, `claim-bench-${caller}-${n++}`);
    if (claimed) volumeIds.push(claimed.volumeId);
    else empty++;
    return 0;
  });
  const machine = probe.stop();
  const [db] = await c.prisma.$queryRaw<{ allocated: bigint; claimants: bigint }[]>`
    SELECT count(*) FILTER (WHERE allocated) AS allocated, count(DISTINCT claimed_by) AS claimants
    FROM spare_volumes WHERE os_name = ${kind.osName}`;
  await c.prisma.spareVolume.deleteMany({ where: { osName: kind.osName } });
  const claims = volumeIds.length;
  return {
    rows: CLAIM_ROWS,
    serialMsPerClaim,
    serialClaims: serial.ios,
    claimers: CLAIMERS,
    seconds: Math.round(load.seconds * 100) / 100,
    claims,
    claimsPerSecond: Math.round(claims / load.seconds),
    duplicateVolumes: claims - new Set(volumeIds).size,
    emptyAnswers: empty,
    rowsAllocatedInDb: Number(db.allocated),
    distinctClaimantsInDb: Number(db.claimants),
    dbConnections: 'node-postgres pool default (10), the client createPrisma gives the activities',
    plans,
    load: machine,
  };
}
