// A build's undo and its steps touch only what the build owns (issue 20, findings 1c, 2, 3, 14), on
// PostgreSQL, Temporal and the simulator, calling the steps as a worker does: a volume a live build
// holds is not reused by another, a spare the tenant got meanwhile is not given back to the pool, a
// handover after the undo began is refused, decoys another tenant names after a build are left
// alone, and a build whose state Temporal cannot tell is not taken for gone.
import { Client, NamespaceNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serverActivities } from '../../activities/servers/servers';
import { claimSpareVolume } from '../../pool/claim';
import { BuildUndoneError, fenceBuild } from '../../servers/build-fence';
import { updateBuild } from '../../servers/builds';
import { deliverSystemDisk, takeSystemDisk } from '../../servers/obtain-system-disk';
import { releaseSystemDisk } from '../../servers/release';
import type { Handover } from '../../servers/system-disk';
import { BUILD_METADATA_KEY } from '../../servers/tenant-disks';
import type { Platform } from './harness';
import { clientsOf, handoverTo, KIND, newBuildRow, tenantVolume } from './ownership-fixture';
import { fillPool, startServerPlatform } from './server-fixture';

let p: Platform;
let h: Handover;

beforeAll(async () => {
  p = await startServerPlatform();
  h = await handoverTo(p);
});
afterAll(async () => p?.close());
beforeEach(async () => fillPool(p)); // most tests below claim a spare

const request = (buildId: string, serverName: string) => ({ buildId, serverName, ...KIND, snapshotId: 'unused' });
const ownerOf = async (volumeId: string) =>
  (await p.cloud.admin.cinder.getVolume(volumeId))['os-vol-tenant-attr:tenant_id'];
const inPool = (volumeId: string) =>
  p.prisma.spareVolume.count({ where: { volumeId, allocated: false, claimedBy: null } });

/** Where in the undo a handover still running in a worker gets to accept its transfer. */
const AFTER = {
  'its first look': 'getVolume',
  'it listed the transfers': 'listTransfers',
  'it deleted them': 'deleteTransfer',
};

/**
 * The admin's clients, with the tenant accepting `transfer` (made before the undo fenced the build,
 * by a handover that had passed its fence check) right after the undo's first call of `method`.
 */
function acceptAfter(method: string, transfer: { id: string; auth_key?: string }) {
  const outcome: { accepted?: boolean } = {};
  const admin = p.cloud.admin;
  const cinder = new Proxy(admin.cinder, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== 'function') return value;
      if (key !== method) return value.bind(target);
      return async (...args: unknown[]) => {
        const result: unknown = await value.apply(target, args);
        if (outcome.accepted === undefined)
          outcome.accepted = await clientsOf(p)
            .cinder.acceptTransfer(transfer.id, transfer.auth_key!)
            .then(
              () => true,
              () => false,
            );
        return result;
      };
    },
  });
  return { admin: { ...admin, cinder }, outcome };
}

describe('a volume a live build holds is not reused by name (1c)', () => {
  it("another live build's handed-over <name>-sys, not yet attached, is not taken; a failed one's is", async () => {
    const holder = await newBuildRow(p, h.projectId, 'held');
    const disk = await tenantVolume(p, 'held-sys');
    await updateBuild(p.prisma, { buildId: holder, path: 'pool-hit', systemVolumeId: disk });

    const second = await newBuildRow(p, h.projectId, 'held');
    const taken = await takeSystemDisk(p.prisma, h, request(second, 'held'));
    expect(taken).toMatchObject({ path: 'pool-hit' });
    expect(taken?.volumeId).not.toBe(disk);

    await updateBuild(p.prisma, { buildId: holder, status: 'failed', finished: true });
    const third = await newBuildRow(p, h.projectId, 'held');
    expect(await takeSystemDisk(p.prisma, h, request(third, 'held'))).toEqual({ volumeId: disk, path: 'reused' });
    // The row says so, and the undo leaves the tenant's volume where it is.
    expect(await p.prisma.serverBuild.findUnique({ where: { id: third } })).toMatchObject({
      path: 'reused',
      systemVolumeId: disk,
    });
    await fenceBuild(p.prisma, third);
    expect(await releaseSystemDisk(p.prisma, h, { buildId: third, serverName: 'held' })).toMatch(/^kept/);
    expect(await clientsOf(p).cinder.getVolume(disk)).toMatchObject({ status: 'available' });
  });
});

