// 100 concurrent VM creates against 40 spares of one kind and 150 free addresses (seed 000's
// concurrency bugs, on the real flow): exactly 40 pool hits and 60 fallbacks, every build active,
// no spare and no address handed to two builds, and every side (Cinder, Nova, Neutron, Keystone,
// PostgreSQL) agreeing. The controls run the seed's unlocked read-then-update and show the same
// checks catch double allocation: once through the whole flow, once calling the claim and the
// allocation directly from concurrent PostgreSQL sessions.
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { claimSpareVolume } from '../../pool/claim';
import { createPrisma, type PrismaClient } from '../../prisma/client';
import { allocateFixedIp } from '../../servers/fixed-ips';
import { DEFAULT_NETWORK_ID } from '../../openstack-sim';
import { waitFor, type Platform } from './harness';
import { serverRequest, startServerPlatform, tenantApi, tenantToken } from './server-fixture';
import {
  doubleGrants,
  grantsFromDatabase,
  grantsFromHistory,
  serverInvariantViolations,
  type Grant,
} from './server-invariants';

const BUILDS = 100;
const SPARES = 40;
const FREE_ADDRESSES = 150;
const KIND = { volumeType: 'ssd', osName: 'Debian9 64bit' };
/** One kind only, 40 of it: the pool's targets for every other (type, OS) do not exist. */
const POOL = {
  volumeTypes: [KIND.volumeType],
  osHighDemand: [KIND.osName],
  osLowDemand: [],
  targetHighDemand: SPARES,
  targetLowDemand: 0,
};
// "private" is 10.0.0.0/24: 254 host addresses. The gateway (10.0.0.1) is reserved by
// registration; reserving 103 more (10.0.0.2–10.0.0.104) leaves 254 − 1 − 103 = 150 free.
const NETWORK = { id: DEFAULT_NETWORK_ID, name: 'private', cidr: '10.0.0.0/24' };
const RESERVED = Array.from({ length: 103 }, (_, i) => `10.0.0.${i + 2}`);

interface Started {
  buildIds: string[];
  spareVolumeIds: Set<string>;
  started: number;
}

/** Starts BUILDS creates at once through the API (demo's token, distinct names). */
async function startHundred(p: Platform, tag: string): Promise<Started> {
  const spares = await p.prisma.spareVolume.findMany({ where: { ...KIND, status: 'available', allocated: false } });
  expect(spares).toHaveLength(SPARES);
  const network = await p.api('/v1/networks');
  expect(network.body.networks).toEqual([expect.objectContaining({ id: NETWORK.id, free: FREE_ADDRESSES })]);

  const token = await tenantToken(p, 'demo');
  const started = Date.now();
  const accepted = await Promise.all(
    Array.from({ length: BUILDS }, (_, i) =>
      tenantApi(p, '/v1/servers', { method: 'POST', token, body: serverRequest(`${tag}${i}`, KIND) }),
    ),
  );
  for (const res of accepted) expect(res.status, JSON.stringify(res.body)).toBe(202);
  const buildIds = accepted.map((r) => r.body.id as string);
  expect(new Set(buildIds).size).toBe(BUILDS);
  return { buildIds, spareVolumeIds: new Set(spares.map((s) => s.volumeId!)), started };
}

/** What the builds were given, from their histories and from the database. */
const allGrants = async (p: Platform, buildIds: string[]) => [
  ...(await grantsFromHistory(p, buildIds)),
  ...(await grantsFromDatabase(p)),
];

const startHundredPlatform = (unsafeNoLocking: boolean) =>
  startServerPlatform({
    config: POOL,
    sim: { networks: [NETWORK] },
    reserved: RESERVED,
    unsafeNoLocking,
  });

