import type { Context } from 'hono';
import type { AuthContext } from './env';
import { fault } from './errors';
import { queryFlag } from './validation';

/**
 * Which projects a list covers: the caller's own, or with all_tenants=1 (admins
 * only; others have the flag ignored, as cinder does) every project, narrowed by
 * project_id when given.
 */
export function listScope(c: Context, auth: AuthContext): (projectId: string) => boolean {
  if (!auth.isAdmin || !queryFlag(c, 'all_tenants')) return (projectId) => projectId === auth.projectId;
  const only = c.req.query('project_id');
  return only ? (projectId) => projectId === only : () => true;
}

/** Exact-match filters from the query string: each present parameter must equal the record's value. */
export function matchesQuery<T>(c: Context, record: T, fields: Record<string, (record: T) => unknown>): boolean {
  for (const [param, read] of Object.entries(fields)) {
    const wanted = c.req.query(param);
    if (wanted !== undefined && String(read(record)) !== wanted) return false;
  }
  return true;
}

type SortValue = string | number | null;
export type SortKeys<T> = { created_at: (r: T) => SortValue; id: (r: T) => SortValue } & Record<
  string,
  (r: T) => SortValue
>;

/** cinder's column names, which cinderclient sends (`--sort name` goes out as display_name). */
const SORT_ALIASES: Record<string, string> = { display_name: 'name', display_description: 'description' };
const sortKey = (key: string) => SORT_ALIASES[key.trim()] ?? key.trim();

/** `sort=key[:dir],…` or `sort_key`/`sort_dir`; default newest first, ties by id descending (cinder's order). */
function parseSort(c: Context): { key: string; desc: boolean }[] {
  const sort = c.req.query('sort');
  if (sort) {
    return sort.split(',').map((part) => {
      const [key, dir] = part.split(':');
      return { key: sortKey(key), desc: (dir ?? 'desc').trim().toLowerCase() !== 'asc' };
    });
  }
  const key = c.req.query('sort_key');
  const desc = (c.req.query('sort_dir') ?? 'desc').toLowerCase() !== 'asc';
  return key ? [{ key: sortKey(key), desc }] : [{ key: 'created_at', desc: true }];
}

function compareValues(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

export function sortByQuery<T>(c: Context, items: T[], keys: SortKeys<T>): T[] {
  const spec = parseSort(c);
  // cinder's sqlalchemyutils does not name the key.
  for (const { key } of spec) if (!keys[key]) throw fault.badRequest('Invalid input received: Invalid sort key');
  if (!spec.some((s) => s.key === 'id')) spec.push({ key: 'id', desc: true });
  return [...items].sort((a, b) => {
    for (const { key, desc } of spec) {
      const order = compareValues(keys[key](a), keys[key](b));
      if (order) return desc ? -order : order;
    }
    return 0;
  });
}
