// The server build's activities (createServer, deleteServer), bound to their dependencies.
// Steps that act in the tenant's project redeem the build's Keystone trust (`trustId`): the
// caller's own token is never needed after the request that started the build, and no secret
// is an input or a result of these functions (both land in workflow history).
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PrismaClient } from '../../prisma/client';
import type { CloudClients } from '../../openstack/cloud';
import { ForbiddenError, notFoundAs, UnauthorizedError } from '../../openstack/errors';
import { DurationEstimator, waitExpected } from '../../lib/expected-wait';
import { updateBuild, type BuildUpdate } from '../../servers/builds';
import { assertNotFenced, BuildUndoneError, fenceBuild, underFence } from '../../servers/build-fence';
import {
  bootGrant,
  ensureServer,
  findServerOf,
  observeServer,
  requestServerDelete,
  type BootRequest,
} from '../../servers/boot';
import { FixedIpError, releaseFixedIps, type FixedIpRequest } from '../../servers/fixed-ips';
import { grantCheckedAddress } from '../../servers/address-grant';
import { releaseSystemDisk, type SystemDiskToRelease } from '../../servers/release';
import { deliverSystemDisk, takeSystemDisk, type SystemDiskRequest } from '../../servers/obtain-system-disk';
import {
  ATTACHED,
  deleteVolumeIfPresent,
  ensureFallbackDisk,
  TenantQuotaError,
  type FallbackDiskRequest,
} from '../../servers/system-disk';
import { deleteTenantDisksOf, ensureTenantDisk, type TenantDiskRequest } from '../../servers/tenant-disks';
import { deleteTrustIfPresent } from '../../openstack/trusts';
import { answerBurst } from '../../pool/sizing';

