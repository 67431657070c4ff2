// The trust lifecycle blockflow's server builds go through (issue 20, findings 4–6), against both clouds:
// a trust for one role with an expiry, redeemed by the admin user, deleted with the admin's project-scoped
// token; keystone's uniqueness of (trustor, trustee, project, impersonation, expiry); who may delete; and
// application-credential tokens, which keystone refuses every trust call. The lifecycle and the delete rules
// run a second time against a Keystone with the new RBAC defaults (`[oslo_policy] enforce_new_defaults` and
// `enforce_scope`; on the real peer a second Keystone process on the same database, see contract/keystone.ts).
import { expect, it } from 'vitest';
import { call } from '../openstack-sim/helpers';
import { type ContractContext, keystoneError, trustAuth } from './context';
import { login } from './tenant-setup-checks';

const DENIED = (rule: string) => keystoneError(403, `You are not authorized to perform the requested action: ${rule}.`);
/** keystone's words for an application credential's token, with its double full stop. */
const DELEGATED = DENIED('Delegated tokens cannot manage trusts.');

/** A Keystone URL of the target: its usual one, or the one under the new RBAC defaults. */
export type KeystoneUrl = (ctx: ContractContext) => string;
export const usualKeystone: KeystoneUrl = (ctx) => ctx.cloud().authUrl;
/** The simulator has one policy, keystone 22's, whose answers to these calls do not change under the new defaults. */
export const newRbacKeystone: KeystoneUrl = (ctx) => {
  const url = ctx.cloud().newRbacAuthUrl ?? (ctx.target === 'simulator' ? ctx.cloud().authUrl : undefined);
  if (!url)
    throw new Error('no Keystone with the new RBAC defaults: start the peer with { newRbac: true } (--new-rbac)');
  return url;
};

// Whole seconds apart per trust of the run (both check lists share one cloud), so none clash on keystone's
// unique expiry; which is also why blockflow cannot give two trusts of one user the same expiry second.
let expiries = 0;
const nextExpiry = () => new Date(Date.now() + 600_000 + 1000 * ++expiries + 250).toISOString();

