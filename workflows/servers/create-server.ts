// createServer: a tenant's server, its system disk taken from the spare pool (seed 001's new
// create flow), as a saga: every step that makes something registers its undo, and any failure
// undoes what was done (nothing leaks), looking at what is there rather than assuming.
//   1. side by side: the system disk (the tenant's volume of that name, reused only when it is
//      detached and held by no live build or pool row, recorded as reused → else a pool spare,
//      claimed race-free and handed over (transfer + accept) → else built from the OS snapshot
//      (fallback) and handed over; renamed `<server>-sys`); the swap and data disks in the
//      tenant's project; a fixed IP, allocated race-free from the network's table;
//   2. boot from the volumes (BDM v2; delete_on_termination only on the disks the build made or
//      was handed, never on a reused one: servers/README.md), wait for ACTIVE.
// The build's Keystone trust is deleted when the build ends, whatever the outcome, unless an undo
// gave up: then the build is marked stuck and keeps its trust for the reaper's retry of its undos
// (workflows/undo-server-build, servers/stuck-builds).
import { CancellationScope, log, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { BuildRequest, BuildUpdate, SystemDiskPath } from '../../servers/builds';
import { dataDiskName, swapDiskName, systemDiskName } from '../../servers/names';
import { Saga } from './saga';
import { act, local, undo } from './proxies';
import { allSettled, deleteServerAndWait, QUICK_POLL_MS, settleServer, waitForVolume } from './waits';
import { BuildState, buildProgressQuery } from './build-state';

// Reshapes of the workflow, kept replay-safe for builds in flight when a worker is upgraded:
// the boot records the build's progress itself; the trust delete and the final record are one step, then
// one the server records (not a local activity).
const BOOT_RECORDS_PROGRESS = 'boot-records-progress';
const FINISH_IN_ONE_STEP = 'finish-in-one-step';
const FINISH_DURABLY = 'finish-durably';
const STUCK_KEEPS_TRUST = 'stuck-keeps-trust';

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

export async function createServer(input: CreateServerInput): Promise<CreateServerResult> {
  const buildId = workflowInfo().workflowId;
  const { trustId } = input;
  const state = new BuildState();
  setHandler(buildProgressQuery, () => state.view());
  const saga = undoEverythingOf(input, buildId);
  let result: Omit<CreateServerResult, 'stepTimings'>;
  try {
    result = await buildServer(input, buildId, state);
  } catch (err) {
    const failedStep = state.failedStep ?? state.step;
    const compensation = await CancellationScope.nonCancellable(async () => {
      await undo.fenceBuild({ buildId }); // before any undo: nothing is granted to the build from here on
      return saga.compensate();
    });
    const failure = describeFailure(err);
    // The cloud's own words (internal URLs, the admin project's id) are for the operator's log only.
    log.warn('server build failed', {
      buildId,
      step: failedStep,
      code: failure.code,
      detail: failure.detail,
      compensation,
    });
    // An undo that gave up: the build keeps its trust (the retry acts with it) and is shown stuck.
    const stuck = patched(STUCK_KEEPS_TRUST) && saga.failures.length > 0;
    if (stuck) log.warn('server build stuck: an undo gave up, the reaper retries it', { buildId, compensation });
    await CancellationScope.nonCancellable(async () => {
      // The trust goes before the build is marked ended: a caller who sees "failed" sees it all undone.
      if (!stuck) await undo.deleteTrust({ trustId });
      await act.updateBuild({
        buildId,
        status: 'failed',
        step: failedStep,
        path: state.path,
        stepTimings: state.stepTimings,
        failureReason: failure.reason,
        compensation: tenantReport(compensation),
        finished: true,
        ...(stuck ? { stuck: { reason: 'undo_failed' as const } } : {}),
      });
    });
    throw err;
  }
  // The trust goes before the build is marked ended: a caller who sees "active" (or "failed") has
  // nothing of the build acting on its behalf any more.
  state.step = 'active';
  const ended: BuildUpdate = {
    buildId,
    status: 'active',
    step: 'active',
    stepTimings: state.stepTimings,
    ...result,
    finished: true,
  };
  if (patched(FINISH_DURABLY)) {
    // An ordinary activity, whose end the server records at once. As a local activity its end was
    // recorded only with the task's: a worker that died after the trust was deleted but before the
    // task ended lost it, and the build's re-run found its trust gone (every step and undo refused).
    // Not cancellable: a delete's cancel that lands once the steps are done must not skip the trust's
    // delete (a trust left behind, seen by the crash loop); the delete goes on once this has ended.
    await CancellationScope.nonCancellable(() => act.finishBuild({ trustId, update: ended }));
  } else if (patched(FINISH_IN_ONE_STEP)) {
    await local.finishBuild({ trustId, update: ended });
  } else {
    await local.deleteTrust({ trustId });
    await local.updateBuild(ended);
  }

  return { ...result, stepTimings: state.stepTimings };
}

/**
 * The undo of every step, registered before the build makes anything. Each looks for what the
 * build made by the build's identity (a claim, a handout, a disk's or server's metadata, an
 * address's holder) and does nothing when there is none: a step whose result the workflow never
 * saw (a worker that died before it was recorded) is undone as surely as one it did. Newest first
 * on failure: the server (its delete_on_termination volumes may go with it), then the disks, then
 * the address.
 */
export function undoEverythingOf(
  input: Pick<CreateServerInput, 'trustId' | 'projectId' | 'name' | 'swapGb' | 'dataGb'>,
  buildId: string,
): Saga {
  const { trustId, projectId } = input;
  const saga = new Saga();
  saga.add('fixed IP', async () => `released ${await undo.releaseFixedIps({ holder: buildId })}`);
  const disks = [
    { name: swapDiskName(input.name), sizeGb: input.swapGb },
    { name: dataDiskName(input.name), sizeGb: input.dataGb },
  ];
  for (const { name } of disks.filter((d) => d.sizeGb > 0))
    saga.add(name, async () => `deleted ${await undo.deleteTenantDisksOf({ trustId, buildId, name })}`);
  saga.add('system disk', () => undo.releaseSystemDisk({ trustId, projectId, buildId, serverName: input.name }));
  saga.add('server', async () => {
    const made = await undo.findServerOf({ trustId, buildId, name: input.name });
    return made ? deleteServerAndWait(trustId, made) : 'none made';
  });
  return saga;
}

/**
 * The steps: system disk, swap and data disks and fixed IP side by side (none needs another), then
 * the boot. A failed branch lets the others finish before it throws, so no undo runs while a step
 * can still make something.
 */
async function buildServer(
  input: CreateServerInput,
  buildId: string,
  state: BuildState,
): Promise<Omit<CreateServerResult, 'stepTimings'>> {
  const { trustId } = input;
  const [system, swapVolumeId, dataVolumeId, address] = await allSettled(
    state.run('system-disk', () => obtainSystemDisk(input, buildId, state)),
    state.run('disks', () => tenantDisk(input, buildId, swapDiskName(input.name), input.swapGb)),
    state.run('disks', () => tenantDisk(input, buildId, dataDiskName(input.name), input.dataGb)),
    state.run('fixed-ip', () =>
      local.allocateFixedIp({ networkId: input.networkId, holder: buildId, address: input.fixedIp }),
    ),
  );
  const extraVolumeIds = [swapVolumeId, dataVolumeId].filter((id): id is string => id !== undefined);
  const serverId = await state.run('boot', async () => {
    const progress = { step: 'boot', address, stepTimings: state.stepTimings };
    const boot = {
      trustId,
      buildId,
      name: input.name,
      flavorId: input.flavorId,
      systemVolumeId: system.volumeId,
      extraVolumeIds,
      networkId: input.networkId,
      address,
      withinMs: QUICK_POLL_MS,
    };
    const [booted] = patched(BOOT_RECORDS_PROGRESS)
      ? [await local.bootServer({ ...boot, progress })]
      : await allSettled(local.bootServer(boot), local.updateBuild({ buildId, ...progress }));
    if (booted.status !== 'ACTIVE') await settleServer(trustId, booted.serverId, 'ACTIVE', booted);
    return booted.serverId;
  });
  return { serverId, path: system.path, systemVolumeId: system.volumeId, swapVolumeId, dataVolumeId, address };
}

interface SystemDisk {
  volumeId: string;
  path: SystemDiskPath;
}

/** A pool spare handed over, or (pool empty) a disk built from the OS snapshot and handed over. */
async function obtainSystemDisk(input: CreateServerInput, buildId: string, state: BuildState): Promise<SystemDisk> {
  const { trustId, projectId } = input;
  const started = Date.now();
  const request = {
    trustId,
    projectId,
    buildId,
    serverName: input.name,
    volumeType: input.volumeType,
    osName: input.osName,
    snapshotId: input.snapshotId,
  };
  const taken = await local.takeSystemDisk(request);
  if (taken) {
    state.path = taken.path;
    return taken;
  }
  state.path = 'fallback';
  const { volumeId } = await act.createFallbackSystemDisk({
    buildId,
    volumeType: input.volumeType,
    osName: input.osName,
    snapshotId: input.snapshotId,
    sizeGb: input.sizeGb,
  });
  await waitForVolume(volumeId);
  return act.deliverSystemDisk({ ...request, volumeId, startedAt: started });
}

/** A swap or data disk (none when its size is 0). */
async function tenantDisk(input: CreateServerInput, buildId: string, name: string, sizeGb: number) {
  if (sizeGb === 0) return undefined;
  const { trustId } = input;
  const disk = await local.provideTenantDisk({
    trustId,
    buildId,
    name,
    sizeGb,
    volumeType: input.volumeType,
    withinMs: QUICK_POLL_MS,
  });
  if (!disk.ready) await waitForVolume(disk.volumeId, disk.status);
  return disk.volumeId;
}

/**
 * What a build's tenant is told, by the failure's type: a stable code and sentence (no cloud text:
 * it carries internal URLs and the admin project's id), and the detail for the operator's log.
 */
const FAILURES: [types: string[], code: string, sentence: string][] = [
  [['TenantQuotaExceeded', 'QuotaExceededError'], 'quota_exceeded', "the project's quota refuses the build's volumes"],
  [['FixedIpUnavailable'], 'no_address', 'no free address on the network, or the address asked for is taken'],
  [['ServerBuildFailed'], 'server_error', 'the server went to ERROR on the compute node'],
  [['ServerTimeout'], 'server_timeout', 'the server did not become ACTIVE in time'],
  [['VolumeNotAvailable'], 'volume_error', 'a volume of the build did not become available'],
  // A delete cancels the build's workflow: the cancellation reaches the build as a CancelledFailure.
  [['BuildUndone', 'CancelledFailure'], 'build_deleted', 'the build was deleted before it ended'],
  [
    ['BadRequestError', 'UnauthorizedError', 'ForbiddenError', 'NotFoundError', 'ConflictError'],
    'cloud_refused',
    'the cloud refused a request of the build',
  ],
  [['OverLimitError'], 'cloud_busy', 'the cloud asked to wait longer than the build could'],
  [['ServiceError', 'UnreachableError'], 'cloud_unavailable', 'the cloud failed or did not answer'],
];

export function describeFailure(err: unknown): { code: string; reason: string; detail: string } {
  let root = err as { cause?: unknown; type?: string; name?: string; message?: string };
  while (root.cause) root = root.cause as typeof root;
  // An application failure says its type; Temporal's own failures (a cancellation) their name.
  const known = FAILURES.find(([types]) => types.includes(root.type ?? '') || types.includes(root.name ?? ''));
  const [code, sentence] = known ? [known[1], known[2]] : ['internal', 'the build failed'];
  return { code, reason: `${code}: ${sentence}`, detail: root.message ?? String(err) };
}

/** The compensation report as the tenant sees it: what each undo did, and a failure without its cause. */
export function tenantReport(report: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(report).map(([what, done]) => [
      what,
      done.startsWith('failed') ? 'failed (the operator is told why)' : done,
    ]),
  );
}