/** A disk built on demand, to deliver: its id and when the build began looking for a system disk. */
interface DeliveredDisk {
  volumeId: string;
  startedAt: number;
}

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
  // What volumes and boots usually take here, learned as builds go (per worker process).
  const durations = new DurationEstimator();
  const volumeStatus = async (volumeId: string) => {
    const volume = await cloud.admin.cinder.getVolume(volumeId).catch(notFoundAs(undefined));
    return volume?.status ?? 'missing';
  };
  const tenant = (t: AsTenant) => cloud.trustee(t.trustId);
  const handover = (t: AsTenant & { projectId: string }) => ({
    admin: cloud.admin,
    tenant: tenant(t),
    projectId: t.projectId,
  });
  return {
    updateBuild: (u: BuildUpdate) => updateBuild(prisma, u),

    /**
     * The system disk when the pool can give one (or the build already has one): claim, hand over,
     * rename, record, in one call (servers/obtain-system-disk). null: the pool is empty.
     */
    takeSystemDisk: (req: AsTenant & { projectId: string } & SystemDiskRequest) => {
      // Demand faster than the pool's forecast starts a round now (a few reads), checked once the
      // demand is recorded, before the handover; the build never fails for it.
      const kind = { volumeType: req.volumeType, osName: req.osName };
      const afterDemand = () =>
        answerBurst(prisma, deps.temporal, kind, new Date()).then(
          (started) => {
            if (started) log.info('pool burst: replenish round started', kind);
          },
          (err: Error) => log.warn('pool burst check failed', { ...kind, error: err.message }),
        );
      return asBuildFailure(() =>
        takeSystemDisk(prisma, handover(req), req, { locking: !deps.unsafeNoLocking, afterDemand }),
      );
    },

    /** A system disk built on demand, now available, made the tenant's (fallback path). */
    deliverSystemDisk: (req: AsTenant & { projectId: string } & SystemDiskRequest & DeliveredDisk) =>
      asBuildFailure(() =>
        deliverSystemDisk(prisma, handover(req), req, {
          volumeId: req.volumeId,
          path: 'fallback',
          startedAt: req.startedAt,
        }),
      ),

    createFallbackSystemDisk: (req: FallbackDiskRequest) => ensureFallbackDisk(cloud.admin, req),

    /**
     * A volume's status (the admin's view: any project; `missing` when there is none), polled here
     * every 200 ms for up to `withinMs` while it is still being made: short waits cost no timer,
     * long ones go back to the workflow's durable timers.
     */
    async awaitVolume(req: { volumeId: string; withinMs: number }): Promise<string> {
      return pollWithin(req.withinMs, () => volumeStatus(req.volumeId), volumeSettled);
    },

    /**
     * A swap or data disk made in the tenant's project (or found, made earlier by this build) and
     * waited for up to `withinMs` (polled around the usual create time: lib/expected-wait). Ready
     * when available, or already attached: an earlier run of this build, whose results were lost
     * with its worker, got as far as the boot.
     */
    async provideTenantDisk(req: AsTenant & TenantDiskRequest & { withinMs: number }) {
      const disk = await asBuildFailure(() => ensureTenantDisk(tenant(req), req, assertNotFenced(prisma, req.buildId)));
      // Cinder's clock starts with its answer: timed from here, the look-up and the call's own
      // latency (which vary) stay out of the learned duration, and the polls bunch closer round it.
      const startedAt = Date.now();
      const status = volumeSettled(disk.status)
        ? disk.status
        : await waitExpected({
            learn: { kind: `volume:${req.volumeType}`, estimator: durations },
            startedAt,
            withinMs: req.withinMs,
            probe: () => volumeStatus(disk.volumeId),
            done: volumeSettled,
            onPoll: heartbeat,
          });
      return { volumeId: disk.volumeId, status, ready: ['available', ...ATTACHED].includes(status) };
    },

    /** An address for the build (its holder), granted under the build's fence, free in Neutron too. */
    allocateFixedIp: (req: FixedIpRequest) =>
      asBuildFailure(() => grantCheckedAddress(prisma, cloud.admin, req, { locking: !deps.unsafeNoLocking })),

    /** The first undo of a build: nothing more is granted to it (servers/build-fence). */
    fenceBuild: (req: { buildId: string }) => fenceBuild(prisma, req.buildId),

    releaseFixedIps: (req: { holder: string }) => releaseFixedIps(prisma, req.holder),

    /**
     * Boots the server from its volumes (or finds the one this build booted), records it on the
     * build, and waits up to `withinMs` for ACTIVE or ERROR (polled around the usual boot time).
     */
    async bootServer(req: AsTenant & BootRequest & { withinMs: number; progress?: Omit<BuildUpdate, 'buildId'> }) {
      const { serverId } = await asBuildFailure(() =>
        ensureServer(tenant(req), req, bootGrant(prisma, req.buildId, req.systemVolumeId)),
      );
      const startedAt = Date.now(); // Nova's clock starts with its answer (as for a disk above)
      // With the server id, what the build has got so far (step, address, timings): one write.
      await updateBuild(prisma, { ...req.progress, buildId: req.buildId, serverId });
      const seen = await waitExpected({
        learn: { kind: `boot:${req.flavorId}`, estimator: durations },
        startedAt,
        withinMs: req.withinMs,
        probe: () => observeServer(tenant(req), serverId),
        done: (s) => s.status === 'ACTIVE' || s.status === 'ERROR',
        onPoll: heartbeat,
      });
      return { serverId, ...seen };
    },

    /** The server's status (or `gone`), polled here for up to `withinMs` until it is `until` or ERROR. */
    awaitServer: (req: AsTenant & { serverId: string; until: 'ACTIVE' | 'gone'; withinMs: number }) =>
      pollWithin(
        req.withinMs,
        () => observeServer(tenant(req), req.serverId),
        (seen) => seen.status === req.until || seen.status === 'ERROR',
      ),

    requestServerDelete: (req: AsTenant & { serverId: string }) =>
      refusalGivesUp(() => requestServerDelete(tenant(req), req.serverId)),

    /** A volume the build made, deleted unless a server (another: the build's own is gone by now) holds it. */
    deleteTenantVolume: (req: AsTenant & { volumeId: string }) =>
      refusalGivesUp(() => deleteVolumeIfPresent(tenant(req), req.volumeId)),

    /** Undo of a tenant disk step: the disks of that name this build made, whatever got that far. */
    deleteTenantDisksOf: (req: AsTenant & { buildId: string; name: string }) =>
      refusalGivesUp(() => deleteTenantDisksOf(tenant(req), req)),

    /** The server this build made, if it got that far. */
    findServerOf: (req: AsTenant & { buildId: string; name: string }) =>
      refusalGivesUp(() => findServerOf(tenant(req), req)),

    releaseSystemDisk: (req: AsTenant & { projectId: string } & SystemDiskToRelease) =>
      refusalGivesUp(() => releaseSystemDisk(prisma, handover(req), req)),

    /** What the build's undo needs to run again (workflows/undo-server-build); null when the row is gone. */
    readBuildToUndo: (req: { buildId: string }) =>
      prisma.serverBuild.findUnique({
        where: { id: req.buildId },
        select: { name: true, projectId: true, swapGb: true, dataGb: true, trustId: true, status: true },
      }),

    /**
     * Cancels the build's createServer run if it still runs, and waits until it has closed. Only a
     * run Temporal does not know is gone; any other error describing it is thrown (and retried).
     */
    async stopServerBuild(req: { buildId: string }): Promise<string> {
      const handle = deps.temporal.workflow.getHandle(req.buildId);
      const { status } = await handle.describe().catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return { status: { name: 'NOT_FOUND' } };
        throw err;
      });
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

    /**
     * What the build made or was handed, as recorded: its server, the system disk handed to it (not
     * one it reused, nor a spare it gave back to the pool), its swap and data disks.
     */
    async readBuildResources(req: { buildId: string }) {
      const [build, handout] = await Promise.all([
        prisma.serverBuild.findUniqueOrThrow({ where: { id: req.buildId } }),
        prisma.systemDiskHandout.findUnique({ where: { buildId: req.buildId } }),
      ]);
      const volumeIds = [handout?.volumeId, build.swapVolumeId, build.dataVolumeId].filter((v): v is string => !!v);
      return { serverId: build.serverId, volumeIds, name: build.name };
    },

    /** The build has ended: blockflow gives up acting for the tenant. */
    deleteTrust: (req: AsTenant) => deleteTrustIfPresent(cloud, req.trustId),

    /**
     * A build's last step: its trust deleted, then the build recorded as ended (a caller who sees
     * it ended has nothing acting on its behalf any more). Both idempotent.
     */
    async finishBuild(req: AsTenant & { update: BuildUpdate }) {
      await deleteTrustIfPresent(cloud, req.trustId);
      await updateBuild(prisma, req.update);
    },
  };
}

