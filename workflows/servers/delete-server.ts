// deleteServer: takes a build's server away with everything it was given (seed 001: deleting
// the server takes its volumes). A build still running is cancelled first (its own compensation
// undoes what it made); then, looking at what is there: the server deleted and waited for, the
// volumes it made or was handed still around deleted (never a tenant volume it reused, a spare it
// gave back, or one another server holds: readBuildResources, deleteTenantVolume), its fixed IP
// released. Idempotent: run it twice, the second finds nothing left to do. Steps that give up
// leave the build `deleting`, marked stuck, with the delete's trust kept: the reaper starts the
// delete again with it (servers/stuck-builds) until the build is deleted.
import { CancellationScope, log, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { StuckReason } from '../../servers/builds';
import { OPENSTACK_NON_RETRYABLE } from '../../openstack/errors';
import { dataDiskName, swapDiskName } from '../../servers/names';
import { deleteServerAndWait } from './waits';
import { BuildState, buildProgressQuery } from './build-state';

// Long enough for a running build's compensation (stopServerBuild waits for it, heartbeating).
const act = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    maximumAttempts: 20,
    nonRetryableErrorTypes: OPENSTACK_NON_RETRYABLE,
  },
});

// Replay-safe reshapes for deletes in flight when a worker is upgraded: a delete that gives up keeps its trust;
// the build's tagged swap/data disks go too, not only the recorded ones.
const STUCK_KEEPS_TRUST = 'stuck-keeps-trust';
const TAGGED_DISKS_TOO = 'tagged-disks-too';
const DELETE_REASONS: StuckReason[] = ['delete_failed', 'delete_lost'];

export interface DeleteServerInput {
  buildId: string;
  /** The caller's trust for this delete (the build's own ended with the build). */
  trustId: string;
}

export interface DeleteServerResult {
  server: string;
  volumes: Record<string, string>;
  addressesReleased: number;
}

export async function deleteServer(input: DeleteServerInput): Promise<DeleteServerResult> {
  const { buildId, trustId } = input;
  const state = new BuildState();
  setHandler(buildProgressQuery, () => state.view());
  let result: DeleteServerResult;
  try {
    result = await takeAway(buildId, trustId, state);
  } catch (err) {
    if (patched(STUCK_KEEPS_TRUST)) {
      log.warn('server delete stuck: a step gave up, the reaper starts the delete again', {
        buildId,
        step: state.failedStep,
        error: (err as Error).message,
      });
      await CancellationScope.nonCancellable(() => act.updateBuild({ buildId, stuck: { reason: 'delete_failed' } }));
    } else await CancellationScope.nonCancellable(() => act.deleteTrust({ trustId }));
    throw err;
  }
  // The trust goes before the build is marked deleted: a caller who sees "deleted" sees it all gone.
  await act.deleteTrust({ trustId });
  const done = { status: 'deleted', step: 'deleted', finished: true, stuck: { cleared: DELETE_REASONS } } as const;
  await act.updateBuild({ buildId, ...done });
  return result;
}

async function takeAway(buildId: string, trustId: string, state: BuildState): Promise<DeleteServerResult> {
  // Nothing more is granted to the build; one still running is stopped: its compensation undoes what it made.
  await act.fenceBuild({ buildId });
  await state.run('stop-build', () => act.stopServerBuild({ buildId }));
  await act.updateBuild({ buildId, status: 'deleting', step: 'deleting' });
  const build = await act.readBuildResources({ buildId });
  const server = build.serverId
    ? await state.run('delete-server', () => deleteServerAndWait(trustId, build.serverId!))
    : 'none';
  const volumes: Record<string, string> = {};
  await state.run('delete-volumes', async () => {
    for (const volumeId of build.volumeIds) volumes[volumeId] = await act.deleteTenantVolume({ trustId, volumeId });
    // A create answered after its attempt gave up leaves a second disk the row does not name: the build's
    // tag finds it, as the undo's does (servers/tenant-disks).
    if (build.name && patched(TAGGED_DISKS_TOO))
      for (const name of [swapDiskName(build.name), dataDiskName(build.name)]) {
        const deleted = await act.deleteTenantDisksOf({ trustId, buildId, name });
        if (deleted) volumes[name] = `deleted ${deleted} not recorded`;
      }
  });
  const addressesReleased = await state.run('release-ip', () => act.releaseFixedIps({ holder: buildId }));
  return { server, volumes, addressesReleased };
}
