// Tenant routes authenticate with the caller's own Keystone token (X-Auth-Token), validated
// against Keystone; the identity (user, project, roles) is what the routes act for. The token
// itself stays in this request: it is used once, to create the build's trust, and never stored
// (a validation is remembered for a minute by the token's hash: api/token-cache). Roles are
// Keystone's defaults as Nova and Cinder apply them: a reader reads, a member creates and deletes
// (the token lists implied roles: admin brings member, member brings reader).
import type { Context, MiddlewareHandler } from 'hono';
import type { CloudClients } from '../openstack/cloud';
import { NotFoundError, UnauthorizedError } from '../openstack/errors';
import { validateToken, type TokenIdentity } from '../openstack/trusts';
import { unauthorized, type Problem } from './problem';
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
    const refused = lacksRole(c.get('tenant'), READS.includes(c.req.method) ? READER : MEMBER);
    if (refused) return c.json(refused, 403);
    return next();
  };
}

export const READER = 'reader';
export const MEMBER = 'member';
const READS = ['GET', 'HEAD'];

/** 403 naming the role the caller lacks on its project; undefined when it has it. */
export function lacksRole(tenant: TokenIdentity, role: string): Problem | undefined {
  if (tenant.roles.includes(role)) return undefined;
  return forbidden(`this needs the "${role}" role on project ${tenant.projectName}; the token has: ${tenant.roles}`);
}

/**
 * 403 when the caller's token cannot create the trust a build or delete runs under: Keystone lets
 * neither a token redeemed from a trust nor one from an application credential delegate.
 */
export function cannotDelegate(tenant: TokenIdentity): Problem | undefined {
  const kind = tenant.trustId
    ? 'a trust-scoped token'
    : tenant.applicationCredential
      ? 'an application credential'
      : '';
  if (!kind) return undefined;
  return forbidden(`${kind} cannot delegate to blockflow (a Keystone trust): use a token from your password`);
}

export const forbidden = (message: string): Problem => ({ error: 'forbidden', message });

function deny(c: Context, message: string) {
  c.header('WWW-Authenticate', 'Keystone uri="/v3"');
  return c.json(unauthorized(message), 401);
}
