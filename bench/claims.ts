// Benchmark (not a test): the pool under load, on a real PostgreSQL (and the simulator for reconcile).
//  1. Claims at a fixed rate (open loop: sent on a clock, not after the previous answer) against a
//     pool of CLAIM_ROWS available spares of one kind (every claimer contends for the same rows):
//     claims answered per second, latency, duplicates (a volume handed out twice), empty answers.
//  2. A reconcile pass against RECONCILE_ROWS rows with their volumes in the simulated Cinder: the
//     first pass (every row `creating` → `available`) and a steady pass (nothing to change).
// Prints the figures; writes bench/results/claims.json.
//
//   node --import tsx bench/claims.ts [--rate 1000] [--seconds 30] [--rows 30000] [--reconcile-rows 10000]
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startEphemeralServices } from '../infra/ephemeral';
import { createPrisma, type PrismaClient } from '../prisma/client';
import { claimSpareVolume } from '../pool/claim';
import { reconcileSpareVolumes } from '../pool/reconcile';
import { SPARE_METADATA } from '../pool/create-spare';
import { startSimulator } from '../openstack-sim';
import { connectCloud } from '../openstack/cloud';
import { SIMULATOR_ADMIN } from '../infra/stack';
import { argNumber } from './lib/args';
import { summarize } from './lib/stats';

const arg = argNumber;
const RATE = arg('rate', 1000);
const SECONDS = arg('seconds', 30);
const CLAIM_ROWS = arg('rows', 30_000);
const RECONCILE_ROWS = arg('reconcile-rows', 10_000);
const KIND = { volumeType: 'ssd', osName: 'Claims Bench OS' };
/** Claims are sent every TICK_MS, RATE × TICK_MS / 1000 at a time. */
const TICK_MS = 10;

async function claimsAtRate(prisma: PrismaClient) {
  const rows = Array.from({ length: CLAIM_ROWS }, (_, i) => ({
    name: `claims-bench-${i}`,
    volumeId: randomUUID(),
    ...KIND,
    snapshotId: 'claims-bench-snapshot',
    status: 'available',
  }));
  for (let i = 0; i < rows.length; i += 5000) await prisma.spareVolume.createMany({ data: rows.slice(i, i + 5000) });
  await prisma.$executeRawUnsafe('ANALYZE spare_volumes');

  const perTick = (RATE * TICK_MS) / 1000;
  const total = RATE * SECONDS;
  const latencies: number[] = [];
  const answeredPerSecond = new Array<number>(Math.ceil(SECONDS) + 30).fill(0);
  const volumeIds: string[] = [];
  let empty = 0;
  let errors = 0;
  let sent = 0;
  let maxInFlight = 0;
  let inFlight = 0;
  const start = performance.now();
  const claimsDone: Promise<void>[] = [];
  const claimOne = async (n: number) => {
    const t0 = performance.now();
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const claimed = await claimSpareVolume(prisma, KIND, `claims-bench-${n}`);
      if (claimed) volumeIds.push(claimed.volumeId);
      else empty++;
    } catch {
      errors++;
    } finally {
      inFlight--;
      const t1 = performance.now();
      latencies.push(t1 - t0);
      answeredPerSecond[Math.floor((t1 - start) / 1000)]!++;
    }
  };
  // Each tick sends what the clock says is due by now, so a late timer does not lower the rate.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / TICK_MS) * perTick));
      while (sent < due) claimsDone.push(claimOne(sent++));
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  const sendSeconds = (performance.now() - start) / 1000;
  await Promise.all(claimsDone);
  const allSeconds = (performance.now() - start) / 1000;
  const [db] = await prisma.$queryRaw<{ allocated: bigint; claimants: bigint; volumes: bigint }[]>`
    SELECT count(*) FILTER (WHERE allocated) AS allocated, count(DISTINCT claimed_by) AS claimants,
           count(DISTINCT volume_id) FILTER (WHERE allocated) AS volumes
    FROM spare_volumes WHERE os_name = ${KIND.osName}`;
  await prisma.spareVolume.deleteMany({ where: { osName: KIND.osName } });
  const claims = volumeIds.length;
  const fullSeconds = answeredPerSecond.slice(0, Math.floor(sendSeconds));
  return {
    rows: CLAIM_ROWS,
    targetRate: RATE,
    seconds: SECONDS,
    sent,
    claims,
    sendSeconds: round(sendSeconds, 2),
    allAnsweredSeconds: round(allSeconds, 2),
    claimsPerSecond: Math.round(claims / allSeconds),
    answeredPerSecond: { min: Math.min(...fullSeconds), max: Math.max(...fullSeconds), each: fullSeconds },
    latencyMs: summarize(latencies),
    maxInFlight,
    duplicateVolumes: claims - new Set(volumeIds).size,
    emptyAnswers: empty,
    errors,
    rowsAllocatedInDb: Number(db!.allocated),
    distinctClaimantsInDb: Number(db!.claimants),
    distinctVolumesAllocatedInDb: Number(db!.volumes),
  };
}

