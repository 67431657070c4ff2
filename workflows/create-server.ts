// createServer: a tenant's server, its system disk taken from the spare pool (seed 001's new
// create flow), as a saga: every step that makes something registers its undo, and any failure
// undoes what was done (nothing leaks), looking at what is there rather than assuming.
//   1. system disk: the tenant's volume of that name (a retry) → else a pool spare, claimed
//      race-free and handed over (transfer + accept), → else built from the OS snapshot
//      (fallback) and handed over; renamed `<server>-sys`;
//   2. swap and data disks in the tenant's project;
//   3. a fixed IP, allocated race-free from the network's table;
//   4. boot from the volumes (BDM v2, all delete_on_termination), wait for ACTIVE.
// The build's Keystone trust is deleted when the build ends, whatever the outcome.
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BuildRequest, SystemDiskPath } from '../servers/builds';
import { dataDiskName, swapDiskName, systemDiskName } from '../servers/names';
import { OPENSTACK_NON_RETRYABLE } from '../openstack/errors';
import { Saga } from './saga';
import { BuildState, buildProgressQuery } from './server-build-state';

const NON_RETRYABLE = [...OPENSTACK_NON_RETRYABLE, 'TenantQuotaExceeded', 'FixedIpUnavailable'];
// A cancelled build waits for the step in flight to end, so its undo (which looks for what the
// build made) never runs while that step can still make something.
const act = proxyActivities<Activities>({
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '20 seconds',
    maximumAttempts: 8,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});
// Undo steps must get through: more patience, and they are idempotent.
const undo = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});

export interface CreateServerInput extends BuildRequest {
  projectId: string;
  /** The caller's trust to blockflow's service user; redeemed per step, deleted at the end. */
  trustId: string;
  /** The OS image snapshot of (volumeType, osName) when the build was asked for, and its size. */
  snapshotId: string;
  sizeGb: number;
}

export interface CreateServerResult {
  serverId: string;
  path: SystemDiskPath;
  systemVolumeId: string;
  swapVolumeId?: string;
  dataVolumeId?: string;
  address: string;
  stepTimings: Record<string, number>;
}

/** How long the workflow waits for a volume or a server, in durable-timer rounds after a quick poll. */
const QUICK_POLL_MS = 10_000;
const VOLUME_DEADLINE_MS = 30 * 60_000;
const SERVER_DEADLINE_MS = 15 * 60_000;

export async function createServer(input: CreateServerInput): Promise<CreateServerResult> {
  const buildId = workflowInfo().workflowId;
  const { trustId } = input;
  const state = new BuildState();
  setHandler(buildProgressQuery, () => state.view());
  const saga = new Saga();
  let result: Omit<CreateServerResult, 'stepTimings'>;
  try {
    result = await buildServer(input, buildId, state, saga);
  } catch (err) {
    const failedStep = state.step;
    const compensation = await CancellationScope.nonCancellable(() => saga.compensate());
    await CancellationScope.nonCancellable(async () => {
      // The trust goes before the build is marked ended: a caller who sees "failed" sees it all undone.
      await undo.deleteTrust({ trustId });
      await act.updateBuild({
        buildId,
        status: 'failed',
        step: failedStep,
        path: state.path,
        stepTimings: state.stepTimings,
        failureReason: describeFailure(err),
        compensation,
        finished: true,
      });
    });
    throw err;
  }
  await undo.deleteTrust({ trustId });
  state.step = 'active';
  await act.updateBuild({
    buildId,
    status: 'active',
    step: 'active',
    stepTimings: state.stepTimings,
    ...result,
    finished: true,
  });
  return { ...result, stepTimings: state.stepTimings };
}

/** The steps, in order; each registers its undo with `saga` before (or as soon as) it makes something. */
async function buildServer(
  input: CreateServerInput,
  buildId: string,
  state: BuildState,
  saga: Saga,
): Promise<Omit<CreateServerResult, 'stepTimings'>> {
  const { trustId } = input;
  const system = await state.run('system-disk', () => obtainSystemDisk(input, buildId, state, saga));
  await act.updateBuild({ buildId, step: 'disks', path: system.path, systemVolumeId: system.volumeId });
  const [swapVolumeId, dataVolumeId] = await state.run('disks', () =>
    Promise.all([
      tenantDisk(input, buildId, swapDiskName(input.name), input.swapGb, saga),
      tenantDisk(input, buildId, dataDiskName(input.name), input.dataGb, saga),
    ]),
  );
  const address = await state.run('fixed-ip', async () => {
    saga.add('fixed IP', async () => `released ${await undo.releaseFixedIps({ holder: buildId })}`);
    return act.allocateFixedIp({ networkId: input.networkId, holder: buildId, address: input.fixedIp });
  });
  const extraVolumeIds = [swapVolumeId, dataVolumeId].filter((id): id is string => id !== undefined);
  const { serverId } = await state.run('boot', async () => {
    saga.add('server', async () => {
      const made = await undo.findServerOf({ trustId, buildId, name: input.name });
      return made ? deleteServerAndWait(trustId, made) : 'none made';
    });
    const booted = await act.ensureServer({
      trustId,
      buildId,
      name: input.name,
      flavorId: input.flavorId,
      systemVolumeId: system.volumeId,
      extraVolumeIds,
      networkId: input.networkId,
      address,
    });
    await act.updateBuild({ buildId, serverId: booted.serverId });
    return booted;
  });
  await state.run('wait-active', () => waitForServer(trustId, serverId, 'ACTIVE'));
  return { serverId, path: system.path, systemVolumeId: system.volumeId, swapVolumeId, dataVolumeId, address };
}

