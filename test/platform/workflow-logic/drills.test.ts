// The drill workflows' compensation against stubbed activities: once preflight has passed, a
// step that throws (or a cancel) must still be followed by the restore and its leftover check,
// and the run must end recorded with the status that says what happened.
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { Activities } from '../../../activities';
import { blockcommitDrill, snapshotDrill } from '../../../workflows';
import { CallLog, gate, recording, withStubWorker, type ActivityStubs } from './stub-worker';

type RunRecord = Parameters<Activities['recordDrillRun']>[0];
type RestoreInput = Parameters<Activities['restoreDrillRun']>[0];

const WORK_DIR = '/tmp/blockflow-drill-stub';
const timed = <T>(value: T) => ({ value, ms: 1 });
const restored = (leftovers: string[]) =>
  timed({ domainRemoved: true, restoredLayers: ['overlay1.qcow2'], removedFiles: ['overlay2.qcow2'], leftovers });

/** Bookkeeping, preflight and restore; each test adds the steps of its form. */
function drillStubs(log: CallLog, steps: ActivityStubs, leftovers: string[] = []) {
  return recording(log, {
    recordDrillRun: async (_run: RunRecord) => {},
    preflightDrill: async () => timed({ workDir: WORK_DIR, guest: { kernel: '/k', initrd: '/i' } }),
    restoreDrillRun: async (_input: RestoreInput) => restored(leftovers),
    ...steps,
  });
}

const records = (log: CallLog) => log.of('recordDrillRun').map(([r]) => r as RunRecord);
const stepNames = (log: CallLog) => log.names().filter((n) => n !== 'recordDrillRun');

describe('drill workflows: a step that throws', () => {
  it('storage-daemon snapshot drill: restore still runs, the run is recorded errored with the cause', async () => {
    const log = new CallLog();
    const stubs = drillStubs(log, {
      runStorageDaemonDrill: async () => {
        throw ApplicationFailure.create({ message: 'QMP socket closed' });
      },
    });
    const params = { form: 'storage-daemon' as const, records: 64, snapshotAtRecords: 16 };
    const outcome = await withStubWorker(stubs, ({ client, options }) =>
      client.workflow.execute(snapshotDrill, { ...options('drill-daemon-throws'), args: [params] }),
    );

    expect(stepNames(log)).toEqual(['preflightDrill', 'runStorageDaemonDrill', 'restoreDrillRun']);
    expect(log.of('restoreDrillRun')).toEqual([[{ workDir: WORK_DIR }]]);
    const [first, last] = [records(log)[0], records(log).at(-1)];
    expect(first).toMatchObject({ status: 'running', scenario: 'snapshot' });
    expect(last).toMatchObject({
      status: 'errored',
      verdict: 'fail',
      finished: true,
      restore: restored([]).value,
      failureReason: expect.stringContaining('QMP socket closed'),
    });
    expect(outcome).toMatchObject({ verdict: 'fail', failures: [expect.stringContaining('storage-daemon-drill')] });
  });

  it('libvirt commit drill, snapshot throws: no later step, its domain restored, leftovers reported', async () => {
    const log = new CallLog();
    const stubs = drillStubs(
      log,
      {
        prepareDrillChain: async (input) =>
          timed({
            workDir: input.workDir,
            pristineDir: 'pristine',
            nextOverlay: 'overlay3.qcow2',
            layers: ['base.qcow2', 'overlay1.qcow2', 'overlay2.qcow2'],
          }),
        startDrillDomain: async (input) =>
          timed({
            domainName: input.domainName,
            serialLog: `${WORK_DIR}/serial.log`,
            releaseDisk: `${WORK_DIR}/guest/release.raw`,
            startedAt: Date.now(),
          }),
        waitForDrillWriter: async (input) => timed({ records: input.atLeastRecords, observedAt: Date.now() }),
        takeDrillSnapshot: async () => {
          throw ApplicationFailure.create({ message: 'virsh snapshot-create-as: failed' });
        },
      },
      ['domain still defined'],
    );
    const params = {
      form: 'libvirt' as const,
      records: 64,
      snapshotAtRecords: 16,
      commitMode: 'active-pivot' as const,
    };
    const outcome = await withStubWorker(stubs, ({ client, options }) =>
      client.workflow.execute(blockcommitDrill, { ...options('drill-libvirt-throws'), args: [params] }),
    );

    expect(stepNames(log)).toEqual([
      'preflightDrill',
      'prepareDrillChain',
      'startDrillDomain',
      'waitForDrillWriter',
      'waitForDrillWriter',
      'takeDrillSnapshot',
      'restoreDrillRun',
    ]);
    // The restore undoes the domain this run defined, in the work dir preflight gave it.
    const defined = (log.of('startDrillDomain')[0]![0] as { domainName: string }).domainName;
    expect(log.of('restoreDrillRun')).toEqual([[{ workDir: WORK_DIR, domainName: defined }]]);
    expect(records(log).at(-1)).toMatchObject({
      status: 'errored',
      verdict: 'fail',
      scenario: 'commit',
      finished: true,
      failureReason: expect.stringContaining('virsh snapshot-create-as: failed'),
      failures: [expect.stringContaining('snapshot'), 'left behind after the restore: domain still defined'],
    });
    expect(outcome.verdict).toBe('fail');
  });

  it('storage-daemon drill cancelled mid-step: step waited for, restore runs, recorded cancelled', async () => {
    const log = new CallLog();
    const running = gate();
    const stubs = drillStubs(log, {
      // Runs until cancelled; a step learns of a cancel through its heartbeat.
      runStorageDaemonDrill: async () => {
        running.resolve();
        try {
          for (;;) {
            Context.current().heartbeat();
            await Context.current().sleep(200);
          }
        } finally {
          log.calls.push({ name: 'runStorageDaemonDrill ended', args: [] });
        }
      },
    });
    const params = { form: 'storage-daemon' as const, records: 64, snapshotAtRecords: 16 };
    const failure = await withStubWorker(stubs, async ({ client, options }) => {
      const handle = await client.workflow.start(snapshotDrill, { ...options('drill-daemon-cancel'), args: [params] });
      await running.promise;
      await handle.cancel();
      return handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
    });

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    // The restore never races the step: it starts once the cancelled step has ended.
    expect(stepNames(log)).toEqual([
      'preflightDrill',
      'runStorageDaemonDrill',
      'runStorageDaemonDrill ended',
      'restoreDrillRun',
    ]);
    expect(records(log).at(-1)).toMatchObject({ status: 'cancelled', finished: true, restore: restored([]).value });
  });
});