export function trustLifecycleChecks(ctx: ContractContext, keystoneUrl: KeystoneUrl, label: string): void {
  const suffix = `${Date.now().toString(36)}-${label.replaceAll(' ', '')}`;
  const url = () => keystoneUrl(ctx);
  const ks = (token: string | undefined, method: string, path: string, body?: unknown) =>
    call(method, `${url()}${path}`, body, token ? { 'X-Auth-Token': token } : {});
  const tokenOf = async (body: unknown) => {
    const reply = await call('POST', `${url()}/auth/tokens?nocatalog`, body);
    if (reply.status !== 201) throw new Error(`login failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    return { token: reply.headers.get('x-subject-token')!, body: reply.body.token };
  };
  const admin = () => tokenOf(login('admin', 'admin-secret', 'admin'));
  const demo = () => tokenOf(login('demo', 'demo-secret', 'demo'));
  const trustBody = (trustee: string, extra: Record<string, unknown> = {}) => ({
    trust: {
      trustor_user_id: ctx.ids().demoUserId,
      trustee_user_id: trustee,
      project_id: ctx.ids().demoProjectId,
      impersonation: true,
      roles: [{ name: 'member' }],
      expires_at: nextExpiry(),
      ...extra,
    },
  });
  const create = async (trustee = ctx.ids().adminUserId, extra: Record<string, unknown> = {}) => {
    const reply = await ks((await demo()).token, 'POST', '/OS-TRUST/trusts', trustBody(trustee, extra));
    if (reply.status !== 201) throw new Error(`trust create: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body.trust as { id: string; expires_at: string; roles: { name: string }[] };
  };
  const redeem = (user: string, password: string, id: string) =>
    call('POST', `${url()}/auth/tokens?nocatalog`, trustAuth(user, password, id));

  it(`${label}: one role, an expiry; redeemed with it (and reader); deleted by the admin project token`, async () => {
    const expiresAt = nextExpiry();
    const trust = await create(ctx.ids().adminUserId, { expires_at: expiresAt });
    expect(trust.roles.map((r) => r.name)).toEqual(['member']);
    expect(Date.parse(trust.expires_at)).toBe(Math.floor(Date.parse(expiresAt) / 1000) * 1000);
    const redeemed = await redeem('admin', 'admin-secret', trust.id);
    expect(redeemed.status).toBe(201);
    const token = redeemed.body.token;
    expect(token.roles.map((r: { name: string }) => r.name).sort()).toEqual(['member', 'reader']);
    expect({ user: token.user.id, project: token.project.id }).toEqual({
      user: ctx.ids().demoUserId,
      project: ctx.ids().demoProjectId,
    });
    const { token: adminToken, body } = await admin();
    expect(body.project.name).toBe('admin');
    expect((await ks(adminToken, 'DELETE', `/OS-TRUST/trusts/${trust.id}`)).status).toBe(204);
    expect((await ks(adminToken, 'GET', `/OS-TRUST/trusts/${trust.id}`)).body).toEqual(
      keystoneError(404, `Could not find trust: ${trust.id}.`),
    );
    expect((await redeem('admin', 'admin-secret', trust.id)).status).toBe(401);
  });

  it(`${label}: who may delete: a trustee without admin 403; the trustor 204; the trust's own token 204`, async () => {
    const { token: adminToken } = await admin();
    const name = `trustee-${suffix}`;
    const made = await ks(adminToken, 'POST', '/users', { user: { name, password: name } });
    expect(made.status).toBe(201);
    const trustee = made.body.user.id as string;
    const first = await create(trustee);
    const trusteeToken = (await tokenOf(login(name, name))).token;
    expect((await ks(trusteeToken, 'DELETE', `/OS-TRUST/trusts/${first.id}`)).body).toEqual(
      DENIED('identity:delete_trust'),
    );
    expect((await ks((await demo()).token, 'DELETE', `/OS-TRUST/trusts/${first.id}`)).status).toBe(204);
    // Heat's way: the trustee redeems the trust (impersonating the trustor) and deletes it with that token.
    const second = await create();
    const own = await redeem('admin', 'admin-secret', second.id);
    const ownToken = own.headers.get('x-subject-token')!;
    expect((await ks(ownToken, 'DELETE', `/OS-TRUST/trusts/${second.id}`)).status).toBe(204);
    expect((await ks(adminToken, 'DELETE', `/OS-TRUST/trusts/${second.id}`)).body).toEqual(
      keystoneError(404, `Could not find trust: ${second.id}.`),
    );
  });

  // Proof that the real peer's second Keystone runs the new defaults: with enforce_scope, create_trust
  // (scope_types ['project']) refuses a system-scoped token that the usual policy lets through. The
  // simulator has no system scope.
  if (keystoneUrl === newRbacKeystone && ctx.target === 'real') {
    it(`${label}: a system-scoped token may not create a trust (enforce_scope); the usual policy lets it`, async () => {
      const system = {
        auth: { ...login('admin', 'admin-secret').auth, scope: { system: { all: true } } },
      };
      const body = {
        trust: { trustor_user_id: ctx.ids().adminUserId, trustee_user_id: ctx.ids().demoUserId, impersonation: false },
      };
      const answers = [];
      for (const base of [ctx.cloud().authUrl, url()]) {
        const reply = await call('POST', `${base}/auth/tokens?nocatalog`, system);
        const token = reply.headers.get('x-subject-token')!;
        const made = await call('POST', `${base}/OS-TRUST/trusts`, body, { 'X-Auth-Token': token });
        if (made.status === 201)
          await call('DELETE', `${base}/OS-TRUST/trusts/${made.body.trust.id}`, undefined, { 'X-Auth-Token': token });
        answers.push(made.status === 201 ? 201 : made.body);
      }
      expect(answers).toEqual([201, DENIED('identity:create_trust')]);
    });
  }

  if (keystoneUrl !== usualKeystone) return;

  it('a trust like another (same parties, project, impersonation, expiry) is 409, even once deleted', async () => {
    const expires_at = nextExpiry();
    const first = await create(ctx.ids().adminUserId, { expires_at });
    const { token } = await demo();
    const clash = await ks(token, 'POST', '/OS-TRUST/trusts', trustBody(ctx.ids().adminUserId, { expires_at }));
    expect(clash.status).toBe(409);
    expect(clash.body.error.message).toMatch(
      /^Conflict occurred attempting to store trust - Duplicate entry found with ID [0-9a-f]{32}\.$/,
    );
    // Other roles do not make it another trust; another second of expiry does; none at all never clashes.
    const roles = [{ name: 'reader' }];
    expect(
      (await ks(token, 'POST', '/OS-TRUST/trusts', trustBody(ctx.ids().adminUserId, { expires_at, roles }))).status,
    ).toBe(409);
    expect((await ks(token, 'DELETE', `/OS-TRUST/trusts/${first.id}`)).status).toBe(204);
    expect((await ks(token, 'POST', '/OS-TRUST/trusts', trustBody(ctx.ids().adminUserId, { expires_at }))).status).toBe(
      409,
    );
    for (let i = 0; i < 2; i++) {
      const open = await ks(token, 'POST', '/OS-TRUST/trusts', trustBody(ctx.ids().adminUserId, { expires_at: null }));
      expect(open.status).toBe(201);
      await ks(token, 'DELETE', `/OS-TRUST/trusts/${open.body.trust.id}`);
    }
  });

  it('the trustor lists its own live trusts (expiry kept): not a deleted one, not another user’s', async () => {
    const live = await create();
    const gone = await create();
    const { token } = await demo();
    expect((await ks(token, 'DELETE', `/OS-TRUST/trusts/${gone.id}`)).status).toBe(204);
    const mine = await ks(token, 'GET', `/OS-TRUST/trusts?trustor_user_id=${ctx.ids().demoUserId}`);
    expect(mine.status).toBe(200);
    const listed = mine.body.trusts as { id: string; expires_at: string }[];
    expect(listed.find((t) => t.id === live.id)?.expires_at).toBe(live.expires_at);
    expect(listed.map((t) => t.id)).not.toContain(gone.id);
    const theirs = await ks(token, 'GET', `/OS-TRUST/trusts?trustor_user_id=${ctx.ids().adminUserId}`);
    expect(theirs.status).toBe(403);
    await ks(token, 'DELETE', `/OS-TRUST/trusts/${live.id}`);
  });

  it('an application credential token may not create, show or delete trusts (403, keystone’s words)', async () => {
    const { token } = await demo();
    const path = `/users/${ctx.ids().demoUserId}/application_credentials`;
    const unassigned = await ks(token, 'POST', path, {
      application_credential: { name: `ac-admin-${suffix}`, roles: [{ name: 'admin' }] },
    });
    expect(unassigned.body).toEqual(
      keystoneError(
        400,
        'Invalid application credential: Cannot create an application credential with unassigned role',
      ),
    );
    const { token: adminToken } = await admin();
    expect((await ks(adminToken, 'POST', path, { application_credential: { name: 'x' } })).body).toEqual(
      DENIED('identity:create_application_credential'),
    );
    const made = await ks(token, 'POST', path, { application_credential: { name: `ac-${suffix}` } });
    expect(made.status).toBe(201);
    const cred = made.body.application_credential;
    expect(cred.roles.map((r: { name: string }) => r.name).sort()).toEqual(['member', 'reader']);
    ctx.record('application credential create', { ...made.body, application_credential: { ...cred, secret: 's' } });
    const issued = await tokenOf({
      auth: {
        identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } },
      },
    });
    expect(issued.body.application_credential).toEqual({ id: cred.id, name: `ac-${suffix}`, restricted: true });
    expect(issued.body.project.id).toBe(ctx.ids().demoProjectId);
    const existing = await create();
    for (const [method, path2, body] of [
      ['POST', '/OS-TRUST/trusts', trustBody(ctx.ids().adminUserId)],
      ['GET', `/OS-TRUST/trusts/${existing.id}`, undefined],
      ['DELETE', `/OS-TRUST/trusts/${existing.id}`, undefined],
    ] as const) {
      expect((await ks(issued.token, method, path2, body)).body, `${method} ${path2}`).toEqual(DELEGATED);
    }
    expect((await ks(token, 'DELETE', `/OS-TRUST/trusts/${existing.id}`)).status).toBe(204);
  });
}
