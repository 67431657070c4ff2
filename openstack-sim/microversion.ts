import type { MiddlewareHandler } from 'hono';
import type { SimEnv } from './env';
import { ApiError } from './errors';

export class ApiVersion {
  constructor(
    readonly major: number,
    readonly minor: number,
  ) {}

  static parse(text: string): ApiVersion | undefined {
    const m = /^(\d+)\.(\d+)$/.exec(text.trim());
    return m ? new ApiVersion(Number(m[1]), Number(m[2])) : undefined;
  }

  compare(other: ApiVersion): number {
    return this.major - other.major || this.minor - other.minor;
  }

  atLeast(text: string): boolean {
    return this.compare(ApiVersion.parse(text)!) >= 0;
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

export interface MicroversionSpec {
  /** Service name in `OpenStack-API-Version: <service> <version>`. */
  service: 'volume' | 'compute';
  min: string;
  max: string;
  /** Pre-standard header still sent by older clients (nova: X-OpenStack-Nova-API-Version). */
  legacyHeader?: string;
}

/** The version the client asked for, if any, from either header style. */
function requested(header: string | undefined, legacy: string | undefined, service: string): string | undefined {
  for (const part of (header ?? '').split(',')) {
    const [name, version] = part.trim().split(/\s+/);
    if (name?.toLowerCase() === service && version) return version;
  }
  return legacy?.trim() || undefined;
}

/**
 * Microversion negotiation as cinder and nova do it: no header means the minimum,
 * "latest" the maximum; a malformed version is 400, one out of range is 406. The
 * chosen version is echoed in the response (and nova's legacy header, when used).
 */
export function microversion(spec: MicroversionSpec): MiddlewareHandler<SimEnv> {
  const min = ApiVersion.parse(spec.min)!;
  const max = ApiVersion.parse(spec.max)!;
  return async (c, next) => {
    const legacy = spec.legacyHeader ? c.req.header(spec.legacyHeader) : undefined;
    const asked = requested(c.req.header('OpenStack-API-Version'), legacy, spec.service);
    let version = min;
    if (asked?.toLowerCase() === 'latest') version = max;
    else if (asked) {
      const parsed = ApiVersion.parse(asked);
      if (!parsed) {
        throw new ApiError(
          400,
          `API Version String ${asked} is of invalid format. Must be of format MajorNum.MinorNum.`,
          'fault',
        );
      }
      if (parsed.compare(min) < 0 || parsed.compare(max) > 0) {
        throw new ApiError(
          406,
          `Version ${asked} is not supported by the API. Minimum is ${spec.min} and maximum is ${spec.max}.`,
          'fault',
        );
      }
      version = parsed;
    }
    c.set('apiVersion', version);
    await next();
    c.header('OpenStack-API-Version', `${spec.service} ${version.toString()}`);
    if (spec.legacyHeader) c.header(spec.legacyHeader, version.toString());
    c.header('Vary', spec.legacyHeader ? `OpenStack-API-Version, ${spec.legacyHeader}` : 'OpenStack-API-Version');
  };
}

/** The "API version X is not supported on this method" 404 of versioned routes. */
export function requireVersion(min: string): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    const version = c.get('apiVersion');
    if (!version.atLeast(min)) {
      throw new ApiError(404, `API version ${version.toString()} is not supported on this method.`, 'fault');
    }
    await next();
  };
}

/** A resource that only exists from `min` on: before, the router finds nothing (webob's plain 404). */
export function hiddenBefore(min: string): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    if (!c.get('apiVersion').atLeast(min)) throw new ApiError(404, 'The resource could not be found.', 'fault');
    await next();
  };
}
