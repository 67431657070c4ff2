// createServer's logic against stubbed activities: the system disk, the disks and the address are
// asked for side by side; a failed branch lets the others finish before anything is undone; the
// undo fences the build first and then undoes newest first; the fallback and a slow boot go on
// with ordinary activities.
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createServer, type CreateServerInput } from '../../../workflows/servers/create-server';
import { CallLog, gate, recording, withStubWorker, type ActivityStubs } from './stub-worker';

const input: CreateServerInput = {
  name: 'web1',
  osName: 'Debian9 64bit',
  volumeType: 'ssd',
  flavorId: '1',
  swapGb: 1,
  dataGb: 2,
  networkId: 'net-1',
  projectId: 'p-1',
  trustId: 't-1',
  snapshotId: 'snap-1',
  sizeGb: 10,
};

function buildStubs(log: CallLog, overrides: ActivityStubs = {}) {
  return recording(log, {
    updateBuild: async () => {},
    takeSystemDisk: async () => ({ volumeId: 'sys-1', path: 'pool-hit' as const }),
    provideTenantDisk: async (req: { name: string }) => ({
      volumeId: `${req.name}-id`,
      status: 'available',
      ready: true,
    }),
    allocateFixedIp: async () => '10.0.0.5',
    bootServer: async () => ({ serverId: 'srv-1', status: 'ACTIVE' }),
    deleteTrust: async () => {},
    finishBuild: async () => {},
    fenceBuild: async () => {},
    findServerOf: async () => null,
    releaseSystemDisk: async () => 'returned to the pool' as const,
    deleteTenantDisksOf: async () => 1,
    releaseFixedIps: async () => 1,
    ...overrides,
  } satisfies ActivityStubs);
}

/** The type of the failure at the root of a workflow failure (activity failures wrap it). */
function failureType(error: unknown): string | undefined {
  let e = error as { cause?: unknown };
  while (e?.cause) e = e.cause as { cause?: unknown };
  return (e as ApplicationFailure).type ?? undefined;
}