const volumeSettled = (status: string) => status !== 'creating' && status !== 'downloading';

/** What a retry cannot fix fails the build at once: a quota refusal, a fenced build, no address. */
async function asBuildFailure<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof TenantQuotaError) throw ApplicationFailure.nonRetryable(err.message, 'TenantQuotaExceeded');
    if (err instanceof BuildUndoneError) throw ApplicationFailure.nonRetryable(err.message, 'BuildUndone');
    if (err instanceof FixedIpError) throw ApplicationFailure.nonRetryable(err.message, 'FixedIpUnavailable');
    throw err;
  }
}

/**
 * A refusal (401: the trust refused, expired or deleted; 403: a policy) that no retry within minutes
 * heals: the undo or delete gives up at once, and the build is marked stuck for the reaper's retry
 * (servers/stuck-builds) instead of waiting out twenty attempts. Keeps the error's type for the report.
 */
async function refusalGivesUp<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof UnauthorizedError || err instanceof ForbiddenError)
      throw ApplicationFailure.nonRetryable(err.message, err.name);
    throw err;
  }
}

/** Polls `probe` every 200 ms until `done` says so or `withinMs` has passed; heartbeats meanwhile. */
const pollWithin = <T>(withinMs: number, probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> =>
  waitExpected({ startedAt: Date.now(), withinMs, probe, done, onPoll: heartbeat });

/** Heartbeats a (remote) activity so a dead worker is noticed; a local activity has no heartbeat. */
const heartbeat = () => {
  const context = Context.current();
  if (!context.info.isLocal) context.heartbeat();
};