describe(`${BUILDS} concurrent creates, ${SPARES} spares of one kind, ${FREE_ADDRESSES} free addresses`, () => {
  let p: Platform;
  let run: Started & { grants: Grant[] };
  beforeAll(async () => {
    p = await startHundredPlatform(false);
    const started = await startHundred(p, 'conc');
    // Until every build's workflow has closed (its trust is deleted in the workflow's last step).
    await Promise.allSettled(started.buildIds.map((id) => p.client.workflow.getHandle(id).result()));
    const seconds = (Date.now() - started.started) / 1000;
    console.log(`[server-concurrency] ${BUILDS} builds closed ${seconds.toFixed(1)} s after the first request`);
    run = { ...started, grants: await allGrants(p, started.buildIds) };
  });
  afterAll(async () => p?.close());

  it(`exactly ${SPARES} pool hits and ${BUILDS - SPARES} fallbacks, every build active`, async () => {
    const builds = await p.prisma.serverBuild.findMany({ where: { id: { in: run.buildIds } } });
    const byStatus = (s: string) => builds.filter((b) => b.status === s).map((b) => `${b.name}: ${b.failureReason}`);
    expect(byStatus('failed')).toEqual([]);
    expect(builds.filter((b) => b.status === 'active')).toHaveLength(BUILDS);
    expect(builds.filter((b) => b.path === 'pool-hit')).toHaveLength(SPARES);
    expect(builds.filter((b) => b.path === 'fallback')).toHaveLength(BUILDS - SPARES);
    // The pool is empty now: every spare went to a build, none came back.
    expect(await p.prisma.spareVolume.count()).toBe(0);
  });

  it('no volume given twice: distinct system disks, each pool hit a spare, each spare to one build', async () => {
    expect(doubleGrants(run.grants)).toEqual([]);
    const builds = await p.prisma.serverBuild.findMany({ where: { id: { in: run.buildIds } } });
    const system = builds.map((b) => b.systemVolumeId);
    expect(new Set(system).size).toBe(BUILDS);
    for (const b of builds.filter((x) => x.path === 'pool-hit'))
      expect(run.spareVolumeIds.has(b.systemVolumeId!)).toBe(true);
    for (const b of builds.filter((x) => x.path === 'fallback'))
      expect(run.spareVolumeIds.has(b.systemVolumeId!)).toBe(false);
    const claimed = run.grants.filter((g) => g.what === 'spare');
    expect(claimed).toHaveLength(SPARES);
    expect(new Set(claimed.map((g) => g.id))).toEqual(run.spareVolumeIds);
    const handouts = await p.prisma.systemDiskHandout.findMany();
    expect(handouts).toHaveLength(BUILDS);
    expect(new Set(handouts.map((h) => h.volumeId)).size).toBe(BUILDS);
  });

  it('no address given twice: 100 distinct, each row allocated to the one build that has it', async () => {
    const builds = await p.prisma.serverBuild.findMany({ where: { id: { in: run.buildIds } } });
    expect(new Set(builds.map((b) => b.address)).size).toBe(BUILDS);
    const rows = await p.prisma.fixedIp.findMany({ where: { networkId: NETWORK.id, allocated: true } });
    expect(rows).toHaveLength(BUILDS);
    expect(new Set(rows.map((r) => r.allocatedTo)).size).toBe(BUILDS);
    const addressOf = new Map(builds.map((b) => [b.id, b.address]));
    for (const r of rows) expect(addressOf.get(r.allocatedTo!)).toBe(r.address);
    for (const r of rows) expect(RESERVED.includes(r.address) || r.address === '10.0.0.1').toBe(false);
    const addresses = run.grants.filter((g) => g.what === 'address');
    expect(addresses).toHaveLength(BUILDS + BUILDS); // each from its history and its row
    expect((await p.api('/v1/networks')).body.networks[0]).toMatchObject({
      allocated: BUILDS,
      free: FREE_ADDRESSES - BUILDS,
    });
  });

  it('Cinder, Nova, Neutron, Keystone and PostgreSQL agree', async () => {
    expect(await serverInvariantViolations(p)).toEqual([]);
  });
});

describe('control: the same 100 creates with the unlocked read-then-update (seed 000)', () => {
  let p: Platform;
  beforeAll(async () => {
    p = await startHundredPlatform(true);
  });
  afterAll(async () => p?.close());

  it('the checks catch the double allocation', async () => {
    const run = await startHundred(p, 'unsafe');
    // Double grants fail builds, and failed builds' undos fight over what two builds share (and
    // retry for minutes): wait only until each build has its address or has closed, then look.
    let closed = 0;
    await waitFor(
      'every build to get its address or close',
      async () => {
        const withAddress = new Set(
          (await grantsFromHistory(p, run.buildIds)).filter((g) => g.what === 'address').map((g) => g.holder),
        );
        const statuses = await Promise.all(
          run.buildIds
            .filter((id) => !withAddress.has(id))
            .map(async (id) => (await p.client.workflow.getHandle(id).describe()).status.name),
        );
        closed = statuses.filter((s) => s !== 'RUNNING').length;
        return withAddress.size + closed === BUILDS;
      },
      90_000,
    ).catch(() => undefined);
    const seconds = (Date.now() - run.started) / 1000;
    const grants = await allGrants(p, run.buildIds);
    const doubles = doubleGrants(grants);
    const violations = await serverInvariantViolations(p);
    const builds = await p.prisma.serverBuild.findMany({ where: { id: { in: run.buildIds } } });
    const count = (f: (b: (typeof builds)[number]) => boolean) => builds.filter(f).length;
    const of = (what: Grant['what']) => doubles.filter((d) => d.what === what);
    const extra = (ds: typeof doubles) => ds.reduce((n, d) => n + d.holders.length - 1, 0);
    console.log(
      `[server-concurrency control] after ${seconds.toFixed(1)} s: ` +
        `${grants.filter((g) => g.what === 'spare').length} spare claims won on ${SPARES} spares; ` +
        `spares given to several builds ${of('spare').length} (${extra(of('spare'))} extra), ` +
        `addresses ${of('address').length} (${extra(of('address'))} extra), ` +
        `system volumes ${of('system volume').length} (${extra(of('system volume'))} extra); ` +
        `builds active ${count((b) => b.status === 'active')}, failed ${count((b) => b.status === 'failed')}, ` +
        `building ${count((b) => b.status === 'building')}; invariant violations ${violations.length}`,
    );
    // Stop what still runs (undos retrying on volumes another build holds): the cloud is thrown away.
    await Promise.allSettled(run.buildIds.map((id) => p.client.workflow.getHandle(id).terminate('control done')));
    const firstFailure = builds.find((b) => b.failureReason)?.failureReason;
    expect(doubles.length, `no double grant seen; a build failed with: ${firstFailure}`).toBeGreaterThan(0);
  });
});