describe('createServer', () => {
  it('asks for the system disk, the disks and the address side by side, then boots', async () => {
    const log = new CallLog();
    // The system disk is held until the disks and the address have been asked for: run one after
    // the other, the build would wait here for ever (and the test time out).
    const othersAsked = gate();
    let asked = 0;
    const seen = () => ++asked === 3 && othersAsked.resolve();
    const stubs = buildStubs(log, {
      takeSystemDisk: async () => {
        await othersAsked.promise;
        return { volumeId: 'sys-1', path: 'pool-hit' as const };
      },
      provideTenantDisk: async (req: { name: string }) => {
        seen();
        return { volumeId: `${req.name}-id`, status: 'available', ready: true };
      },
      allocateFixedIp: async () => {
        seen();
        return '10.0.0.5';
      },
    });
    const result = await withStubWorker(stubs, ({ client, options }) =>
      client.workflow.execute(createServer, { ...options('create-hit', 20_000), args: [input] }),
    );
    expect(result).toMatchObject({
      serverId: 'srv-1',
      path: 'pool-hit',
      systemVolumeId: 'sys-1',
      swapVolumeId: 'web1-swap-id',
      dataVolumeId: 'web1-data-id',
      address: '10.0.0.5',
    });
    expect(log.of('bootServer')[0]![0]).toMatchObject({
      systemVolumeId: 'sys-1',
      extraVolumeIds: ['web1-swap-id', 'web1-data-id'],
      address: '10.0.0.5',
    });
    expect(log.of('bootServer')[0]![0]).toMatchObject({ progress: { step: 'boot', address: '10.0.0.5' } });
    expect(log.names()).not.toContain('fenceBuild');
    expect(log.names()).not.toContain('updateBuild'); // the boot and the end record the build themselves
    expect(log.names().at(-1)).toBe('finishBuild');
    expect(log.of('finishBuild')[0]![0]).toMatchObject({
      trustId: 't-1',
      update: { status: 'active', step: 'active', serverId: 'srv-1', address: '10.0.0.5', finished: true },
    });
  });

  it("the build's end (its trust deleted) is recorded by the server, not only with the task's end", async () => {
    // A pool hit's steps are local activities in one workflow task, recorded only when it ends: a
    // worker that died after the trust's delete but before that lost the end, and the re-run found the
    // trust gone (every step and undo refused: the crash test's second stall). The end is an activity
    // of its own, which the server records the moment it completes.
    const history = await withStubWorker(buildStubs(new CallLog()), async ({ client, options }) => {
      const handle = await client.workflow.start(createServer, { ...options('create-end', 20_000), args: [input] });
      await handle.result();
      return handle.fetchHistory();
    });
    const scheduled = history.events!.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(scheduled).toContain('finishBuild');
  });

  it('a failed branch lets the others finish, then the undo fences the build and runs newest first', async () => {
    const log = new CallLog();
    const diskRelease = gate();
    const stubs = buildStubs(log, {
      allocateFixedIp: async () => {
        throw ApplicationFailure.nonRetryable('no free address left', 'FixedIpUnavailable');
      },
      provideTenantDisk: async (req: { name: string }) => {
        await diskRelease.promise;
        log.calls.push({ name: `${req.name} made`, args: [] });
        return { volumeId: `${req.name}-id`, status: 'available', ready: true };
      },
    });
    const failed = withStubWorker(stubs, async ({ client, options }) => {
      // A short workflow task: the worker heartbeats it while local activities run past 80 % of it,
      // so the undo could be scheduled then: only the workflow's own waiting keeps it back.
      const handle = await client.workflow.start(createServer, {
        ...options('create-fail', 20_000),
        workflowTaskTimeout: 2_000,
        args: [input],
      });
      await new Promise((r) => setTimeout(r, 5_000));
      diskRelease.resolve();
      return handle.result();
    });
    const err = await failed.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(failureType(err)).toBe('FixedIpUnavailable');
    const names = log.names();
    // Nothing undone while a disk was still being made.
    expect(names.indexOf('fenceBuild')).toBeGreaterThan(names.lastIndexOf('web1-data made'));
    expect(names.indexOf('fenceBuild')).toBeGreaterThan(names.lastIndexOf('web1-swap made'));
    expect(names.slice(names.indexOf('fenceBuild'))).toEqual([
      'fenceBuild',
      'findServerOf',
      'releaseSystemDisk',
      'deleteTenantDisksOf',
      'deleteTenantDisksOf',
      'releaseFixedIps',
      'deleteTrust',
      'updateBuild',
    ]);
    expect(log.of('updateBuild').at(-1)![0]).toMatchObject({ status: 'failed', step: 'fixed-ip', finished: true });
  });

  it('pool empty: builds the disk from the snapshot, waits, delivers it; a slow boot is waited for', async () => {
    const log = new CallLog();
    let looks = 0;
    const stubs = buildStubs(log, {
      takeSystemDisk: async () => null,
      createFallbackSystemDisk: async () => ({ volumeId: 'fb-1', status: 'creating' }),
      awaitVolume: async () => 'available',
      deliverSystemDisk: async () => ({ volumeId: 'fb-1', path: 'fallback' as const }),
      bootServer: async () => ({ serverId: 'srv-1', status: 'BUILD' }),
      awaitServer: async () => ({ status: ++looks < 2 ? 'BUILD' : 'ACTIVE' }),
    });
    const result = await withStubWorker(stubs, ({ client, options }) =>
      client.workflow.execute(createServer, { ...options('create-fallback', 30_000), args: [input] }),
    );
    expect(result).toMatchObject({ path: 'fallback', systemVolumeId: 'fb-1', serverId: 'srv-1' });
    expect(log.of('deliverSystemDisk')[0]![0]).toMatchObject({ volumeId: 'fb-1', buildId: expect.any(String) });
    expect(log.of('awaitServer')).toHaveLength(2);
  });
});
