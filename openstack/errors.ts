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
/**
 * 413 that is a quota refusal in the service's words (cinder's VolumeLimitExceeded,
 * VolumeSizeExceedsAvailableQuota, …; nova's "Quota exceeded …") asking for no wait: no retry
 * within minutes changes it. A rate limit (429, or a 413 with Retry-After > 0) stays an OverLimitError.
 */
export class QuotaExceededError extends OverLimitError {}
/** 5xx: the service failed. */
export class ServiceError extends OpenStackError {}
/** No HTTP answer at all: refused, DNS, timeout. */
export class UnreachableError extends OpenStackError {}

/** A `.catch` handler: a 404 becomes `value` (the resource is gone), any other error stays thrown. */
export const notFoundAs =
  <T>(value: T) =>
  (err: unknown): T => {
    if (err instanceof NotFoundError) return value;
    throw err;
  };

export const OPENSTACK_NON_RETRYABLE = [
  'BadRequestError',
  'UnauthorizedError',
  'ForbiddenError',
  'NotFoundError',
  'ConflictError',
];

/**
 * The error class for an answer's status; a 413 also by its body and Retry-After header, which tell
 * a quota refusal from a rate limit.
 */
export function errorForStatus(status: number, body?: unknown, retryAfter?: string | null): typeof OpenStackError {
  if (status === 400) return BadRequestError;
  if (status === 401) return UnauthorizedError;
  if (status === 403) return ForbiddenError;
  if (status === 404) return NotFoundError;
  if (status === 409) return ConflictError;
  if (status === 413 && isQuotaRefusal(body, retryAfter)) return QuotaExceededError;
  if (status === 413 || status === 429) return OverLimitError;
  return ServiceError;
}

/** The quota exceptions' words: cinder's class names (and its bare gigabytes message), nova's "Quota exceeded". */
const QUOTA_WORDS = /quota|LimitExceeded|ExceedsLimit/i;

/**
 * A 413 in the cinder/nova fault envelope ({"overLimit": {"code", "message", "retryAfter"}}) whose
 * message names a quota and whose Retry-After (header or body) is absent or 0: cinder sends "0" with
 * every quota refusal, while a rate limiter names the seconds to wait.
 */
function isQuotaRefusal(body: unknown, retryAfter?: string | null): boolean {
  const fault = (body as { overLimit?: { message?: unknown; retryAfter?: unknown } } | null)?.overLimit;
  if (!fault || typeof fault.message !== 'string' || !QUOTA_WORDS.test(fault.message)) return false;
  return !asksToWait(retryAfter) && !asksToWait(fault.retryAfter);
}

/** A Retry-After of seconds above 0, or an HTTP date. */
const asksToWait = (value: unknown) => value != null && String(value).trim() !== '' && !(Number(value) <= 0);

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