describe('control, direct: 100 concurrent claims and allocations from separate PostgreSQL sessions', () => {
  const SESSIONS = 25;
  let clients: PrismaClient[] = [];
  beforeAll(() => {
    clients = Array.from({ length: SESSIONS }, () => createPrisma(inject('databaseUrl')));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.$disconnect()));
  });

  const NET = 'control-net';
  async function seed(db: PrismaClient): Promise<void> {
    await db.$executeRaw`TRUNCATE spare_volumes, fixed_ips, managed_networks RESTART IDENTITY`;
    await db.spareVolume.createMany({
      data: Array.from({ length: SPARES }, (_, i) => ({
        name: `spare-control-${i}`,
        volumeId: `vol-control-${i}`,
        ...KIND,
        snapshotId: 'snap',
        status: 'available',
      })),
    });
    await db.managedNetwork.create({ data: { id: NET, name: NET, cidr: '10.9.0.0/24' } });
    await db.fixedIp.createMany({
      data: Array.from({ length: FREE_ADDRESSES }, (_, i) => ({ networkId: NET, address: `10.9.0.${i + 2}` })),
    });
  }

  /** BUILDS callers at once, spread over the sessions, each claiming a spare then allocating an address. */
  async function hundredCallers(locking: boolean): Promise<Grant[]> {
    await seed(clients[0]!);
    const per = await Promise.all(
      Array.from({ length: BUILDS }, async (_, i) => {
        const db = clients[i % SESSIONS]!;
        const holder = `control-build-${i}`;
        const [spare, address] = await Promise.all([
          claimSpareVolume(db, KIND, holder, { locking }),
          allocateFixedIp(db, { networkId: NET, holder }, { locking }),
        ]);
        const grants: Grant[] = [{ what: 'address', id: address, holder }];
        if (spare) grants.push({ what: 'spare', id: spare.volumeId, holder });
        return grants;
      }),
    );
    return per.flat();
  }

  it('with the row locks: 40 spares to 40 callers, 100 distinct addresses, no double grant', async () => {
    for (let round = 0; round < 3; round++) {
      const grants = await hundredCallers(true);
      expect(doubleGrants(grants)).toEqual([]);
      expect(grants.filter((g) => g.what === 'spare')).toHaveLength(SPARES);
      expect(grants.filter((g) => g.what === 'address')).toHaveLength(BUILDS);
      expect(await clients[0]!.fixedIp.count({ where: { allocated: true } })).toBe(BUILDS);
      expect(await clients[0]!.spareVolume.count({ where: { allocated: true } })).toBe(SPARES);
    }
  });

  it('without them: the same check finds spares and addresses given to several callers', async () => {
    const grants = await hundredCallers(false);
    const doubles = doubleGrants(grants);
    const spares = doubles.filter((d) => d.what === 'spare');
    const addresses = doubles.filter((d) => d.what === 'address');
    const extra = (ds: typeof doubles) => ds.reduce((n, d) => n + d.holders.length - 1, 0);
    const won = grants.filter((g) => g.what === 'spare').length;
    console.log(
      `[server-concurrency direct control] spares given to several callers: ${spares.length} ` +
        `(${extra(spares)} extra grants, ${won} claims won on ${SPARES} spares); ` +
        `addresses: ${addresses.length} (${extra(addresses)} extra grants)`,
    );
    expect(spares.length).toBeGreaterThan(0);
    expect(addresses.length).toBeGreaterThan(0);
  });
});
