// Typed errors for OpenStack API answers. Their class names become Temporal failure types,
// so retry policies can name the ones not worth retrying (OPENSTACK_NON_RETRYABLE).

export class OpenStackError extends Error {
  constructor(
    readonly service: string,
    readonly method: string,
    readonly url: string,
    readonly status: number,
    /** The API's own message (e.g. cinder's itemNotFound.message), or the transport error. */
    readonly apiMessage: string,
  ) {
    super(`${service} ${method} ${redactUrl(url)} → ${status || 'no answer'}: ${apiMessage}`);
  }
  override get name(): string {
    return this.constructor.name;
  }
}
export class BadRequestError extends OpenStackError {}
export class UnauthorizedError extends OpenStackError {}
export class ForbiddenError extends OpenStackError {}
export class NotFoundError extends OpenStackError {}
export class ConflictError extends OpenStackError {}
/** 413/429: over quota or rate limited. */
export class OverLimitError extends OpenStackError {}
/** 5xx: the service failed. */
export class ServiceError extends OpenStackError {}
/** No HTTP answer at all: refused, DNS, timeout. */
export class UnreachableError extends OpenStackError {}

export const OPENSTACK_NON_RETRYABLE = [
  'BadRequestError',
  'UnauthorizedError',
  'ForbiddenError',
  'NotFoundError',
  'ConflictError',
];

export function errorForStatus(status: number): typeof OpenStackError {
  if (status === 400) return BadRequestError;
  if (status === 401) return UnauthorizedError;
  if (status === 403) return ForbiddenError;
  if (status === 404) return NotFoundError;
  if (status === 409) return ConflictError;
  if (status === 413 || status === 429) return OverLimitError;
  return ServiceError;
}

/**
 * Extracts the human message from the error bodies OpenStack services use:
 * Keystone `{"error":{"message"}}`, Cinder/Nova `{"itemNotFound":{"message"}}` and friends,
 * or a plain text/HTML body.
 */
export function apiMessage(body: unknown, fallback: string): string {
  if (body && typeof body === 'object') {
    for (const value of Object.values(body as Record<string, unknown>)) {
      if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
        return (value as { message: string }).message;
      }
    }
    if (typeof (body as { message?: unknown }).message === 'string') return (body as { message: string }).message;
  }
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 300);
  return fallback;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]+@/, '//***@');
}
