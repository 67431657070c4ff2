import { Hono } from 'hono';
import { z } from 'zod';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { keystoneError } from '../errors';
import { keystoneTime } from '../ids';
import type { Trust } from '../state';
import { parseWith, readJson } from '../validation';
import { serviceUrls } from './catalog';
import { keystoneRole } from './registry';
import { keystoneCaller, type KeystoneCaller } from './token-auth';

const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-zA-Z0-9-]+$/);
const RoleRef = z.union([z.strictObject({ id: Id }), z.strictObject({ name: z.string().min(1).max(255).regex(/\S/) })]);

/** keystone's trust_create schema: unknown keys are allowed, and kept (returned as they came). */
const CreateTrust = z.looseObject({
  trustor_user_id: z.string().min(1).max(64),
  trustee_user_id: z.string().min(1).max(64),
  impersonation: z.boolean(),
  project_id: Id.nullish(),
  roles: z.array(RoleRef).nullish(),
  expires_at: z.string().nullish(),
  remaining_uses: z.number().int().min(1).nullish(),
  allow_redelegation: z.boolean().nullish(),
  redelegation_count: z.number().int().min(0).nullish(),
});
const KNOWN_KEYS = new Set([...Object.keys(CreateTrust.shape), 'id', 'roles_links', 'links', 'deleted_at']);

/** Keystone's OS-TRUST API, mounted at /identity/v3/OS-TRUST/trusts. */
export function trustRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  const v3 = () => `${serviceUrls(cloud.baseUrl).identity}/v3`;

  const summary = (t: Trust) => ({
    ...t.extra,
    id: t.id,
    trustor_user_id: t.trustorUserId,
    trustee_user_id: t.trusteeUserId,
    project_id: t.projectId,
    impersonation: t.impersonation,
    expires_at: t.expiresAt === null ? null : keystoneTime(t.expiresAt),
    remaining_uses: t.remainingUses,
    deleted_at: null,
    redelegated_trust_id: null,
    redelegation_count: 0,
    links: { self: `${v3()}/OS-TRUST/trusts/${t.id}` },
  });
  const detail = (t: Trust) => ({
    roles: cloud.directory.rolesById(t.roleIds).map((r) => keystoneRole(v3(), r)),
    ...summary(t),
    // keystone builds this link without the OS-TRUST/trusts part; clients never follow it.
    roles_links: { self: `${v3()}/${t.id}/roles`, next: null, previous: null },
  });

  /** Application credential tokens are refused every trust call, after the policy check (keystone's double dot). */
  const notDelegated = (caller: KeystoneCaller) => {
    if (caller.delegated) throw keystoneError.forbidden('Delegated tokens cannot manage trusts.');
  };

  /** The trustor, the trustee and admins may see a trust; keystone's policy denial otherwise. */
  const mayRead = (caller: KeystoneCaller, t: Trust, rule: string) => {
    if (!caller.isAdmin && caller.user.id !== t.trustorUserId && caller.user.id !== t.trusteeUserId) {
      throw keystoneError.forbidden(rule);
    }
  };

  app.post('/', async (c) => {
    const caller = keystoneCaller(cloud, c.req.header('X-Auth-Token'));
    const body = await readJson(c, z.record(z.string(), z.unknown()), 'keystone');
    const raw = (body.trust ?? {}) as Record<string, unknown>;
    // The policy (the caller is the trustor) is checked before the body, as keystone's enforcer does.
    if (typeof raw !== 'object' || raw.trustor_user_id !== caller.user.id)
      throw keystoneError.forbidden('identity:create_trust');
    const req = parseWith(CreateTrust, raw, 'keystone');
    notDelegated(caller);
    // A token redeemed from a trust cannot delegate further.
    if (caller.trust) throw keystoneError.forbidden();
    const extra = Object.fromEntries(Object.entries(raw).filter(([k]) => !KNOWN_KEYS.has(k)));
    const trust = cloud.trusts.create(caller.user, { ...req, extra });
    return c.json({ trust: detail(trust) }, 201);
  });

  app.get('/', (c) => {
    const caller = keystoneCaller(cloud, c.req.header('X-Auth-Token'));
    const trustorUserId = c.req.query('trustor_user_id');
    const trusteeUserId = c.req.query('trustee_user_id');
    if (!caller.isAdmin) {
      if (trustorUserId && trustorUserId !== caller.user.id)
        throw keystoneError.forbidden('identity:list_trusts_for_trustor');
      if (trusteeUserId && trusteeUserId !== caller.user.id)
        throw keystoneError.forbidden('identity:list_trusts_for_trustee');
      if (!trustorUserId && !trusteeUserId) throw keystoneError.forbidden('identity:list_trusts');
    }
    notDelegated(caller);
    const query = new URL(c.req.url).search;
    return c.json({
      trusts: cloud.trusts.list({ trustorUserId, trusteeUserId }).map(summary),
      links: { next: null, self: `${v3()}/OS-TRUST/trusts${query}`, previous: null },
    });
  });

  app.get('/:id', (c) => {
    const caller = keystoneCaller(cloud, c.req.header('X-Auth-Token'));
    const trust = cloud.trusts.get(c.req.param('id'));
    mayRead(caller, trust, 'identity:get_trust');
    notDelegated(caller);
    return c.json({ trust: detail(trust) });
  });

  app.delete('/:id', (c) => {
    const caller = keystoneCaller(cloud, c.req.header('X-Auth-Token'));
    const trust = cloud.trusts.get(c.req.param('id'));
    if (!caller.isAdmin && caller.user.id !== trust.trustorUserId)
      throw keystoneError.forbidden('identity:delete_trust');
    notDelegated(caller);
    cloud.trusts.delete(trust.id);
    return c.body(null, 204);
  });

  return app;
}
