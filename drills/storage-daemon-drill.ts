// The fast form of the drill, without a guest: qemu-storage-daemon serves the chain, a host
// writer streams acknowledged 4 KiB records over NBD, and the live snapshot (and optionally a
// live commit) is done over QMP while it writes. Verified exactly like the libvirt form.
import { withTimeout } from '../lib/wait-until';
import { recordAbort, type DrillReport } from './drill-report';
import { NbdClient } from './nbd-client';
import { NbdRecordWriter } from './nbd-record-writer';
import { exportedNode, qmpCommit, qmpSnapshot } from './qmp-block-ops';
import { RECORDS_PER_CHUNK } from './records';
import { StepTimer } from './step-timer';
import { nodeNameOf, startStorageDaemon, type StorageDaemon } from './storage-daemon';
import { verifyDrillRun } from './verify-drill-run';
import { layerPath, prepareChain } from './chain';
import type { CommitMode } from './live-blockcommit';
import { restoreDrill } from './restore';
import { captureLiveCopy } from './verify-layers';

export interface StorageDaemonDrillInput {
  workDir: string;
  records: number;
  snapshotAtRecords: number;
  /** Omit for the snapshot-only case. 'top-base' runs on base ← overlay1 ← overlay2. */
  commit?: CommitMode;
  /** Pause after each acknowledged chunk, to stretch the write window. */
  chunkPauseMs?: number;
  timeoutMs?: number;
  heartbeat?: (details: unknown) => void;
}

export async function runStorageDaemonDrill(input: StorageDaemonDrillInput): Promise<DrillReport> {
  const timeoutMs = input.timeoutMs ?? 60_000;
  const timer = new StepTimer();
  const report: DrillReport = { ok: false, failures: [], timings: timer.timings };
  let daemon: StorageDaemon | undefined;
  let writerSettled: Promise<unknown> | undefined;

  try {
    const chain = await timer.step('prepare', () =>
      prepareChain({ workDir: input.workDir, overlays: input.commit === 'top-base' ? 2 : 1 }),
    );
    const oldLayer = chain.layers[chain.layers.length - 1];
    const newOverlay = layerPath(input.workDir, chain.layers.length);
    const started = await timer.step('daemon-start', () =>
      startStorageDaemon({ workDir: input.workDir, layers: chain.layers, timeoutMs }),
    );
    daemon = started;

    const client = await NbdClient.connect(started.nbdSocket, started.exportName);
    const writer = new NbdRecordWriter(client, input.records, input.chunkPauseMs);
    const writing = timer.step('writer-total', () => writer.run());
    // Awaited below; this keeps a failure from going unhandled meanwhile.
    writerSettled = writing.catch(() => undefined);

    await timer.step('writer-to-snapshot-point', () => writer.waitForRecords(input.snapshotAtRecords, timeoutMs));
    input.heartbeat?.({ step: 'snapshot', records: writer.acknowledgedRecords });
    // Read when the snapshot is issued (waitForRecords resolved a tick earlier).
    report.progressBeforeSnapshot = writer.acknowledgedRecords;
    await timer.step('snapshot', () =>
      qmpSnapshot(started.qmp, {
        node: nodeNameOf(oldLayer),
        overlayFile: newOverlay,
        overlayNode: nodeNameOf(newOverlay),
      }),
    );
    const progressAfterSnapshot = writer.acknowledgedRecords;
    report.progressAfterSnapshot = progressAfterSnapshot;
    const liveCopy = await timer.step('live-copy', () => captureLiveCopy({ workDir: input.workDir, oldLayer }));

    let activeImage = newOverlay;
    if (input.commit) {
      const [base, overlay1] = chain.layers;
      const commit =
        input.commit === 'active-pivot'
          ? { activeNode: nodeNameOf(newOverlay) }
          : { activeNode: nodeNameOf(newOverlay), topNode: nodeNameOf(oldLayer), baseNode: nodeNameOf(overlay1) };
      await timer.step('commit', () => qmpCommit(started.qmp, { ...commit, timeoutMs }));
      report.progressAfterCommit = writer.acknowledgedRecords;
      if (input.commit === 'active-pivot') activeImage = base;
    }
    const exportNode = await exportedNode(started.qmp);
    if (exportNode !== nodeNameOf(activeImage))
      report.failures.push(`NBD export writes to ${exportNode}, expected ${nodeNameOf(activeImage)}`);

    await timer.step('writer-finish', () => withTimeout(writing, timeoutMs, 'the NBD writer to finish'));
    await client.disconnect();
    await timer.step('daemon-stop', () => started.stop());

    await timer.step('verify', () =>
      verifyDrillRun(report, {
        chain,
        newOverlay,
        activeImage,
        liveCopy: liveCopy.rawFile,
        commit: input.commit,
        records: input.records,
        // Host-side counts are exact: at most the one write in flight may also have reached the old layer.
        latestPossibleCut: progressAfterSnapshot + RECORDS_PER_CHUNK,
      }),
    );
  } catch (error) {
    recordAbort(report, error);
  } finally {
    await timer.step('restore', async () => {
      await daemon?.stop();
      await writerSettled;
      report.restore = await restoreDrill({ workDir: input.workDir });
    });
  }
  report.ok = report.failures.length === 0;
  return report;
}