describe("a spare goes back to the pool only while it is the admin project's (2)", () => {
  it.each(Object.entries(AFTER))(
    'an accept landing after %s: a spare the tenant got stays out of the pool',
    async (_moment, method) => {
      const buildId = await newBuildRow(p, h.projectId, 'late-accept');
      const spare = (await claimSpareVolume(p.prisma, KIND, buildId))!;
      const transfer = await p.cloud.admin.cinder.createTransfer(spare.volumeId, `blockflow-${buildId}`);
      await fenceBuild(p.prisma, buildId);
      const racing = acceptAfter(method, transfer);

      const outcome = await releaseSystemDisk(p.prisma, { ...h, admin: racing.admin }, { buildId, serverName: 'x' });
      // Once the undo has deleted the pending transfer, no accept lands (and none is made after: the fence).
      expect(racing.outcome.accepted).toBe(method !== 'deleteTransfer');
      if (racing.outcome.accepted) {
        expect(outcome).toBe('deleted from the tenant project');
        expect(await inPool(spare.volumeId), "the tenant's volume in the pool").toBe(0);
      } else {
        expect(outcome).toBe('returned to the pool');
        expect(await ownerOf(spare.volumeId)).toBe((await p.cloud.admin.session.authenticate()).projectId);
        expect(await inPool(spare.volumeId)).toBe(1);
      }
    },
  );

  it("a handover still running when the undo began does not accept: the spare stays the admin's", async () => {
    const buildId = await newBuildRow(p, h.projectId, 'late-handover');
    const spare = await claimSpareVolume(p.prisma, KIND, buildId);
    await fenceBuild(p.prisma, buildId);
    const disk = { volumeId: spare!.volumeId, path: 'pool-hit' as const, startedAt: Date.now() };
    await expect(deliverSystemDisk(p.prisma, h, request(buildId, 'late-handover'), disk)).rejects.toThrow(
      BuildUndoneError,
    );
    expect(await ownerOf(spare!.volumeId)).toBe((await p.cloud.admin.session.authenticate()).projectId);
    expect((await p.cloud.admin.cinder.listTransfers()).filter((t) => t.volume_id === spare!.volumeId)).toEqual([]);
    expect(await releaseSystemDisk(p.prisma, h, { buildId, serverName: 'late-handover' })).toBe('returned to the pool');
    expect(await inPool(spare!.volumeId)).toBe(1);
  });
});

describe("decoys: the undo finds a build's disk only in its own records (3)", () => {
  it("volumes another tenant (or this one) names and tags after the build are not the build's", async () => {
    const buildId = await newBuildRow(p, h.projectId, 'decoyed');
    const tag = { [BUILD_METADATA_KEY]: buildId };
    const decoys = [
      await tenantVolume(p, `build-${buildId}-sys`, { who: 'alt', metadata: tag }),
      await tenantVolume(p, 'decoyed-sys', { who: 'alt', metadata: tag }),
      await tenantVolume(p, 'decoyed-sys', { metadata: tag }),
    ];
    await fenceBuild(p.prisma, buildId);
    expect(await releaseSystemDisk(p.prisma, h, { buildId, serverName: 'decoyed' })).toBe('none made');
    for (const id of decoys) expect(await p.cloud.admin.cinder.getVolume(id)).toMatchObject({ status: 'available' });
  });
});

describe('stopServerBuild (14)', () => {
  const stop = (temporal: Client, buildId: string) =>
    serverActivities({ prisma: p.prisma, cloud: p.cloud, temporal }).stopServerBuild({ buildId });

  it('a build Temporal does not know is gone; an error describing it is not taken for gone', async () => {
    expect(await stop(p.client, 'server-never-started')).toBe('build was not_found');
    const elsewhere = new Client({ connection: p.client.connection, namespace: 'no-such-namespace' });
    await expect(stop(elsewhere, 'server-never-started')).rejects.toThrow(NamespaceNotFoundError);
  });
});
