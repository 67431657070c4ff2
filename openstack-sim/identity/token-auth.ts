import { z } from 'zod';
import type { SimulatedCloud } from '../simulated-cloud';
import { ApiError, KEYSTONE_MALFORMED_SUFFIX, keystoneError } from '../errors';
import { keystoneTime } from '../ids';
import type { Token, Trust } from '../state';
import { buildCatalog } from './catalog';
import { DEFAULT_DOMAIN, type NameOrId, passwordMatches, type Role, type User, withImpliedRoles } from './directory';
import { secretMatches } from './secrets';

/** POST /v3/auth/tokens: who authenticates (password or token) and on what (project, trust, nothing). */
const DomainRef = z.object({ id: z.string().optional(), name: z.string().optional() });
const NamedRef = z.object({ id: z.string().optional(), name: z.string().optional(), domain: DomainRef.optional() });

export const AuthRequest = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()).min(1),
      password: z.object({ user: NamedRef.extend({ password: z.string() }) }).optional(),
      token: z.object({ id: z.string() }).optional(),
      application_credential: z
        .object({
          id: z.string().optional(),
          name: z.string().optional(),
          secret: z.string(),
          user: NamedRef.optional(),
        })
        .optional(),
    }),
    scope: z
      .union([
        z.object({ project: NamedRef.optional(), 'OS-TRUST:trust': z.object({ id: z.string() }).optional() }),
        z.literal('unscoped'),
      ])
      .optional(),
  }),
});
type AuthRequest = z.output<typeof AuthRequest>;

/** keystone insists on a domain wherever something is referred to by name. */
function requireIdOrDomain(ref: NameOrId, what: string): void {
  if (!ref.id && !ref.name)
    throw keystoneError.badRequest(`Expecting to find id or name in ${what}. ${KEYSTONE_MALFORMED_SUFFIX}`);
  if (!ref.id && !ref.domain?.id && !ref.domain?.name) {
    throw keystoneError.badRequest(`Expecting to find domain in ${what}. ${KEYSTONE_MALFORMED_SUFFIX}`);
  }
}

/** The token if it still authenticates: issued, not revoked or expired, and its trust (if any) not deleted. */
export function liveToken(cloud: SimulatedCloud, id: string | undefined): Token | undefined {
  const token = cloud.tokens.validate(id);
  if (!token || (token.trustId && !cloud.trusts.ofToken(token))) return undefined;
  return token;
}

/** The roles a token carries: a trust's (with implied roles), or the user's on the token's project. */
export function tokenRoles(cloud: SimulatedCloud, token: Token): Role[] {
  const cred = cloud.directory.appCredentials.ofToken(token.id);
  if (cred) return withImpliedRoles(cred.roleIds);
  if (token.trustId) {
    const trust = cloud.trusts.ofToken(token);
    return trust ? cloud.trusts.roles(trust) : [];
  }
  const user = cloud.directory.userById(token.userId);
  return user && token.projectId ? cloud.directory.rolesOn(user, token.projectId) : [];
}

/** The caller of a keystone API, from X-Auth-Token; keystone's 401 otherwise. */
export interface KeystoneCaller {
  token: Token;
  user: User;
  isAdmin: boolean;
  /** Set when the token was redeemed from a trust: such tokens cannot delegate further. */
  trust?: Trust;
  /** Issued from an application credential: keystone refuses such tokens every trust call. */
  delegated: boolean;
}

export function keystoneCaller(cloud: SimulatedCloud, tokenId: string | undefined): KeystoneCaller {
  const token = liveToken(cloud, tokenId);
  const user = token && cloud.directory.userById(token.userId);
  if (!token || !user) throw keystoneError.unauthorized();
  const isAdmin = tokenRoles(cloud, token).some((r) => r.name === 'admin');
  const delegated = Boolean(cloud.directory.appCredentials.ofToken(token.id));
  return { token, user, isAdmin, trust: cloud.trusts.ofToken(token), delegated };
}

/** Who the request authenticates as, and the audit chain it continues (token method). */
function identify(cloud: SimulatedCloud, identity: AuthRequest['auth']['identity']): { user: User; auditId?: string } {
  const { methods } = identity;
  if (methods.includes('password')) {
    const ref = identity.password?.user;
    if (!ref) throw keystoneError.badRequest(`Invalid input for field 'identity': 'password' is a required property`);
    requireIdOrDomain(ref, 'user');
    const user = cloud.directory.findUser(ref);
    // Unknown user and wrong password look the same to the caller, as in keystone.
    if (!user || !user.enabled || !passwordMatches(user, ref.password)) throw keystoneError.unauthorized();
    return { user };
  }
  if (methods.includes('token')) {
    const token = liveToken(cloud, identity.token?.id);
    const user = token && cloud.directory.userById(token.userId);
    if (!token || !user) throw keystoneError.unauthorized();
    return { user, auditId: token.auditId };
  }
  throw new ApiError(401, 'Attempted to authenticate with an unsupported method.', 'keystone');
}

