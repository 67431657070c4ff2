// A pool kind, (volume type, OS image), and its part of a replenish plan: the types the plan
// (plan.ts), its fit into the quota (quota.ts), the claim and the workflows share.

export interface PoolKind {
  volumeType: string;
  osName: string;
}

/** Whether two rows are of one kind. */
export const sameKind = (a: PoolKind, b: PoolKind) => a.volumeType === b.volumeType && a.osName === b.osName;

/**
 * ok; no_snapshot: the catalog has none for it; disabled: by its policy; rolled_back: its refresh rolled
 * back from the catalog's snapshot and no spare of an older generation is left to refill from.
 */
export const KIND_STATUSES = ['ok', 'no_snapshot', 'disabled', 'rolled_back'] as const;
export type KindStatus = (typeof KIND_STATUSES)[number];

export interface KindPlan extends PoolKind {
  target: number;
  /** creating + available and not claimed */
  have: number;
  missing: number;
  /** Missing spares the admin project's Cinder quota has no room for: not planned (pool/quota.ts). */
  beyondQuota?: number;
  status: KindStatus;
  /** The snapshot rounds build from: the catalog's, or after a rolled-back refresh the generation still serving. */
  snapshotId?: string;
  sizeGb?: number;
}
