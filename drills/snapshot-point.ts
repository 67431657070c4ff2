// Judges where the snapshot cut the writer's stream (shared by both drill forms).
import { RECORDS_PER_CHUNK } from './records';

export interface SnapshotPointFacts {
  records: number;
  /** Prefix length found in the old layer read alone. */
  oldLayerRecords: number | undefined;
  /** Writer progress observed just before the snapshot was issued. */
  progressBeforeSnapshot: number;
  /** Writer progress observed once the last live operation (snapshot or commit) returned. */
  progressAfterLastOperation: number;
  /** When progress is known exactly (host writer): the cut cannot be later than this. */
  latestPossibleCut?: number;
}

/** Failures (empty = consistent): the cut must fall on a chunk boundary, after every write
 *  acknowledged before the snapshot, and while the writer was still running. */
export function judgeSnapshotPoint(facts: SnapshotPointFacts): string[] {
  const failures: string[] = [];
  const k = facts.oldLayerRecords;
  if (k === undefined) return ['old layer prefix unknown'];
  if (k < facts.progressBeforeSnapshot) {
    failures.push(
      `old layer holds ${k} records but ${facts.progressBeforeSnapshot} were acknowledged before the snapshot ` +
        `(acknowledged writes lost)`,
    );
  }
  if (facts.latestPossibleCut !== undefined && k > facts.latestPossibleCut) {
    failures.push(
      `old layer holds ${k} records, more than could have been written before the snapshot ` +
        `(${facts.latestPossibleCut})`,
    );
  }
  if (k % RECORDS_PER_CHUNK !== 0 && k !== facts.records)
    failures.push(`old layer ends at record ${k}, inside a 4 KiB chunk (torn write)`);
  if (k >= facts.records)
    failures.push(
      `old layer already holds all ${facts.records} records: the snapshot did not cut the writer mid-flight`,
    );
  if (facts.progressAfterLastOperation >= facts.records) {
    failures.push(
      'the writer finished before the live operations returned: ' +
        'the drill did not overlap them (raise records or pause)',
    );
  }
  return failures;
}
