import { KEYSTONE_MALFORMED_SUFFIX, keystoneError } from '../errors';
import { newHexId } from '../ids';
import type { SimState, Token, Trust } from '../state';
import { type Directory, type Role, storeConflict, type User, withImpliedRoles } from './directory';

export interface TrustRequest {
  trustor_user_id: string;
  trustee_user_id: string;
  impersonation: boolean;
  project_id?: string | null;
  roles?: ({ id: string } | { name: string })[] | null;
  expires_at?: string | null;
  remaining_uses?: number | null;
  extra: Record<string, unknown>;
}

/** ISO 8601 as keystone's timeutils.parse_isotime takes it (a zone or none, which means UTC); NaN otherwise. */
function parseIsoTime(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  return m ? Date.parse(`${m[1]}T${m[2]}${m[3] ?? 'Z'}`) : Number.NaN;
}

type TrustKey = Pick<Trust, 'trustorUserId' | 'trusteeUserId' | 'projectId' | 'impersonation' | 'expiresAt'>;

function uniqueKey(t: TrustKey): string | undefined {
  if (t.expiresAt === null) return undefined;
  return JSON.stringify([t.trustorUserId, t.trusteeUserId, t.projectId, t.impersonation, t.expiresAt]);
}

/**
 * The life of a keystone trust, in keystone's order and words:
 *   create:  by the trustor only, for roles it has on the project (implied roles count)
 *   live:    until expires_at or its last use (remaining_uses); a trust that is not live is
 *            invisible (404) but still listed, as keystone lists it
 *   redeem:  the trustee scopes a token to it (401 when not live, 403 for anyone else)
 *   delete:  gone at once; tokens redeemed from it stop validating
 *   unique:  a second trust with the same parties, project, impersonation and expiry is 409, even once deleted
 */
export class TrustService {
  /**
   * keystone's duplicate_trust_constraint: one trust per (trustor, trustee, project, impersonation, expiry), deleted
   * ones included (keystone only marks them deleted). Without an expiry there is no clash (SQL's NULLs differ).
   * Deleted trusts' keys are kept in memory only.
   */
  private readonly deletedKeys = new Set<string>();

  constructor(
    private readonly state: SimState,
    private readonly directory: Directory,
  ) {}

  create(caller: User, req: TrustRequest, now = Date.now()): Trust {
    if (req.project_id && !req.roles?.length) throw keystoneError.forbidden('At least one role should be specified');
    if (caller.id !== req.trustor_user_id)
      throw keystoneError.forbidden('The authenticated user should match the trustor');
    if (!this.directory.userById(req.trustee_user_id))
      throw keystoneError.notFound(`Could not find user: ${req.trustee_user_id}.`);
    const roleIds = (req.roles ?? []).map((ref) => {
      if ('id' in ref) return ref.id;
      const role = this.directory.roleByName(ref.name);
      if (!role) throw keystoneError.notFound(`Role ${ref.name} is not defined`);
      return role.id;
    });
    if (req.project_id) {
      if (!this.directory.projectById(req.project_id))
        throw keystoneError.notFound(`Could not find project: ${req.project_id}.`);
      const held = withImpliedRoles(this.directory.rolesOn(caller, req.project_id).map((r) => r.id)).map((r) => r.id);
      const missing = roleIds.find((id) => !held.includes(id));
      if (missing) throw keystoneError.notFound(`Could not find role: ${missing}.`);
    }
    let expiresAt: number | null = null;
    if (req.expires_at) {
      expiresAt = parseIsoTime(req.expires_at);
      if (Number.isNaN(expiresAt))
        throw keystoneError.badRequest(`Timestamp not in expected format. ${KEYSTONE_MALFORMED_SUFFIX}`);
      if (expiresAt < now)
        throw keystoneError.badRequest(`The 'expires_at' must not be before now. ${KEYSTONE_MALFORMED_SUFFIX}`);
      // keystone keeps whole seconds (the real one answers …:53.000000Z to …:53.046Z).
      expiresAt = Math.floor(expiresAt / 1000) * 1000;
    }
    const id = newHexId();
    const key = uniqueKey({
      trustorUserId: req.trustor_user_id,
      trusteeUserId: req.trustee_user_id,
      projectId: req.project_id ?? null,
      impersonation: req.impersonation,
      expiresAt,
    });
    if (key && (this.deletedKeys.has(key) || [...this.state.trusts.values()].some((t) => uniqueKey(t) === key))) {
      throw storeConflict('trust', `Duplicate entry found with ID ${id}.`);
    }
    const trust: Trust = {
      id,
      trustorUserId: req.trustor_user_id,
      trusteeUserId: req.trustee_user_id,
      projectId: req.project_id ?? null,
      impersonation: req.impersonation,
      roleIds: [...new Set(roleIds)],
      expiresAt,
      remainingUses: req.remaining_uses ?? null,
      extra: req.extra,
      createdAt: now,
    };
    this.state.trusts.set(trust.id, trust);
    return trust;
  }

  /** The trust if it can still be used: not deleted, not expired, not used up. */
  live(id: string, now = Date.now()): Trust | undefined {
    const trust = this.state.trusts.get(id);
    if (!trust || (trust.expiresAt !== null && trust.expiresAt <= now) || trust.remainingUses === 0) return undefined;
    return trust;
  }

  /** 404 in keystone's words unless the trust is live. */
  get(id: string): Trust {
    const trust = this.live(id);
    if (!trust) throw keystoneError.notFound(`Could not find trust: ${id}.`);
    return trust;
  }

  /** Every trust not deleted (expired and used-up ones too, as keystone lists them). */
  list(filter: { trustorUserId?: string; trusteeUserId?: string }): Trust[] {
    return [...this.state.trusts.values()].filter(
      (t) =>
        (!filter.trustorUserId || t.trustorUserId === filter.trustorUserId) &&
        (!filter.trusteeUserId || t.trusteeUserId === filter.trusteeUserId),
    );
  }

  delete(id: string): void {
    const key = uniqueKey(this.get(id));
    if (key) this.deletedKeys.add(key);
    this.state.trusts.delete(id);
  }

  /** A trust-scoped token for `user`: whose it is and on what. Spends one use. */
  redeem(user: User, id: string): { trust: Trust; userId: string } {
    const trust = this.live(id);
    // An unknown, expired or used-up trust is a plain authentication failure.
    if (!trust) throw keystoneError.unauthorized();
    if (trust.trusteeUserId !== user.id) throw keystoneError.forbidden();
    if (trust.remainingUses !== null) trust.remainingUses--;
    return { trust, userId: trust.impersonation ? trust.trustorUserId : trust.trusteeUserId };
  }

  /** The roles a token redeemed from the trust carries: the trust's, with the roles they imply. */
  roles(trust: Trust): Role[] {
    return withImpliedRoles(trust.roleIds);
  }

  /**
   * The trust behind a trust-scoped token, or undefined when it was deleted (the token is then dead).
   * An expired trust keeps its tokens valid until they expire: the real keystone validates them.
   */
  ofToken(token: Token): Trust | undefined {
    return token.trustId ? this.state.trusts.get(token.trustId) : undefined;
  }
}
