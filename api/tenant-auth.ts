// Tenant routes authenticate with the caller's own Keystone token (X-Auth-Token), validated
// against Keystone; the identity (user, project, roles) is what the routes act for. The token
// itself stays in this request: it is used once, to create the build's trust, and never stored
// (a validation is remembered for a minute by the token's hash: api/token-cache).
import type { Context, MiddlewareHandler } from 'hono';
import type { CloudClients } from '../openstack/cloud';
import { NotFoundError, UnauthorizedError } from '../openstack/errors';
import { validateToken, type TokenIdentity } from '../openstack/trusts';
import { unauthorized } from './problem';
import { ValidatedTokens } from './token-cache';

export interface Tenant extends TokenIdentity {
  /** The caller's token: for creating a trust in this request only. */
  token: string;
}

export type TenantEnv = { Variables: { tenant: Tenant } };

export function requireKeystoneToken(
  cloud: CloudClients,
  validated = new ValidatedTokens(),
): MiddlewareHandler<TenantEnv> {
  return async (c, next) => {
    const token = c.req.header('X-Auth-Token');
    if (!token) return deny(c, 'tenant routes need "X-Auth-Token: <your Keystone token>"');
    try {
      let identity = validated.get(token);
      if (!identity) validated.set(token, (identity = await validateToken(cloud.admin.session, token)));
      c.set('tenant', { ...identity, token });
    } catch (err) {
      if (err instanceof UnauthorizedError || err instanceof NotFoundError)
        return deny(c, 'the Keystone token is not valid');
      throw err;
    }
    return next();
  };
}

function deny(c: Context, message: string) {
  c.header('WWW-Authenticate', 'Keystone uri="/v3"');
  return c.json(unauthorized(message), 401);
}
