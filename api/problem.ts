// The body of every error answer, {error, field?, message}: its schema for the route definitions,
// and builders so handlers and the validation hook never spell it out by hand.
import { z } from '@hono/zod-openapi';
import { response } from './openapi';

export const Problem = z.object({ error: z.string(), field: z.string().optional(), message: z.string() });
export type Problem = z.infer<typeof Problem>;

/** A documented error response (400, 404, 409, …) with the Problem body. */
export const problemResponse = (description: string) => response(description, Problem);

/** 400: the field, and why it is wrong (the message names the field too). */
export const invalidRequest = (field: string, reason: string): Problem => ({
  error: 'invalid_request',
  field,
  message: `${field}: ${reason}`,
});

/** 404 */
export const notFound = (message: string): Problem => ({ error: 'not_found', message });

/** 409 */
export const conflict = (message: string): Problem => ({ error: 'conflict', message });

/** 401 */
export const unauthorized = (message: string): Problem => ({ error: 'unauthorized', message });

/** 413 */
export const tooLarge = (message: string): Problem => ({ error: 'payload_too_large', message });

/** 500: never the error's own text (it may carry internal URLs); a reference to find it in the log. */
export const internalError = (reference: string): Problem => ({
  error: 'internal',
  message: `internal error (reference ${reference}: the operator's log has the detail)`,
});
