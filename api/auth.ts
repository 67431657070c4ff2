// Bearer-token auth for every mutating operator route; reads stay open (health probes, dashboards).
import type { MiddlewareHandler } from 'hono';
import { timingSafeEqual } from 'node:crypto';
import { unauthorized } from './problem';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Tenant routes authenticate with the tenant's Keystone token instead (tenant-auth.ts). */
const TENANT_ROUTES = /^\/v1\/servers(\/|$)/;

export function requireTokenForWrites(token: string): MiddlewareHandler {
  const expected = Buffer.from(`Bearer ${token}`);
  return async (c, next) => {
    if (READS.has(c.req.method) || TENANT_ROUTES.test(c.req.path)) return next();
    const given = Buffer.from(c.req.header('Authorization') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="blockflow"');
      return c.json(unauthorized('mutating routes need "Authorization: Bearer <API_TOKEN>"'), 401);
    }
    return next();
  };
}
