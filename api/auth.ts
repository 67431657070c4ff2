// Bearer-token auth for every mutating route; reads stay open (health probes, dashboards).
import type { MiddlewareHandler } from 'hono';
import { timingSafeEqual } from 'node:crypto';

export function requireTokenForWrites(token: string): MiddlewareHandler {
  const expected = Buffer.from(`Bearer ${token}`);
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const given = Buffer.from(c.req.header('Authorization') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="blockflow"');
      return c.json({ error: 'unauthorized', message: 'mutating routes need "Authorization: Bearer <API_TOKEN>"' }, 401);
    }
    return next();
  };
}