async function reconcileAtScale(prisma: PrismaClient) {
  const sim = await startSimulator({ createDelayMs: 0, seed: { volumeTypes: ['ssd'], snapshots: [] } });
  try {
    const cloud = connectCloud({
      authUrl: sim.authUrl,
      admin: SIMULATOR_ADMIN,
      userDomainName: 'Default',
      projectDomainName: 'Default',
      timeoutMs: 60_000,
    });
    const made = performance.now();
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < RECONCILE_ROWS) {
          const i = next++;
          const v = await cloud.admin.cinder.createVolume({
            name: `spare-reconcile-bench-${i}`,
            size: 1,
            volumeType: 'ssd',
            metadata: { ...SPARE_METADATA, 'blockflow:os': KIND.osName },
          });
          ids[i] = v.id;
        }
      }),
    );
    const setupSeconds = (performance.now() - made) / 1000;
    const rows = ids.map((volumeId, i) => ({
      name: `spare-reconcile-bench-${i}`,
      volumeId,
      ...KIND,
      snapshotId: 'reconcile-bench-snapshot',
      status: 'creating',
    }));
    for (let i = 0; i < rows.length; i += 5000) await prisma.spareVolume.createMany({ data: rows.slice(i, i + 5000) });
    const pass = async () => {
      const t0 = performance.now();
      const summary = await reconcileSpareVolumes(prisma, cloud);
      const seconds = round((performance.now() - t0) / 1000, 2);
      return { seconds, checked: summary.checked, promoted: summary.promoted };
    };
    const first = await pass();
    const steady = await pass();
    const available = await prisma.spareVolume.count({ where: { osName: KIND.osName, status: 'available' } });
    await prisma.spareVolume.deleteMany({ where: { osName: KIND.osName } });
    return { rows: RECONCILE_ROWS, setupSeconds: round(setupSeconds, 1), first, steady, availableAfter: available };
  } finally {
    await sim.stop();
  }
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

async function main() {
  const loadBefore = os.loadavg().map((x) => round(x, 2));
  const services = await startEphemeralServices({ name: 'bench-claims' });
  const prisma = createPrisma(services.databaseUrl);
  try {
    const claims = await claimsAtRate(prisma);
    console.log(
      `claims: ${claims.claims}/${claims.sent} at ${RATE}/s target over ${claims.sendSeconds} s ` +
        `(all answered in ${claims.allAnsweredSeconds} s, ${claims.claimsPerSecond}/s); answered per second ` +
        `min ${claims.answeredPerSecond.min} max ${claims.answeredPerSecond.max}; latency p50 ` +
        `${claims.latencyMs.p50} ms p99 ${claims.latencyMs.p99} ms max ${claims.latencyMs.max} ms; ` +
        `duplicates ${claims.duplicateVolumes}, empty ${claims.emptyAnswers}, errors ${claims.errors}; ` +
        `db: ${claims.rowsAllocatedInDb} allocated, ${claims.distinctVolumesAllocatedInDb} distinct volumes`,
    );
    const reconcile = await reconcileAtScale(prisma);
    console.log(
      `reconcile of ${reconcile.rows} rows: first pass ${reconcile.first.seconds} s ` +
        `(${reconcile.first.promoted} promoted), steady pass ${reconcile.steady.seconds} s`,
    );
    const result = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, loadBefore, loadAfter: os.loadavg().map((x) => round(x, 2)) },
      claims,
      reconcile,
    };
    mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
    writeFileSync(join(import.meta.dirname, 'results', 'claims.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`load average before ${loadBefore.join(' ')}, after ${result.machine.loadAfter.join(' ')}`);
  } finally {
    await prisma.$disconnect();
    await services.stop();
  }
}

await main();
