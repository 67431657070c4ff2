import type { Context } from 'hono';
import type { SimEnv } from '../env';
import { fault } from '../errors';

/** cinder 21's etc/cinder/resource_filters.json: which list filters each resource takes (`cinder list-filters`). */
export const RESOURCE_FILTERS: Record<string, string[]> = {
  volume: [
    'name',
    'status',
    'metadata',
    'bootable',
    'migration_status',
    'availability_zone',
    'group_id',
    'size',
    'created_at',
    'updated_at',
    'consumes_quota',
  ],
  backup: ['name', 'status', 'volume_id'],
  snapshot: ['name', 'status', 'volume_id', 'metadata', 'availability_zone', 'consumes_quota'],
  group: ['name'],
  group_snapshot: ['name', 'status', 'group_id'],
  attachment: ['volume_id', 'status', 'instance_id', 'attach_status'],
  message: ['resource_uuid', 'resource_type', 'event_id', 'request_id', 'message_level'],
  pool: ['name', 'volume_type'],
  volume_type: ['is_public', 'extra_specs'],
};

/** Query parameters that page and sort rather than filter (cinder pops them before it checks the filters). */
const NOT_FILTERS = ['limit', 'marker', 'offset', 'sort', 'sort_key', 'sort_dir', 'with_count', 'all_tenants'];

/**
 * From 3.33 cinder refuses a member's list filters that resource_filters.json does not name for the resource
 * (admins may filter on anything; all_tenants, which cinderclient always sends, is let through).
 */
export function rejectUnknownFilters(c: Context<SimEnv>, resource: string): void {
  if (c.get('auth').isAdmin || !c.get('apiVersion').atLeast('3.33')) return;
  const allowed = RESOURCE_FILTERS[resource] ?? [];
  const invalid = Object.keys(c.req.query()).filter((k) => !NOT_FILTERS.includes(k) && !allowed.includes(k));
  if (invalid.length) throw fault.badRequest(`Invalid filters ${invalid.join(',')} are found in query options.`);
}

/**
 * cinder's metadata filter: a dict literal, JSON or python style ({'k': 'v'}); every pair must match. One cinder
 * cannot read as a dict matches no volume (no 400).
 */
export function metadataFilter(raw: string | undefined): (metadata: Record<string, string>) => boolean {
  if (!raw) return () => true;
  let wanted: unknown;
  try {
    wanted = JSON.parse(raw.replaceAll("'", '"'));
  } catch {
    return () => false;
  }
  if (wanted === null || typeof wanted !== 'object') return () => false;
  return (metadata) => Object.entries(wanted).every(([k, v]) => metadata[k] === v);
}
