/**
 * Errors carry the wire format ("dialect") of the service that raises them, so a
 * single onError can render each one exactly as the real service would.
 *  - keystone (and keystonemiddleware in front of every service): {"error": {code, message, title}}
 *  - cinder and nova share the "fault" envelope inherited from the nova wsgi layer:
 *    {"itemNotFound": {code, message}}, {"badRequest": …}, …
 *  - neutron: {"NeutronError": {type, message, detail}}, the type naming neutron's exception class
 */
export type Dialect = 'keystone' | 'fault' | 'neutron';

const KEYSTONE_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  500: 'Internal Server Error',
};

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

export const UNAUTHORIZED_MESSAGE = 'The request you have made requires authentication.';

/** neutron's exception class per status when a route names none (webob's, as neutron's fault map falls back). */
const NEUTRON_TYPES: Record<number, string> = {
  400: 'HTTPBadRequest',
  403: 'HTTPForbidden',
  404: 'HTTPNotFound',
  409: 'HTTPConflict',
  500: 'HTTPInternalServerError',
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly dialect: Dialect,
    readonly headers: Record<string, string> = {},
    /** neutron only: the exception class in the body (NetworkNotFound, …). */
    readonly type?: string,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    if (this.dialect === 'neutron') {
      const type = this.type ?? NEUTRON_TYPES[this.status] ?? 'HTTPError';
      return { NeutronError: { type, message: this.message, detail: '' } };
    }
    if (this.dialect === 'keystone') {
      return { error: { code: this.status, message: this.message, title: KEYSTONE_TITLES[this.status] ?? 'Error' } };
    }
    const detail: Record<string, unknown> = { code: this.status, message: this.message };
    // cinder/nova add retryAfter to every 413 (quota) fault.
    if (this.status === 413) detail.retryAfter = '0';
    return { [FAULT_NAMES[this.status] ?? 'computeFault']: detail };
  }
}

/** Errors in the cinder/nova envelope. */
export const fault = {
  badRequest: (message: string) => new ApiError(400, message, 'fault'),
  forbidden: (message: string) => new ApiError(403, message, 'fault'),
  notFound: (message: string) => new ApiError(404, message, 'fault'),
  conflict: (message: string) => new ApiError(409, message, 'fault'),
  // cinder/nova send Retry-After with every 413, as the body's retryAfter says.
  overLimit: (message: string) => new ApiError(413, message, 'fault', { 'Retry-After': '0' }),
};

/** Errors in neutron's envelope, named by neutron's exception class. */
export function neutronError(status: number, type: string, message: string): ApiError {
  return new ApiError(status, message, 'neutron', {}, type);
}

/** Errors in keystone's envelope. */
export const keystoneError = {
  badRequest: (message: string) => new ApiError(400, message, 'keystone'),
  unauthorized: () => new ApiError(401, UNAUTHORIZED_MESSAGE, 'keystone'),
  /** keystone's ForbiddenAction: the policy rule (or a reason) after the colon, or nothing at all. */
  forbidden: (action?: string) =>
    new ApiError(
      403,
      `You are not authorized to perform the requested action${action ? `: ${action}` : ''}.`,
      'keystone',
    ),
  notFound: (message: string) => new ApiError(404, message, 'keystone'),
};

/** keystone's tail on 400s that blame the request. */
export const KEYSTONE_MALFORMED_SUFFIX =
  'The server could not comply with the request since it is either malformed or otherwise incorrect. ' +
  'The client is assumed to be in error.';

/** cinder's policy denial text, e.g. for non-admins calling admin APIs. */
export function policyDenied(rule: string): ApiError {
  return fault.forbidden(`Policy doesn't allow ${rule} to be performed.`);
}
