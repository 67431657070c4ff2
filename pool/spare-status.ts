// A spare_volumes row's status: one vocabulary for the code, the pool's answers and the table's CHECK
// (migration status_vocabularies). `creating` and `available` are Cinder's words as last seen; the
// others are blockflow's marks on a row it no longer counts, tracked until its volume is gone.
import { oneOf } from '../lib/vocabulary';

export const SPARE_STATUSES = ['creating', 'available', 'purging', 'stuck', 'deleting'] as const;
export type SpareStatus = (typeof SPARE_STATUSES)[number];

/** Statuses that count toward the target: seed 001 counts creating and available. */
export const COUNTED_STATUSES: string[] = ['creating', 'available'] satisfies SpareStatus[];

/** The row's status checked, not cast. */
export const spareStatusOf = (status: string) => oneOf(SPARE_STATUSES, status, 'spare_volumes.status');

/**
 * What a row records of Cinder's status: `available`, else `creating` (a create Cinder has not finished,
 * `downloading` included; one Cinder failed, `error`, is dropped by the next reconcile, which asks Cinder).
 */
export const spareStatusFromCinder = (cinderStatus: string): SpareStatus =>
  cinderStatus === 'available' ? 'available' : 'creating';
