// Small pieces every router's route definitions share.
import type { z } from '@hono/zod-openapi';

/** An application/json body or response with this schema. */
export const json = <T extends z.ZodTypeAny>(schema: T) => ({ content: { 'application/json': { schema } } });

/** A required application/json request body. */
export const jsonBody = <T extends z.ZodTypeAny>(schema: T) => ({ body: { required: true, ...json(schema) } });

/** A documented application/json response. */
export const response = <T extends z.ZodTypeAny>(description: string, schema: T) => ({ description, ...json(schema) });

/** Marks a route as needing the bearer token (enforced by api/auth.ts for every mutating method). */
export const security = [{ bearer: [] }];
