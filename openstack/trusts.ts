// Keystone calls for acting on a tenant's behalf later (as Heat does): validate the tenant's token,
// have the tenant (trustor) delegate roles on its project to blockflow's service user (trustee)
// with a trust (OS-TRUST), find users, delete the trust. Tokens never reach a log or an error.
import type { CloudClients } from './cloud';
import { NotFoundError, UnauthorizedError } from './errors';
import { httpJson } from './http';
import type { KeystoneSession, TokenBody } from './keystone';

export interface TokenInfo {
  userId: string;
  userName: string;
  projectId: string;
  projectName: string;
  /** Role names, implied roles included (member brings reader). */
  roles: string[];
  /** ISO 8601, as Keystone wrote it. */
  expiresAt: string;
  /** Set when the token was redeemed from a trust (such a token cannot create trusts). */
  trustId?: string;
  /** Set when the token comes from an application credential (nor can such a token, by default). */
  applicationCredential?: true;
}

/** The same, under the name the API layer uses. */
export type TokenIdentity = TokenInfo;

export interface TrustInput {
  trustorUserId: string;
  trusteeUserId: string;
  projectId: string;
  /** Role names the trustor has on the project (e.g. ["member"]). */
  roles: string[];
  /** Tokens redeemed from the trust act as the trustor (true) or as the trustee. */
  impersonation: boolean;
  /** ISO 8601; none = until deleted. */
  expiresAt?: string;
}

export type TrustForCloud = Omit<TrustInput, 'trusteeUserId'> & { trusteeUserId?: string };

export interface Trust {
  id: string;
  trustorUserId: string;
  trusteeUserId: string;
  projectId: string | null;
  impersonation: boolean;
  roles: string[];
  expiresAt: string | null;
}

interface TrustBody {
  id: string;
  trustor_user_id: string;
  trustee_user_id: string;
  project_id: string | null;
  impersonation: boolean;
  expires_at: string | null;
  roles?: { name: string }[];
}

const fromBody = (t: TrustBody): Trust => ({
  id: t.id,
  trustorUserId: t.trustor_user_id,
  trusteeUserId: t.trustee_user_id,
  projectId: t.project_id,
  impersonation: t.impersonation,
  roles: (t.roles ?? []).map((r) => r.name),
  expiresAt: t.expires_at,
});

const path = (id: string) => `/OS-TRUST/trusts/${encodeURIComponent(id)}`;

/**
 * Who a token belongs to and what it may do, asked of Keystone by the admin session
 * (GET /v3/auth/tokens). An unknown, revoked or expired token is a NotFoundError (Keystone's
 * 404); a token scoped to no project is an UnauthorizedError (it cannot stand for a tenant).
 */
export async function validateToken(admin: KeystoneSession, token: string): Promise<TokenInfo> {
  const { token: body } = await admin.identity<TokenBody>({
    method: 'GET',
    path: '/auth/tokens?nocatalog',
    headers: { 'X-Subject-Token': token },
  });
  if (!body.project) {
    throw new UnauthorizedError(
      'identity',
      'GET',
      `${admin.authUrl}/auth/tokens`,
      401,
      'the token is not scoped to a project',
    );
  }
  return {
    userId: body.user.id,
    userName: body.user.name,
    projectId: body.project.id,
    projectName: body.project.name,
    roles: (body.roles ?? []).map((r) => r.name),
    expiresAt: body.expires_at,
    ...(body['OS-TRUST:trust'] ? { trustId: body['OS-TRUST:trust'].id } : {}),
    ...(body.methods?.includes('application_credential') ? { applicationCredential: true as const } : {}),
  };
}

/**
 * The trustor delegates `roles` on its project to the trustee, with the trustor's own token: only
 * the trustor may create its trusts (403 otherwise), for roles it has there (Keystone: 404 "Could
 * not find role"). Not retried on 401: the caller's token is not ours to renew.
 */
