// Injected HTTP failures: the next `count` requests matching a method and a path pattern are
// answered with the given status and message in the service's own error envelope, before any
// handler runs (nothing changes). How tests make one step of a flow fail as a real service would.
import type { MiddlewareHandler } from 'hono';
import type { SimEnv } from './env';
import { ApiError, type Dialect } from './errors';

export interface RequestFaultRule {
  method: string;
  /** Matched against the request path (e.g. "/os-volume-transfer$" or "/volumes/[^/]+$"). */
  path: string;
  status: number;
  message?: string;
  count?: number;
}

interface ArmedFault {
  method: string;
  path: RegExp;
  status: number;
  message: string;
  remaining: number;
}

export class RequestFaults {
  private readonly armed: ArmedFault[] = [];

  arm(rule: RequestFaultRule): void {
    const count = rule.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
    if (!Number.isInteger(rule.status) || rule.status < 400 || rule.status > 599) {
      throw new RangeError(`status must be an HTTP error status, got ${rule.status}`);
    }
    this.armed.push({
      method: rule.method.toUpperCase(),
      path: new RegExp(rule.path),
      status: rule.status,
      message: rule.message ?? 'The server has either erred or is incapable of performing the requested operation.',
      remaining: count,
    });
  }

  pending(): number {
    return this.armed.reduce((n, f) => n + f.remaining, 0);
  }

  /** The fault this request takes (consumed), if one matches. */
  take(method: string, path: string): ArmedFault | undefined {
    const hit = this.armed.find((f) => f.remaining > 0 && f.method === method && f.path.test(path));
    if (hit) hit.remaining--;
    return hit;
  }

  middleware(dialectFor: (path: string) => Dialect): MiddlewareHandler<SimEnv> {
    return async (c, next) => {
      const hit = c.req.path.startsWith('/_sim') ? undefined : this.take(c.req.method, c.req.path);
      if (hit) throw new ApiError(hit.status, hit.message, dialectFor(c.req.path));
      await next();
    };
  }
}
