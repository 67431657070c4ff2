// Bad input → HTTP 400 naming the field and the reason; nothing is started or changed.
import type { Context } from 'hono';
import type { ZodError } from 'zod';
import { invalidRequest } from './problem';

export function badRequest(c: Context, error: ZodError) {
  const issue = error.issues[0]!;
  return c.json(invalidRequest(issue.path.join('.') || '(body)', issue.message), 400);
}

/** OpenAPIHono's defaultHook (set by createRouter): runs after each zod validation. */
export const validationHook = (result: { success: boolean; error?: ZodError }, c: Context) => {
  if (!result.success && result.error) return badRequest(c, result.error);
};
