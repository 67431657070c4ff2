// The fence between a build's grants and its undo (servers/build-fence), on PostgreSQL and the
// simulator, without Temporal in the way: a step still running after its build's undo began (a
// local activity outliving its workflow task) is refused its claim and its address, and an undo
// that begins while a claim is in flight waits for it and then releases it. The controls run the
// same claim as before the fence and show the checks catch a spare claimed behind the undo's back.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimSpareVolume } from '../../pool/claim';
import { BuildUndoneError, fenceBuild, underFence } from '../../servers/build-fence';
import { insertBuild } from '../../servers/builds';
import { allocateFixedIp } from '../../servers/fixed-ips';
import { takeSystemDisk } from '../../servers/obtain-system-disk';
import { releaseSystemDisk } from '../../servers/release';
import type { Handover } from '../../servers/system-disk';
import type { Platform } from './harness';
import { handoverTo } from './ownership-fixture';
import { startServerPlatform } from './server-fixture';
import { lockTable, untilSomeoneWaits } from './table-lock';

let p: Platform;
let h: Handover;
const kind = { volumeType: 'ssd', osName: 'Debian9 64bit' };

beforeAll(async () => {
  p = await startServerPlatform();
  h = await handoverTo(p);
});
afterAll(async () => p?.close());

/** A build row, as the API writes it before the workflow starts. */
async function newBuild(name: string): Promise<string> {
  const buildId = `server-${randomUUID()}`;
  const network = await p.prisma.managedNetwork.findFirstOrThrow();
  await insertBuild(p.prisma, {
    buildId,
    projectId: h.projectId,
    userId: 'u',
    name,
    ...kind,
    flavorId: '1',
    swapGb: 0,
    dataGb: 0,
    networkId: network.id,
  });
  return buildId;
}

const request = (buildId: string, serverName: string) => ({ buildId, serverName, ...kind, snapshotId: 'unused' });
const claimsOf = (buildId: string) => p.prisma.spareVolume.count({ where: { claimedBy: buildId } });
const freeSpares = () => p.prisma.spareVolume.count({ where: { ...kind, status: 'available', allocated: false } });

describe('the build fence', () => {
  it('a claim or an address asked for after the undo began is refused; nothing is taken', async () => {
    const buildId = await newBuild('fenced');
    const network = await p.prisma.managedNetwork.findFirstOrThrow();
    const spares = await freeSpares();
    await fenceBuild(p.prisma, buildId);

    await expect(takeSystemDisk(p.prisma, h, request(buildId, 'fenced'))).rejects.toThrow(BuildUndoneError);
    await expect(
      underFence(p.prisma, buildId, (tx) => allocateFixedIp(tx, { networkId: network.id, holder: buildId })),
    ).rejects.toThrow(BuildUndoneError);
    expect(await claimsOf(buildId)).toBe(0);
    expect(await p.prisma.fixedIp.count({ where: { allocatedTo: buildId } })).toBe(0);
    expect(await freeSpares()).toBe(spares);

    // Control: the claim as it was made before the fence goes through for the undone build.
    expect(await claimSpareVolume(p.prisma, kind, buildId)).not.toBeNull();
    expect(await claimsOf(buildId)).toBe(1);
    await p.prisma.spareVolume.updateMany({
      where: { claimedBy: buildId },
      data: { allocated: false, claimedBy: null, claimedAt: null },
    });
  });

  it('an undo that begins while a claim is in flight waits for it, then releases it', async () => {
    const buildId = await newBuild('in-flight');
    // Reads pass this lock, the claim's update waits behind it, inside the claim's transaction.
    const lock = await lockTable(p.prisma, 'spare_volumes', 'EXCLUSIVE');
    const claim = takeSystemDisk(p.prisma, h, request(buildId, 'in-flight'));
    await untilSomeoneWaits(p.prisma, 'spare_volumes');
    let fenced = false;
    const fence = fenceBuild(p.prisma, buildId).then(() => (fenced = true));
    await new Promise((r) => setTimeout(r, 500));
    expect(fenced, 'the fence waited for the claim in flight').toBe(false);
    await lock.release();
    // The claim committed before the fence; its handover sees the fence before the accept and stops.
    await expect(claim).rejects.toThrow(BuildUndoneError);
    await fence;

    // The undo, after the fence, finds the claimed spare, still the admin's, and gives it back.
    expect(await releaseSystemDisk(p.prisma, h, { buildId, serverName: 'in-flight' })).toBe('returned to the pool');
    expect(await claimsOf(buildId)).toBe(0);
  });

  it("two runs of one build's claim at once (a local activity re-run beside its first) take one spare", async () => {
    // A local activity whose workflow task timed out under load runs on while the task's replay runs
    // it again: server-concurrency once ended with a spare handed to a build that went the fallback way.
    const buildId = await newBuild('twice');
    expect(await freeSpares()).toBeGreaterThanOrEqual(2);
    const claim = () => underFence(p.prisma, buildId, (tx) => claimSpareVolume(tx, kind, buildId));
    // Both claims queue behind this lock and go on together once it is released.
    const lock = await lockTable(p.prisma, 'spare_volumes', 'EXCLUSIVE');
    const both = Promise.all([claim(), claim()]);
    await untilSomeoneWaits(p.prisma, 'spare_volumes');
    await new Promise((r) => setTimeout(r, 500)); // the second is on its way too
    await lock.release();
    const [first, second] = await both;
    expect(await claimsOf(buildId)).toBe(1);
    expect(second?.volumeId).toBe(first?.volumeId);
    await p.prisma.spareVolume.updateMany({
      where: { claimedBy: buildId },
      data: { allocated: false, claimedBy: null, claimedAt: null },
    });
  });
});