/** Authenticates and issues the token the request asks for (POST /v3/auth/tokens). */
export function issueToken(cloud: SimulatedCloud, request: AuthRequest): Token {
  const { identity, scope } = request.auth;
  if (identity.methods.includes('application_credential')) return appCredentialToken(cloud, identity);
  const { user, auditId } = identify(cloud, identity);
  if (scope === undefined || scope === 'unscoped') return cloud.tokens.issue(user.id, null, identity.methods, auditId);
  const trustRef = scope['OS-TRUST:trust'];
  if (trustRef && scope.project) {
    throw keystoneError.badRequest(
      `Expecting to find system, project, domain, OS-TRUST:trust or unscoped in scope. ${KEYSTONE_MALFORMED_SUFFIX}`,
    );
  }
  if (trustRef) {
    const { trust, userId } = cloud.trusts.redeem(user, trustRef.id);
    return cloud.tokens.issue(userId, trust.projectId, identity.methods, auditId, trust.id);
  }
  if (!scope.project) return cloud.tokens.issue(user.id, null, identity.methods, auditId);
  requireIdOrDomain(scope.project, 'project');
  const project = cloud.directory.findProject(scope.project);
  if (!project || !project.enabled || cloud.directory.rolesOn(user, project.id).length === 0)
    throw keystoneError.unauthorized();
  return cloud.tokens.issue(user.id, project.id, identity.methods, auditId);
}

/** A token from an application credential ({id, secret} or {name, user, secret}): its project, its roles. */
function appCredentialToken(cloud: SimulatedCloud, identity: AuthRequest['auth']['identity']): Token {
  const ref = identity.application_credential;
  if (!ref)
    throw keystoneError.badRequest(
      `Invalid input for field 'identity': 'application_credential' is a required property`,
    );
  const owner = ref.user && cloud.directory.findUser(ref.user);
  const cred = cloud.directory.appCredentials.find({ id: ref.id, name: ref.name, userId: owner?.id });
  const user = cred && cloud.directory.userById(cred.userId);
  if (!cred || !user?.enabled || !secretMatches(cred.secret, ref.secret)) throw keystoneError.unauthorized();
  const token = cloud.tokens.issue(user.id, cred.projectId, identity.methods);
  cloud.directory.appCredentials.issued(token.id, cred);
  return token;
}

/** keystone's role reference: plain in project tokens, the full role in trust-scoped ones. */
function roleView(role: Role, full: boolean) {
  const ref = { id: role.id, name: role.name };
  return full ? { ...ref, domain_id: null, description: null, options: { immutable: true } } : ref;
}

export function tokenBody(cloud: SimulatedCloud, token: Token, withCatalog: boolean) {
  const user = cloud.directory.userById(token.userId)!;
  const domain = { id: DEFAULT_DOMAIN.id, name: DEFAULT_DOMAIN.name };
  const body: Record<string, unknown> = {
    methods: token.methods,
    user: { id: user.id, name: user.name, domain, password_expires_at: null },
    audit_ids: [token.auditId],
    expires_at: keystoneTime(token.expiresAt),
    issued_at: keystoneTime(token.issuedAt),
  };
  const trust = cloud.trusts.ofToken(token);
  const cred = cloud.directory.appCredentials.ofToken(token.id);
  if (trust) {
    body['OS-TRUST:trust'] = {
      id: trust.id,
      trustor_user: { id: trust.trustorUserId },
      trustee_user: { id: trust.trusteeUserId },
      impersonation: trust.impersonation,
    };
  }
  const project = token.projectId ? cloud.directory.projectById(token.projectId) : undefined;
  if (project) {
    body.project = { id: project.id, name: project.name, domain };
    // keystone marks project-scoped tokens, not trust-scoped ones.
    if (!trust) body.is_domain = false;
    body.roles = tokenRoles(cloud, token).map((r) => roleView(r, Boolean(trust)));
    if (withCatalog) body.catalog = buildCatalog(cloud.baseUrl, project.id);
  }
  if (cred) body.application_credential = { id: cred.id, name: cred.name, restricted: !cred.unrestricted };
  return { token: body };
}