export async function createTrust(
  authUrl: string,
  trustorToken: string,
  input: TrustInput,
  timeoutMs: number,
): Promise<Trust>;
/** The same against `cloud`, the trustee defaulting to its admin (service) user. */
export async function createTrust(cloud: CloudClients, trustorToken: string, input: TrustForCloud): Promise<Trust>;
export async function createTrust(
  target: string | CloudClients,
  trustorToken: string,
  given: TrustInput | TrustForCloud,
  timeoutMs?: number,
): Promise<Trust> {
  const cloud = typeof target === 'string' ? undefined : target;
  const input: TrustInput = { ...given, trusteeUserId: given.trusteeUserId ?? (await cloud!.adminUserId()) };
  const res = await httpJson<{ trust: TrustBody }>({
    service: 'identity',
    method: 'POST',
    url: `${(cloud?.authUrl ?? (target as string)).replace(/\/+$/, '')}/OS-TRUST/trusts`,
    timeoutMs: cloud?.timeoutMs ?? timeoutMs ?? 30_000,
    headers: { 'X-Auth-Token': trustorToken },
    body: {
      trust: {
        trustor_user_id: input.trustorUserId,
        trustee_user_id: input.trusteeUserId,
        project_id: input.projectId,
        impersonation: input.impersonation,
        roles: input.roles.map((name) => ({ name })),
        ...(input.expiresAt ? { expires_at: input.expiresAt } : {}),
      },
    },
  });
  return fromBody(res.body.trust);
}

/** A live trust (404 NotFoundError once deleted, expired or used up). The trustor, trustee and admins may read it. */
export async function getTrust(session: KeystoneSession, trustId: string): Promise<Trust> {
  return fromBody((await session.identity<{ trust: TrustBody }>({ method: 'GET', path: path(trustId) })).trust);
}

/**
 * The trusts delegated to `trusteeUserId` (admins, or the trustee itself, may list them). Keystone
 * lists expired and used-up trusts too, until they are deleted.
 */
export async function listTrustsTo(session: KeystoneSession, trusteeUserId: string): Promise<Trust[]> {
  const query = new URLSearchParams({ trustee_user_id: trusteeUserId });
  const { trusts } = await session.identity<{ trusts: TrustBody[] }>({
    method: 'GET',
    path: `/OS-TRUST/trusts?${query}`,
  });
  return trusts.map(fromBody);
}

/**
 * The trustor's own live trusts, listed with its token (Keystone lets a user list the trusts it made).
 * Deleted trusts are not listed, though Keystone still counts them when it refuses a duplicate.
 */
export async function listTrustsFrom(cloud: CloudClients, trustorToken: string, trustorUserId: string) {
  const query = new URLSearchParams({ trustor_user_id: trustorUserId });
  const res = await httpJson<{ trusts: TrustBody[] }>({
    service: 'identity',
    method: 'GET',
    url: `${cloud.authUrl.replace(/\/+$/, '')}/OS-TRUST/trusts?${query}`,
    timeoutMs: cloud.timeoutMs,
    headers: { 'X-Auth-Token': trustorToken },
  });
  return res.body.trusts.map(fromBody);
}

/** Deletes a trust; one already gone (404) counts as deleted, so compensation can repeat it. */
export async function deleteTrust(session: KeystoneSession, trustId: string): Promise<void> {
  try {
    await session.identity({ method: 'DELETE', path: path(trustId) });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}

/** deleteTrust with the admin (trustee) session of `cloud`, dropping the trust's cached clients too. */
export async function deleteTrustIfPresent(cloud: CloudClients, trustId: string): Promise<void> {
  await deleteTrust(cloud.admin.session, trustId);
  cloud.dropTrustee(trustId);
}

export interface KeystoneUser {
  id: string;
  name: string;
  domainId: string;
}

/** A user by name (admins only: Keystone's identity:list_users); undefined when there is none. */
export async function findUser(
  session: KeystoneSession,
  name: string,
  domainId = 'default',
): Promise<KeystoneUser | undefined> {
  const query = new URLSearchParams({ name, domain_id: domainId });
  const { users } = await session.identity<{ users: { id: string; name: string; domain_id: string }[] }>({
    method: 'GET',
    path: `/users?${query}`,
  });
  const user = users[0];
  return user && { id: user.id, name: user.name, domainId: user.domain_id };
}
