import type { SimulatedCloud } from './simulated-cloud';
import type { AuthContext } from './env';
import type { ApiVersion } from './microversion';

/**
 * A field of a cinder/nova view. Views are declared as tables of fields so the
 * microversion that introduced a field, and the admin-only policy on some, are
 * data rather than scattered ifs.
 */
export interface ViewField<T> {
  key: string;
  /** First microversion that shows the field. */
  since?: string;
  /** Shown to admins only (the services' admin_api policy). */
  adminOnly?: boolean;
  /**
   * Only in answers to reads (show, list detail): cinder's os-vol-*-attr API extensions extend
   * those actions, so the answers to create and update lack the field.
   */
  readsOnly?: boolean;
  value: (record: T, cloud: SimulatedCloud) => unknown;
}

export function renderFields<T>(
  fields: ViewField<T>[],
  record: T,
  cloud: SimulatedCloud,
  auth: AuthContext,
  version: ApiVersion,
  into: Record<string, unknown> = {},
  answer: 'read' | 'write' = 'read',
): Record<string, unknown> {
  for (const field of fields) {
    if (field.adminOnly && !auth.isAdmin) continue;
    if (field.readsOnly && answer === 'write') continue;
    if (field.since && !version.atLeast(field.since)) continue;
    into[field.key] = field.value(record, cloud);
  }
  return into;
}

/** Nullable timestamps render as null. */
export const optionalTime = (ms: number | null, render: (ms: number) => string): string | null =>
  ms === null ? null : render(ms);
