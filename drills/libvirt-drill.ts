// Reference composition of the drill activities for a real guest under libvirt (what the
// Temporal workflow will do step by step). Case 1 'snapshot': base ← overlay1, live snapshot to
// overlay2. Case 2 'commit-*': base ← overlay1 ← overlay2, live snapshot to overlay3, then a live
// blockcommit that shortens the chain, while the guest keeps writing.
import { randomBytes } from 'node:crypto';
import { layerPath, prepareChain } from '../activities/drill/chain';
import { startDrillDomain } from '../activities/drill/domain';
import { liveBlockCommit, type CommitMode } from '../activities/drill/live-blockcommit';
import { liveSnapshot } from '../activities/drill/live-snapshot';
import { restoreDrill } from '../activities/drill/restore';
import { captureLiveCopy } from '../activities/drill/verify-layers';
import { readWriterProgress, waitForWriterDone, waitForWriterProgress } from '../activities/drill/writer-progress';
import { recordAbort, type DrillReport } from './drill-report';
import { StepTimer } from './step-timer';
import { verifyDrillRun } from './verify-drill-run';

export type LibvirtDrillScenario = 'snapshot' | `commit-${CommitMode}`;

export interface LibvirtDrillInput {
  workDir: string;
  scenario: LibvirtDrillScenario;
  guest: { kernel: string; initrd: string };
  records: number;
  /** The snapshot is taken once the guest reports at least this many records written. */
  snapshotAtRecords: number;
  pauseUs?: number;
  domainName?: string;
  bootTimeoutMs?: number;
  writerTimeoutMs?: number;
  heartbeat?: (details: unknown) => void;
}

export async function runLibvirtDrill(input: LibvirtDrillInput): Promise<DrillReport> {
  const domainName = input.domainName ?? `blockflow-drill-${randomBytes(4).toString('hex')}`;
  const commitMode = input.scenario === 'snapshot' ? undefined : (input.scenario.slice('commit-'.length) as CommitMode);
  const timer = new StepTimer();
  const report: DrillReport = { ok: false, failures: [], timings: timer.timings };
  const watch = { domainName, heartbeat: input.heartbeat };

  try {
    const chain = await timer.step('prepare', () => prepareChain({ workDir: input.workDir, overlays: commitMode ? 2 : 1 }));
    const oldLayer = chain.layers[chain.layers.length - 1];
    const newOverlay = layerPath(input.workDir, chain.layers.length);

    const domain = await timer.step('define+start', () =>
      startDrillDomain({ workDir: input.workDir, domainName, activeImage: oldLayer, guest: input.guest, records: input.records, pauseUs: input.pauseUs }),
    );
    const serial = { ...watch, serialLog: domain.serialLog };
    await timer.step('boot-to-writer', () => waitForWriterProgress({ ...serial, atLeastRecords: 1, timeoutMs: input.bootTimeoutMs ?? 60_000 }));
    const atPoint = await timer.step('writer-to-snapshot-point', () =>
      waitForWriterProgress({ ...serial, atLeastRecords: input.snapshotAtRecords, timeoutMs: input.writerTimeoutMs ?? 60_000 }),
    );
    report.progressBeforeSnapshot = atPoint.records;

    let { activeImage } = await timer.step('snapshot', () => liveSnapshot({ domainName, newOverlay }));
    report.progressAfterSnapshot = (await readWriterProgress(domain.serialLog)).records;
    // Read live while the guest keeps writing: the old layer must never change from here on,
    // whatever the commit does to the layers around it.
    const liveCopy = await timer.step('live-copy', () => captureLiveCopy({ workDir: input.workDir, oldLayer }));

    if (commitMode) {
      const [base, overlay1] = chain.layers;
      ({ activeImage } = await timer.step('commit', () =>
        liveBlockCommit(commitMode === 'active-pivot' ? { domainName, mode: commitMode } : { domainName, mode: commitMode, top: oldLayer, base: overlay1 }),
      ));
      report.progressAfterCommit = (await readWriterProgress(domain.serialLog)).records;
      const expectedActive = commitMode === 'active-pivot' ? base : newOverlay;
      if (activeImage !== expectedActive) report.failures.push(`after the commit vda is ${activeImage}, expected ${expectedActive}`);
    }

    await timer.step('writer-finish', () => waitForWriterDone({ ...serial, timeoutMs: input.writerTimeoutMs ?? 60_000 }));

    await timer.step('verify', () =>
      verifyDrillRun(report, { chain, newOverlay, activeImage, liveCopy: liveCopy.rawFile, commit: commitMode, records: input.records }),
    );
  } catch (error) {
    recordAbort(report, error);
  } finally {
    report.restore = await timer.step('restore', () => restoreDrill({ workDir: input.workDir, domainName }));
  }
  report.ok = report.failures.length === 0;
  return report;
}
