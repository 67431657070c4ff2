// The trust a server build or delete runs under (issue 20, finding 4): from the caller to
// blockflow's service user, on the caller's project, for the member role only, ending after the
// build's deadline (servers/builds). Created with the caller's token in the request, never stored.
import type { z } from '@hono/zod-openapi';
import { ConflictError, ForbiddenError } from '../../../openstack/errors';
import { createTrust, deleteTrustIfPresent, listTrustsFrom } from '../../../openstack/trusts';
import { TRUST_EXPIRY_SPREAD_MS, TRUST_LIFETIME_MS } from '../../../servers/builds';
import type { ApiDeps } from '../../deps';
import type { FlavorCatalog } from './flavor-catalog';
import type { Problem } from '../../problem';
import type { ServerRequest } from './schemas';
import { isProblem, resolveServerRequest, type ResolvedRequest } from './request';
import { forbidden, MEMBER, type Tenant } from '../../tenant-auth';

/**
 * The request's checks and the build's trust side by side (one round of latency less). A request
 * its checks refuse, or a failure of either, gives the trust back.
 */
export async function resolveWithTrust(
  deps: ApiDeps & { flavors: FlavorCatalog },
  tenant: Tenant,
  body: z.infer<typeof ServerRequest>,
): Promise<Problem | { request: ResolvedRequest; trustId: string }> {
  const [resolved, trust] = await Promise.allSettled([resolveServerRequest(deps, body), trustFor(deps, tenant)]);
  const usable = resolved.status === 'fulfilled' && !isProblem(resolved.value);
  if (trust.status === 'fulfilled' && !usable) await deleteTrustIfPresent(deps.cloud, trust.value);
  if (resolved.status === 'rejected') throw resolved.reason;
  if (isProblem(resolved.value)) return resolved.value;
  if (trust.status === 'rejected') throw trust.reason;
  return { request: resolved.value, trustId: trust.value };
}

/**
 * With a worker in this process, the build's trust is redeemed while its row is written and it
 * starts: the token stays in this process's cloud clients (never in the workflow), ready for the
 * first step. A warm-up only: if it fails, the first step that needs the token asks for it again.
 */
export function warmUpTrust(deps: ApiDeps, trustId: string): void {
  void deps.cloud
    .trustee(trustId)
    .session.authenticate()
    .catch(() => undefined);
}

/** Tries at an expiry second before the request is answered 503 (TrustsBusy). */
const TRUST_ATTEMPTS = 20;

/** Every second a new trust of this caller could end in is taken: answered 503, Retry-After. */
export class TrustsBusy extends Error {
  constructor() {
    super('every expiry second of a new trust of this caller is taken: too many builds or deletes at once');
    this.name = 'TrustsBusy';
  }
}

/**
 * A trust from the caller to blockflow's service user on the caller's project: the member role only
 * (what the steps need in Cinder, Nova and Neutron), ending a random whole second of
 * TRUST_EXPIRY_SPREAD_MS after TRUST_LIFETIME_MS from now. Keystone refuses (409) a trust equal to one
 * the caller has, deleted ones included, expiry second and all: a taken second is not drawn again, and
 * after the first clash the caller's live trusts tell which others are taken (many builds at once).
 */
export async function trustFor(deps: ApiDeps, tenant: Tenant): Promise<string> {
  const taken = new Set<number>();
  for (let attempt = 1; attempt <= TRUST_ATTEMPTS; attempt++) {
    const second = freeSecond(Math.ceil((Date.now() + TRUST_LIFETIME_MS) / 1000), taken);
    if (second === undefined) break;
    try {
      const { id } = await createTrust(deps.cloud, tenant.token, {
        trustorUserId: tenant.userId,
        projectId: tenant.projectId,
        roles: [MEMBER],
        impersonation: true,
        expiresAt: new Date(second * 1000).toISOString(),
      });
      return id;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      taken.add(second);
      if (attempt === 1)
        for (const t of await listTrustsFrom(deps.cloud, tenant.token, tenant.userId))
          if (t.expiresAt) taken.add(Math.floor(Date.parse(t.expiresAt) / 1000));
    }
  }
  throw new TrustsBusy();
}

/** A random second of the spread from `first` that is not taken; none when all are. */
function freeSecond(first: number, taken: Set<number>): number | undefined {
  const free: number[] = [];
  for (let s = first; s < first + TRUST_EXPIRY_SPREAD_MS / 1000; s++) if (!taken.has(s)) free.push(s);
  return free.length ? free[Math.floor(Math.random() * free.length)] : undefined;
}

/**
 * Keystone's 403 to the trust create (a token it will not let delegate, e.g. a restricted
 * application credential's): the caller's to fix, told without Keystone's URL or words.
 */
export function refusedAs403(err: unknown): Problem {
  if (!(err instanceof ForbiddenError)) throw err;
  return forbidden('Keystone refused this token a trust to blockflow: use a token from your password');
}
