// The server build's activities (createServer, deleteServer), bound to their dependencies.
// Steps that act in the tenant's project redeem the build's Keystone trust (`trustId`): the
// caller's own token is never needed after the request that started the build, and no secret
// is an input or a result of these functions (both land in workflow history).
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { sleep } from '../lib/wait-until';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../prisma/client';
import type { CloudClients } from '../openstack/cloud';
import { NotFoundError } from '../openstack/errors';
import { claimSpareVolume, completeHandout, type Handout } from '../pool/claim';
import { updateBuild, type BuildUpdate } from '../servers/builds';
import { ensureServer, findServerOf, observeServer, requestServerDelete, type BootRequest } from '../servers/boot';
import { allocateFixedIp, FixedIpError, releaseFixedIps, type FixedIpRequest } from '../servers/fixed-ips';
import { releaseSystemDisk, type SystemDiskToRelease } from '../servers/release';
import {
  deleteVolumeIfPresent,
  ensureFallbackDisk,
  findTenantVolume,
  handOverVolume,
  TenantQuotaError,
  type FallbackDiskRequest,
} from '../servers/system-disk';
import { deleteTenantDisksOf, ensureTenantDisk, type TenantDiskRequest } from '../servers/tenant-disks';
import { deleteTrustIfPresent } from '../openstack/trusts';

export interface ServerActivityDeps {
  prisma: PrismaClient;
  cloud: CloudClients;
  /** To stop a build still running when its server is deleted. */
  temporal: Client;
  /** Test-only: the seed's unlocked claims and allocations, to show the concurrency check catches them. */
  unsafeNoLocking?: boolean;
}

/** Where a step acts: the tenant's project through the build's trust. */
interface AsTenant {
  trustId: string;
}

export function serverActivities(deps: ServerActivityDeps) {
  const { prisma, cloud } = deps;
  const tenant = (t: AsTenant) => cloud.trustee(t.trustId);
  const handover = (t: AsTenant & { projectId: string }) => ({
    admin: cloud.admin,
    tenant: tenant(t),
    projectId: t.projectId,
  });
  return {
    updateBuild: (u: BuildUpdate) => updateBuild(prisma, u),

    /** create_volume_if_absent: the tenant's volume of the system disk's name, if any. */
    async findTenantVolume(req: AsTenant & { name: string }): Promise<string | null> {
      return (await findTenantVolume(tenant(req), req.name))?.id ?? null;
    },

    claimSystemDisk: (req: { volumeType: string; osName: string; buildId: string }) =>
      claimSpareVolume(prisma, req, req.buildId, { locking: !deps.unsafeNoLocking }),

    createFallbackSystemDisk: (req: FallbackDiskRequest) => ensureFallbackDisk(cloud.admin, req),

    /**
     * A volume's status (the admin's view: any project; `missing` when there is none), polled here
     * every 200 ms for up to `withinMs` while it is still being made: short waits cost no timer,
     * long ones go back to the workflow's durable timers.
     */
    async awaitVolume(req: { volumeId: string; withinMs: number }): Promise<string> {
      return pollWithin(
        req.withinMs,
        async () => {
          const volume = await cloud.admin.cinder.getVolume(req.volumeId).catch(notFoundAs(undefined));
          return volume?.status ?? 'missing';
        },
        (status) => status !== 'creating' && status !== 'downloading',
      );
    },

    async handOverSystemDisk(req: AsTenant & { projectId: string; volumeId: string; buildId: string }): Promise<void> {
      await handOverVolume(handover(req), req.volumeId, req.buildId).catch((err: unknown) => {
        if (err instanceof TenantQuotaError) throw ApplicationFailure.nonRetryable(err.message, 'TenantQuotaExceeded');
        throw err;
      });
    },

    async renameTenantVolume(req: AsTenant & { volumeId: string; name: string }): Promise<void> {
      await tenant(req).cinder.renameVolume(req.volumeId, req.name);
    },

    completeHandout: (h: Handout) => completeHandout(prisma, h),

    ensureTenantDisk: (req: AsTenant & TenantDiskRequest) => ensureTenantDisk(tenant(req), req),

    async allocateFixedIp(req: FixedIpRequest): Promise<string> {
      try {
        return await allocateFixedIp(prisma, req, { locking: !deps.unsafeNoLocking });
      } catch (err) {
        if (err instanceof FixedIpError) throw ApplicationFailure.nonRetryable(err.message, 'FixedIpUnavailable');
        throw err;
      }
    },

    releaseFixedIps: (req: { holder: string }) => releaseFixedIps(prisma, req.holder),

    ensureServer: (req: AsTenant & BootRequest) => ensureServer(tenant(req), req),

    /** The server's status (or `gone`), polled here for up to `withinMs` until it is `until` or ERROR. */
    awaitServer: (req: AsTenant & { serverId: string; until: 'ACTIVE' | 'gone'; withinMs: number }) =>
      pollWithin(
        req.withinMs,
        () => observeServer(tenant(req), req.serverId),
        (seen) => seen.status === req.until || seen.status === 'ERROR',
      ),

    requestServerDelete: (req: AsTenant & { serverId: string }) => requestServerDelete(tenant(req), req.serverId),

    deleteTenantVolume: (req: AsTenant & { volumeId: string }) => deleteVolumeIfPresent(tenant(req), req.volumeId),

    /** Undo of a tenant disk step: the disks of that name this build made, whatever got that far. */
    deleteTenantDisksOf: (req: AsTenant & { buildId: string; name: string }) => deleteTenantDisksOf(tenant(req), req),

    /** The server this build made, if it got that far. */
    findServerOf: (req: AsTenant & { buildId: string; name: string }) => findServerOf(tenant(req), req),

    releaseSystemDisk: (req: AsTenant & { projectId: string } & SystemDiskToRelease) =>
      releaseSystemDisk(prisma, handover(req), req),

    /** Cancels the build's createServer run if it still runs, and waits until it has closed. */
    async stopServerBuild(req: { buildId: string }): Promise<string> {
      const handle = deps.temporal.workflow.getHandle(req.buildId);
      const { status } = await handle.describe().catch(() => ({ status: { name: 'NOT_FOUND' } }));
      if (status.name !== 'RUNNING') return `build was ${status.name.toLowerCase()}`;
      await handle.cancel();
      const beat = setInterval(heartbeat, 2_000);
      try {
        await handle.result().catch(() => undefined);
      } finally {
        clearInterval(beat);
      }
      return 'build cancelled (its compensation ran)';
    },

    /** What the build made, as recorded: its server and volumes. */
    async readBuildResources(req: { buildId: string }): Promise<{ serverId: string | null; volumeIds: string[] }> {
      const build = await prisma.serverBuild.findUniqueOrThrow({ where: { id: req.buildId } });
      const volumeIds = [build.systemVolumeId, build.swapVolumeId, build.dataVolumeId].filter((v): v is string => !!v);
      return { serverId: build.serverId, volumeIds };
    },

    /** The build has ended: blockflow gives up acting for the tenant. */
    deleteTrust: (req: AsTenant) => deleteTrustIfPresent(cloud, req.trustId),
  };
}

const POLL_MS = 200;

/** Polls `probe` until `done` says so or `withinMs` has passed; heartbeats so a dead worker is noticed. */
async function pollWithin<T>(withinMs: number, probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() + POLL_MS > deadline) return value;
    heartbeat();
    await sleep(POLL_MS);
  }
}

const heartbeat = () => Context.current().heartbeat();

const notFoundAs =
  <T>(value: T) =>
  (err: unknown): T => {
    if (err instanceof NotFoundError) return value;
    throw err;
  };
