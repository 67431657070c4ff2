// Who may call what (issue 20, finding 8), decided by each route's declared `security` in the
// served OpenAPI document, so what is documented is what is enforced:
// - `keystone`: a tenant route; tenant-auth.ts checks the caller's Keystone token, not this.
// - operator (`bearer`, for reads that start nothing also `operatorBasic`): the API token, as
//   `Authorization: Bearer <API_TOKEN>` or, where the route declares `operatorBasic`, as the password
//   of HTTP Basic (the dashboard in a browser: `/operator` asks for it once, then the browser sends it
//   with the page's reads).
// - operator optional (an empty requirement among them): open, and an operator sees more.
// - none: a public read. A write without a declaration still needs the Bearer token; a /v1 path the
//   document does not have at all needs it for every method.
// Basic never authorizes a write nor a read that starts work: a browser sends it on its own, also with
// a form or an <img> another site's page holds (cross-site request forgery); a Bearer header is only
// ever sent on purpose.
import type { Context, MiddlewareHandler } from 'hono';
import { timingSafeEqual } from 'node:crypto';
import { unauthorized } from './problem';
import { allowedMethods, operationFor, type Doc } from './openapi-doc';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const BASIC_REALM = 'blockflow operator';

export type OperatorEnv = { Variables: { operator: boolean } };

/** True when this request carries the operator's credentials (set by requireOperator). */
export const isOperator = (c: Context) => (c as Context<OperatorEnv>).get('operator') === true;

export function requireOperator(token: string, spec: () => Doc): MiddlewareHandler<OperatorEnv> {
  const bearer = Buffer.from(`Bearer ${token}`);
  const password = Buffer.from(token);
  const credentials = (c: Context, basicAllowed: boolean): 'none' | 'valid' | 'invalid' => {
    const header = c.req.header('Authorization');
    if (!header) return 'none';
    if (same(Buffer.from(header), bearer)) return 'valid';
    const basic = basicAllowed && READS.has(c.req.method) ? basicPassword(header) : undefined;
    return basic !== undefined && same(Buffer.from(basic), password) ? 'valid' : 'invalid';
  };
  return async (c, next) => {
    // HEAD is answered by the GET route: the GET's rule applies.
    const op = operationFor(spec(), c.req.method === 'HEAD' ? 'GET' : c.req.method, c.req.path);
    // A documented path asked with a method it has not: the 405 (api/openapi-doc) tells nothing.
    if (!op && allowedMethods(spec(), c.req.path)) return next();
    // Undocumented (a route added without its definition, or no route at all): the operator's, fail closed.
    const security = op ? (op.security ?? []) : [{ bearer: [] }];
    if (security.some((s) => 'keystone' in s)) return next();
    const basicAllowed = security.some((s) => 'operatorBasic' in s);
    const given = credentials(c, basicAllowed);
    const open = security.length === 0 && READS.has(c.req.method);
    const optional = security.some((s) => Object.keys(s).length === 0);
    // Wrong credentials are refused where they would matter; a public read ignores them.
    if (given === 'invalid' && !open) return deny(c, basicAllowed);
    if (given !== 'valid' && !open && !optional) return deny(c, basicAllowed);
    c.set('operator', given === 'valid');
    return next();
  };
}

/** The password of an `Authorization: Basic` header (the user name is not looked at). */
function basicPassword(header: string): string | undefined {
  if (!header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function deny(c: Context, basicAllowed: boolean) {
  // Bearer only: a Basic challenge here would make a browser prompt on any read (/operator asks).
  c.header('WWW-Authenticate', 'Bearer realm="blockflow"');
  const basic = basicAllowed ? ' (or its API token as the password of HTTP Basic)' : '';
  return c.json(unauthorized(`this route needs the operator's "Authorization: Bearer <API_TOKEN>"${basic}`), 401);
}

/**
 * GET /operator: the dashboard's sign-in. Without the operator's Basic credentials a browser is
 * asked for them (any user name, the API token as password); with them, it goes to the page and
 * sends them along with the page's reads from then on (same origin, paths under `/`).
 */
export function operatorSignIn(token: string): MiddlewareHandler {
  const password = Buffer.from(token);
  return async (c) => {
    const basic = basicPassword(c.req.header('Authorization') ?? '');
    if (basic !== undefined && same(Buffer.from(basic), password)) return c.redirect('/', 302);
    c.header('WWW-Authenticate', `Basic realm="${BASIC_REALM}", charset="UTF-8"`);
    return c.json(unauthorized('sign in with any user name and the API token as the password'), 401);
  };
}
