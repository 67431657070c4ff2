// Bounded list reads: a page of at most `limit` rows from `offset`, and where the next page starts.
import { z } from '@hono/zod-openapi';

export const MAX_PAGE = 1000;

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(MAX_PAGE),
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0),
});
export type PageQuery = z.infer<typeof PageQuery>;

/** In a list answer: the offset of the next page, absent on the last one. */
export const nextOffsetField = z.number().optional().openapi({ description: 'ask again from here for more' });

/** Prisma's skip/take for a page, one row more than asked to know whether another page follows. */
export const pageArgs = (q: PageQuery) => ({ skip: q.offset, take: q.limit + 1 });

/** The page's rows, and the next page's offset when there is one. */
export function pageOf<T>(rows: T[], q: PageQuery): { items: T[]; nextOffset?: number } {
  return rows.length > q.limit ? { items: rows.slice(0, q.limit), nextOffset: q.offset + q.limit } : { items: rows };
}
