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

/** A write of the operator's: the API token as a Bearer token (enforced by api/auth.ts). */
export const security: Requirement[] = [{ bearer: [] }];

/** A read of the operator's: the API token as a Bearer token or as the password of HTTP Basic. */
export const operatorRead: Requirement[] = [{ bearer: [] }, { operatorBasic: [] }];

/** Open to all; the operator's credentials show more (an empty requirement: none needed). */
export const operatorOptional: Requirement[] = [{}, ...operatorRead];
