// A pool kind, (volume type, OS image), and its part of a replenish plan: the types the plan
// (plan.ts), its fit into the quota (quota.ts), the claim and the workflows share.

export interface PoolKind {
  volumeType: string;
  osName: string;
}

export type KindStatus = 'ok' | 'no_snapshot' | 'disabled';

export interface KindPlan extends PoolKind {
  target: number;
  /** creating + available and not claimed */
  have: number;
  missing: number;
  /** Missing spares the admin project's Cinder quota has no room for: not planned (pool/quota.ts). */
  beyondQuota?: number;
  status: KindStatus;
  snapshotId?: string;
  sizeGb?: number;
}