interface SystemDisk {
  volumeId: string;
  path: SystemDiskPath;
}

async function obtainSystemDisk(
  input: CreateServerInput,
  buildId: string,
  state: BuildState,
  saga: Saga,
): Promise<SystemDisk> {
  const { trustId, projectId } = input;
  const name = systemDiskName(input.name);
  const existing = await act.findTenantVolume({ trustId, name });
  if (existing) {
    state.path = 'reused';
    return { volumeId: existing, path: 'reused' };
  }
  const started = Date.now();
  // Registered before the claim: the undo finds whatever the build got (claim, fallback disk, handout).
  saga.add('system disk', () => undo.releaseSystemDisk({ trustId, projectId, buildId, serverName: input.name }));
  const claimed = await act.claimSystemDisk({ volumeType: input.volumeType, osName: input.osName, buildId });
  const path: SystemDiskPath = claimed ? 'pool-hit' : 'fallback';
  state.path = path;
  const volumeId = claimed?.volumeId ?? (await buildFallbackDisk(input, buildId));
  await act.handOverSystemDisk({ trustId, projectId, volumeId, buildId });
  await act.renameTenantVolume({ trustId, volumeId, name });
  await act.completeHandout({
    buildId,
    volumeId,
    volumeType: input.volumeType,
    osName: input.osName,
    snapshotId: claimed?.snapshotId ?? input.snapshotId,
    path,
    handoverMs: Date.now() - started,
  });
  return { volumeId, path };
}

async function buildFallbackDisk(input: CreateServerInput, buildId: string): Promise<string> {
  const { volumeId } = await act.createFallbackSystemDisk({
    buildId,
    volumeType: input.volumeType,
    osName: input.osName,
    snapshotId: input.snapshotId,
    sizeGb: input.sizeGb,
  });
  await waitForVolume(volumeId);
  return volumeId;
}

/** A swap or data disk (none when its size is 0), with its undo registered before it exists. */
async function tenantDisk(input: CreateServerInput, buildId: string, name: string, sizeGb: number, saga: Saga) {
  if (sizeGb === 0) return undefined;
  const { trustId } = input;
  saga.add(name, async () => `deleted ${await undo.deleteTenantDisksOf({ trustId, buildId, name })}`);
  const { volumeId } = await act.ensureTenantDisk({ trustId, buildId, name, sizeGb, volumeType: input.volumeType });
  await waitForVolume(volumeId);
  return volumeId;
}

/** Until the volume is available: a quick poll in the activity, then durable timers backing off to 30 s. */
async function waitForVolume(volumeId: string): Promise<void> {
  const deadline = Date.now() + VOLUME_DEADLINE_MS;
  for (let pause = 1_000; ; pause = Math.min(30_000, pause * 2)) {
    const status = await act.awaitVolume({ volumeId, withinMs: QUICK_POLL_MS });
    if (status === 'available') return;
    if (status !== 'creating' && status !== 'downloading') {
      throw ApplicationFailure.nonRetryable(
        `volume ${volumeId} went to ${status} instead of available`,
        'VolumeNotAvailable',
      );
    }
    if (Date.now() > deadline)
      throw ApplicationFailure.nonRetryable(
        `volume ${volumeId} still ${status} after 30 minutes`,
        'VolumeNotAvailable',
      );
    await sleep(pause);
  }
}

async function waitForServer(trustId: string, serverId: string, until: 'ACTIVE' | 'gone'): Promise<void> {
  const deadline = Date.now() + SERVER_DEADLINE_MS;
  for (let pause = 1_000; ; pause = Math.min(30_000, pause * 2)) {
    const seen = await act.awaitServer({ trustId, serverId, until, withinMs: QUICK_POLL_MS });
    if (seen.status === until) return;
    if (seen.status === 'ERROR' && until === 'ACTIVE') {
      throw ApplicationFailure.nonRetryable(
        `server ${serverId} went to ERROR: ${seen.fault ?? 'no fault given'}`,
        'ServerBuildFailed',
      );
    }
    if (Date.now() > deadline)
      throw ApplicationFailure.nonRetryable(`server ${serverId} not ${until} after 15 minutes`, 'ServerTimeout');
    await sleep(pause);
  }
}

/** Deletes the server and waits until it is gone (its delete_on_termination volumes go with it). */
export async function deleteServerAndWait(trustId: string, serverId: string): Promise<string> {
  await undo.requestServerDelete({ trustId, serverId });
  await waitForServer(trustId, serverId, 'gone');
  return 'deleted';
}

function describeFailure(err: unknown): string {
  const cause = (err as { cause?: Error }).cause;
  return cause?.message ?? (err as Error).message;
}
