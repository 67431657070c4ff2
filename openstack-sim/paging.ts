import type { Context } from 'hono';
import type { ApiError } from './errors';
import { queryInt } from './validation';

/** cinder's osapi_max_limit / nova's max_limit: no page is ever longer than this. */
export const MAX_PAGE = 1000;

export interface Page<T> {
  items: T[];
  /** `{collection}_links` with rel=next when the page is full, as cinder/nova emit it. */
  links?: { href: string; rel: 'next' }[];
}

/**
 * limit/marker paging over an already filtered and sorted list. The marker is the
 * id of the last item of the previous page; an unknown marker is the service's own
 * error (`markerMissing`).
 */
export function paginate<T extends { id: string }>(
  c: Context,
  items: T[],
  collectionUrl: string,
  markerMissing: (marker: string) => ApiError,
): Page<T> {
  const limit = Math.min(queryInt(c, 'limit') ?? MAX_PAGE, MAX_PAGE);
  const marker = c.req.query('marker');
  let start = 0;
  if (marker) {
    const index = items.findIndex((item) => item.id === marker);
    if (index < 0) throw markerMissing(marker);
    start = index + 1;
  }
  const page = items.slice(start, start + limit);
  // Like cinder/nova: a full page always links onward, even when the next page turns out empty.
  if (page.length === 0 || page.length < limit) return { items: page };
  const params = new URLSearchParams(c.req.query());
  params.set('limit', String(limit));
  params.set('marker', page[page.length - 1].id);
  return { items: page, links: [{ href: `${collectionUrl}?${params.toString()}`, rel: 'next' }] };
}
