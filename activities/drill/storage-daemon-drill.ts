// The fast form of the drill, without a guest: qemu-storage-daemon serves the chain, a host
// writer streams acknowledged 4 KiB records over NBD, and the live snapshot (and optionally a
// live commit) is done over QMP while it writes. Verified exactly like the libvirt form.
import { NbdClient } from '../../drills/nbd-client';
import { NbdRecordWriter } from '../../drills/nbd-record-writer';
import { exportedNode, qmpCommit, qmpSnapshot } from '../../drills/qmp-block-ops';
import { RECORDS_PER_CHUNK } from '../../drills/records';
import { judgeSnapshotPoint } from '../../drills/snapshot-point';
import { StepTimer } from '../../drills/step-timer';
import { nodeNameOf, startStorageDaemon, type StorageDaemon } from '../../drills/storage-daemon';
import type { DrillReport } from '../../drills/drill-report';
import { layerPath, prepareChain } from './chain';
import type { CommitMode } from './live-blockcommit';
import { restoreDrill } from './restore';
import { captureLiveCopy, verifyDrillLayers } from './verify-layers';

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
  let writing: Promise<void> | undefined;

  try {
    const chain = await timer.step('prepare', () => prepareChain({ workDir: input.workDir, overlays: input.commit === 'top-base' ? 2 : 1 }));
    const oldLayer = chain.layers[chain.layers.length - 1];
    const newOverlay = layerPath(input.workDir, chain.layers.length);
    const started = await timer.step('daemon-start', () => startStorageDaemon({ workDir: input.workDir, layers: chain.layers, timeoutMs }));
    daemon = started;

    const client = await NbdClient.connect(started.nbdSocket, started.exportName);
    const writer = new NbdRecordWriter(client, input.records, input.chunkPauseMs);
    writing = timer.step('writer-total', () => writer.run());
    writing.catch(() => undefined); // observed below; avoid an unhandled rejection meanwhile

    report.progressBeforeSnapshot = await timer.step('writer-to-snapshot-point', () => writer.waitForRecords(input.snapshotAtRecords, timeoutMs));
    input.heartbeat?.({ step: 'snapshot', records: writer.acknowledgedRecords });
    // What the writer had acknowledged when the snapshot was issued (the value above may be a tick older).
    report.progressBeforeSnapshot = writer.acknowledgedRecords;
    await timer.step('snapshot', () => qmpSnapshot(started.qmp, { node: nodeNameOf(oldLayer), overlayFile: newOverlay, overlayNode: nodeNameOf(newOverlay) }));
    report.progressAfterSnapshot = writer.acknowledgedRecords;
    const liveCopy = await timer.step('live-copy', () => captureLiveCopy({ workDir: input.workDir, oldLayer }));

    let activeImage = newOverlay;
    if (input.commit) {
      const [base, overlay1] = chain.layers;
      const commit = input.commit === 'active-pivot' ? { activeNode: nodeNameOf(newOverlay) } : { activeNode: nodeNameOf(newOverlay), topNode: nodeNameOf(oldLayer), baseNode: nodeNameOf(overlay1) };
      await timer.step('commit', () => qmpCommit(started.qmp, { ...commit, timeoutMs }));
      report.progressAfterCommit = writer.acknowledgedRecords;
      if (input.commit === 'active-pivot') activeImage = base;
    }
    const exportNode = await exportedNode(started.qmp);
    if (exportNode !== nodeNameOf(activeImage)) report.failures.push(`NBD export writes to ${exportNode}, expected ${nodeNameOf(activeImage)}`);

    await timer.step('writer-finish', () => writing!);
    await client.disconnect();
    await timer.step('daemon-stop', () => started.stop());

    const verification = await timer.step('verify', () =>
      verifyDrillLayers({
        workDir: input.workDir,
        records: input.records,
        activeImage,
        oldLayer,
        liveCopy: liveCopy.rawFile,
        samePrefixLayers: input.commit === 'top-base' ? [chain.layers[1]] : [],
        checkImages: [...chain.layers, newOverlay],
      }),
    );
    report.verification = verification;
    report.oldLayerRecords = verification.oldLayer.k;
    report.failures.push(
      ...verification.failures,
      ...judgeSnapshotPoint({
        records: input.records,
        oldLayerRecords: verification.oldLayer.k,
        progressBeforeSnapshot: report.progressBeforeSnapshot,
        progressAfterLastOperation: report.progressAfterCommit ?? report.progressAfterSnapshot,
        // Host-side counts are exact: at most the one write in flight may also have reached the old layer.
        latestPossibleCut: report.progressAfterSnapshot + RECORDS_PER_CHUNK,
      }),
    );
  } catch (error) {
    report.failures.push(`drill aborted: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await timer.step('restore', async () => {
      await daemon?.stop();
      await writing?.catch(() => undefined);
      report.restore = await restoreDrill({ workDir: input.workDir });
    });
  }
  report.ok = report.failures.length === 0;
  return report;
}
