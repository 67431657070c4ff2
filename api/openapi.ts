// Small pieces every router's route definitions share.
import type { z } from '@hono/zod-openapi';

/** An application/json body or response with this schema. */
export const json = <T extends z.ZodTypeAny>(schema: T) => ({ content: { 'application/json': { schema } } });

/** A required application/json request body. */
export const jsonBody = <T extends z.ZodTypeAny>(schema: T) => ({ body: { required: true, ...json(schema) } });

/** A documented application/json response. */
export const response = <T extends z.ZodTypeAny>(description: string, schema: T) => ({ description, ...json(schema) });

/** One way to authenticate (OpenAPI's security requirement): scheme name → scopes. */
type Requirement = Record<string, string[]>;

/**
 * The operator's writes, and reads that start work: the API token as a Bearer token only (api/auth.ts).
 * A browser sends cached Basic credentials with any site's request (`<img src>`), never a Bearer header.
 */
export const security: Requirement[] = [{ bearer: [] }];

/** A read of the operator's that starts nothing: the API token as a Bearer token or as Basic's password. */
export const operatorRead: Requirement[] = [{ bearer: [] }, { operatorBasic: [] }];

/** Open to all; the operator's credentials show more (an empty requirement: none needed). */
export const operatorOptional: Requirement[] = [{}, ...operatorRead];
