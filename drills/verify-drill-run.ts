// The closing check of a drill run, the same for both forms: export and verify the layers,
// judge where the snapshot cut the writer's stream, and record it all in the report.
import type { ChainLayout } from './chain';
import type { CommitMode } from './live-blockcommit';
import { verifyDrillLayers, type LayerVerification } from './verify-layers';
import type { DrillReport } from './drill-report';
import { judgeSnapshotPoint } from './snapshot-point';

export interface VerifyDrillRunInput {
  chain: ChainLayout;
  /** Overlay the live snapshot created. */
  newOverlay: string;
  /** Head of the chain once the live operations are done. */
  activeImage: string;
  liveCopy: string;
  commit?: CommitMode;
  records: number;
  /** Only when progress is known exactly (host writer); the guest's serial progress lags. */
  latestPossibleCut?: number;
}

/** A run's verification as the workflow records it. */
export interface DrillVerification {
  failures: string[];
  oldLayerRecords?: number;
  summary?: VerificationSummary;
}

/** LayerVerification without qemu-img's raw reports. */
export type VerificationSummary = Omit<LayerVerification, 'checks'> & {
  checks: { image: string; ok: boolean; corruptions: number; leaks: number }[];
};

export function summarise(verification: LayerVerification): VerificationSummary {
  const checks = verification.checks.map(({ image, ok, corruptions, leaks }) => ({ image, ok, corruptions, leaks }));
  return { ...verification, checks };
}

/** Fills report.verification, report.oldLayerRecords and report.failures. */
export async function verifyDrillRun(report: DrillReport, input: VerifyDrillRunInput): Promise<void> {
  const { chain } = input;
  const progressAfterLastOperation = report.progressAfterCommit ?? report.progressAfterSnapshot;
  if (report.progressBeforeSnapshot === undefined || progressAfterLastOperation === undefined) {
    throw new Error('writer progress around the snapshot was not recorded');
  }
  const verification = await verifyDrillLayers({
    workDir: chain.workDir,
    records: input.records,
    activeImage: input.activeImage,
    oldLayer: chain.layers[chain.layers.length - 1],
    liveCopy: input.liveCopy,
    // A top-base commit merges the old layer into overlay1, which must then hold the same prefix.
    samePrefixLayers: input.commit === 'top-base' ? [chain.layers[1]] : [],
    checkImages: [...chain.layers, input.newOverlay],
  });
  report.verification = verification;
  report.oldLayerRecords = verification.oldLayer.k;
  report.failures.push(
    ...verification.failures,
    ...judgeSnapshotPoint({
      records: input.records,
      oldLayerRecords: verification.oldLayer.k,
      progressBeforeSnapshot: report.progressBeforeSnapshot,
      progressAfterLastOperation,
      latestPossibleCut: input.latestPossibleCut,
    }),
  );
}
