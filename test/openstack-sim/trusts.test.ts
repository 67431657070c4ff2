// Keystone OS-TRUST in the simulator: create (policy, roles, expiry), show/list/delete, redeem as
// the trustee (impersonation or not), token validation, users for the admin. The wording and codes
// are the real Keystone 22's (checked against it in test/contract/trusts-quota.contract.ts).
import { describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../openstack-sim/index';
import { api, call, type Session, useCloud } from './helpers';

const MALFORMED =
  'The server could not comply with the request since it is either malformed or otherwise incorrect. ' +
  'The client is assumed to be in error.';

function trustAuth(user: string, trustId: string) {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: user, domain: { name: 'Default' }, password: `${user}-secret` } },
      },
      scope: { 'OS-TRUST:trust': { id: trustId } },
    },
  };
}

describe('keystone trusts', () => {
  let sim: RunningSimulator;
  let admin: Session;
  let demo: Session;
  useCloud((cloud) => ({ sim, admin, demo } = cloud));
  const trusts = '/OS-TRUST/trusts';
  const keystone = (token: string) => api(sim.authUrl, token);
  const trustBody = (extra: Record<string, unknown> = {}) => ({
    trust: {
      trustor_user_id: demo.userId,
      trustee_user_id: admin.userId,
      project_id: demo.projectId,
      impersonation: true,
      roles: [{ name: 'member' }],
      ...extra,
    },
  });
  it("the trustor creates a trust for roles it has (implied ones too); 201 with keystone's body", async () => {
    const created = await keystone(demo.token).post(trusts, trustBody());
    expect(created.status).toBe(201);
    const trust = created.body.trust;
    expect(trust).toMatchObject({
      trustor_user_id: demo.userId,
      trustee_user_id: admin.userId,
      project_id: demo.projectId,
      impersonation: true,
      expires_at: null,
      remaining_uses: null,
      deleted_at: null,
      redelegation_count: 0,
    });
    expect(trust.id).toMatch(/^[0-9a-f]{32}$/);
    expect(trust.roles).toEqual([
      expect.objectContaining({ name: 'member', domain_id: null, options: { immutable: true } }),
    ]);
    expect(trust.links.self).toBe(`${sim.authUrl}/OS-TRUST/trusts/${trust.id}`);
    const reader = await keystone(demo.token).post(
      trusts,
      trustBody({ roles: [{ name: 'reader' }], impersonation: false }),
    );
    expect(reader.status).toBe(201);
  });

  it('refuses what keystone refuses, in its words', async () => {
    const cases: [string, Record<string, unknown>, number, string][] = [
      [admin.token, {}, 403, 'You are not authorized to perform the requested action: identity:create_trust.'],
      [demo.token, { roles: [{ name: 'admin' }] }, 404, 'Could not find role: '],
      [demo.token, { roles: [{ name: 'nosuch' }] }, 404, 'Role nosuch is not defined'],
      [
        demo.token,
        { roles: [] },
        403,
        'You are not authorized to perform the requested action: At least one role should be specified.',
      ],
      [demo.token, { trustee_user_id: 'nosuchuser' }, 404, 'Could not find user: nosuchuser.'],
      [demo.token, { project_id: 'nosuchproject' }, 404, 'Could not find project: nosuchproject.'],
      [
        demo.token,
        { expires_at: '2020-01-01T00:00:00Z' },
        400,
        `The 'expires_at' must not be before now. ${MALFORMED}`,
      ],
      [demo.token, { expires_at: 'tomorrow' }, 400, `Timestamp not in expected format. ${MALFORMED}`],
      [
        demo.token,
        { impersonation: 'yes' },
        400,
        "Invalid input for field 'impersonation': 'yes' is not of type 'boolean'",
      ],
    ];
    for (const [token, extra, status, message] of cases) {
      const reply = await keystone(token).post(trusts, trustBody(extra));
      expect(reply.status, JSON.stringify(extra)).toBe(status);
      expect(reply.body.error.message, JSON.stringify(extra)).toContain(message);
    }
  });

  it("the trustee redeems it: a token scoped to the trust's project, as the trustor with impersonation", async () => {
    const { trust } = (await keystone(demo.token).post(trusts, trustBody())).body;
    const reply = await call('POST', `${sim.authUrl}/auth/tokens`, trustAuth('admin', trust.id));
    expect(reply.status).toBe(201);
    const token = reply.body.token;
    expect(token.user).toMatchObject({ id: demo.userId, name: 'demo' });
    expect(token.project).toMatchObject({ id: demo.projectId, name: 'demo' });
    expect(token.roles.map((r: { name: string }) => r.name)).toEqual(['member', 'reader']);
    expect(token['OS-TRUST:trust']).toEqual({
      id: trust.id,
      trustor_user: { id: demo.userId },
      trustee_user: { id: admin.userId },
      impersonation: true,
    });
    expect(token.is_domain).toBeUndefined();
    const subject = reply.headers.get('x-subject-token')!;
    // Cinder takes it as the tenant: the tenant's volumes, not the admin's.
    const volume = api(`${sim.url}/volume/v3/${demo.projectId}`, subject);
    expect((await volume.get('/volumes')).status).toBe(200);
    // Validation by the admin shows the trust; the trustee's token cannot delegate further.
    const shown = await call('GET', `${sim.authUrl}/auth/tokens?nocatalog`, undefined, {
      'X-Auth-Token': admin.token,
      'X-Subject-Token': subject,
    });
    expect(shown.status).toBe(200);
    expect(shown.body.token['OS-TRUST:trust'].id).toBe(trust.id);
    const further = await keystone(subject).post(trusts, trustBody());
    expect(further.body).toEqual({
      error: { code: 403, message: 'You are not authorized to perform the requested action.', title: 'Forbidden' },
    });
  });

  it("without impersonation the token is the trustee's, with the trust's roles only", async () => {
    const { trust } = (
      await keystone(demo.token).post(trusts, trustBody({ impersonation: false, roles: [{ name: 'reader' }] }))
    ).body;
    const token = (await call('POST', `${sim.authUrl}/auth/tokens`, trustAuth('admin', trust.id))).body.token;
    expect(token.user.id).toBe(admin.userId);
    expect(token.project.id).toBe(demo.projectId);
    expect(token.roles.map((r: { name: string }) => r.name)).toEqual(['reader']);
  });

  it('only the trustee redeems; an unknown trust is 401; both a project and a trust is 400', async () => {
    const { trust } = (await keystone(demo.token).post(trusts, trustBody())).body;
    const byTrustor = await call('POST', `${sim.authUrl}/auth/tokens`, trustAuth('demo', trust.id));
    expect(byTrustor.body).toEqual({
      error: { code: 403, message: 'You are not authorized to perform the requested action.', title: 'Forbidden' },
    });
    const unknown = await call('POST', `${sim.authUrl}/auth/tokens`, trustAuth('admin', 'nosuch'));
    expect(unknown.status).toBe(401);
    const both = trustAuth('admin', trust.id) as { auth: { scope: Record<string, unknown> } };
    both.auth.scope.project = { id: demo.projectId };
    const twoScopes = await call('POST', `${sim.authUrl}/auth/tokens`, both);
    expect(twoScopes.status).toBe(400);
    expect(twoScopes.body.error.message).toMatch(
      /^Expecting to find system, project, domain, OS-TRUST:trust or unscoped in scope\./,
    );
  });

  it('show, list (by trustor, by trustee; all for admins) and their policies', async () => {
    const { trust } = (await keystone(demo.token).post(trusts, trustBody())).body;
    expect((await keystone(demo.token).get(`${trusts}/${trust.id}`)).body.trust.id).toBe(trust.id);
    expect((await keystone(admin.token).get(`${trusts}/${trust.id}`)).status).toBe(200);
    expect((await keystone(demo.token).get(`${trusts}/nosuch`)).body.error).toMatchObject({
      code: 404,
      message: 'Could not find trust: nosuch.',
    });
    const mine = await keystone(demo.token).get(`${trusts}?trustor_user_id=${demo.userId}`);
    expect(mine.body.trusts.map((t: { id: string }) => t.id)).toContain(trust.id);
    expect(mine.body.trusts[0].roles).toBeUndefined();
    expect(mine.body.links).toEqual({
      next: null,
      self: `${sim.authUrl}/OS-TRUST/trusts?trustor_user_id=${demo.userId}`,
      previous: null,
    });
    const denied = await keystone(demo.token).get(`${trusts}?trustee_user_id=${admin.userId}`);
    expect(denied.body.error.message).toBe(
      'You are not authorized to perform the requested action: identity:list_trusts_for_trustee.',
    );
    expect((await keystone(demo.token).get(trusts)).status).toBe(403);
    expect(
      (await keystone(admin.token).get(`${trusts}?trustee_user_id=${admin.userId}`)).body.trusts.length,
    ).toBeGreaterThan(0);
  });

  it('delete: 204, then 404; its tokens stop validating and services refuse them; it cannot be redeemed', async () => {
    const { trust } = (await keystone(demo.token).post(trusts, trustBody())).body;
    const redeemed = await call('POST', `${sim.authUrl}/auth/tokens`, trustAuth('admin', trust.id));
    const subject = redeemed.headers.get('x-subject-token')!;
    expect((await keystone(demo.token).del(`${trusts}/${trust.id}`)).status).toBe(204);
    expect((await keystone(demo.token).del(`${trusts}/${trust.id}`)).body.error.message).toBe(
      `Could not find trust: ${trust.id}.`,
    );
    const validate = await call('GET', `${sim.authUrl}/auth/tokens`, undefined, {
      'X-Auth-Token': admin.token,
      'X-Subject-Token': subject,
    });
    expect(validate.body).toEqual({
      error: { code: 404, message: `Could not find trust: ${trust.id}.`, title: 'Not Found' },
    });
    expect((await api(`${sim.url}/volume/v3/${demo.projectId}`, subject).get('/volumes')).status).toBe(401);
    expect((await call('POST', `${sim.authUrl}/auth/tokens`, trustAuth('admin', trust.id))).status).toBe(401);
  });

  it('expiry and remaining uses: an expired or used-up trust is 404 to show, 401 to redeem, still listed', async () => {
    // An expiry within the next second (keystone keeps whole seconds: .750 becomes .000).
    const soon = new Date(Math.ceil((Date.now() + 150) / 1000) * 1000 + 750).toISOString();
    const { trust } = (await keystone(demo.token).post(trusts, trustBody({ expires_at: soon }))).body;
    expect(trust.expires_at).toBe(`${soon.slice(0, -5)}.000000Z`);
    const once = (await keystone(demo.token).post(trusts, trustBody({ remaining_uses: 1 }))).body.trust;
    expect((await call('POST', `${sim.authUrl}/auth/tokens`, trustAuth('admin', once.id))).status).toBe(201);
    expect((await call('POST', `${sim.authUrl}/auth/tokens`, trustAuth('admin', once.id))).status).toBe(401);
    await new Promise((r) => setTimeout(r, Date.parse(trust.expires_at) - Date.now() + 50));
    expect((await keystone(demo.token).get(`${trusts}/${trust.id}`)).status).toBe(404);
    expect((await call('POST', `${sim.authUrl}/auth/tokens`, trustAuth('admin', trust.id))).status).toBe(401);
    const listed = (await keystone(demo.token).get(`${trusts}?trustor_user_id=${demo.userId}`)).body.trusts.map(
      (t: { id: string }) => t.id,
    );
    expect(listed).toEqual(expect.arrayContaining([trust.id, once.id]));
  });

  it('keeps unknown keys of the create, as keystone does', async () => {
    const created = (await keystone(demo.token).post(trusts, trustBody({ purpose: 'blockflow' }))).body.trust;
    expect(created.purpose).toBe('blockflow');
  });
});

describe('keystone tokens and users', () => {
  let sim: RunningSimulator;
  let admin: Session;
  let demo: Session;
  useCloud((cloud) => ({ sim, admin, demo } = cloud));
  const validate = (token: string, subject?: string) =>
    call('GET', `${sim.authUrl}/auth/tokens?nocatalog`, undefined, {
      'X-Auth-Token': token,
      ...(subject ? { 'X-Subject-Token': subject } : {}),
    });

  it("validation: admins any token, users their own (403 otherwise), 404 in keystone's words", async () => {
    expect((await validate(admin.token, demo.token)).body.token).toMatchObject({
      user: { id: demo.userId },
      project: { id: demo.projectId },
    });
    expect((await validate(demo.token, demo.token)).status).toBe(200);
    expect((await validate(demo.token, admin.token)).body.error.message).toBe(
      'You are not authorized to perform the requested action: identity:validate_token.',
    );
    expect((await validate(admin.token, 'garbage')).body.error).toMatchObject({
      code: 404,
      message: 'Could not recognize Fernet token',
    });
    expect((await validate(admin.token)).body.error).toMatchObject({ code: 404, message: 'No token in the request' });
    const spare = (
      await call('POST', `${sim.authUrl}/auth/tokens`, {
        auth: {
          identity: { methods: ['token'], token: { id: demo.token } },
          scope: { project: { id: demo.projectId } },
        },
      })
    ).headers.get('x-subject-token')!;
    await call('DELETE', `${sim.authUrl}/auth/tokens`, undefined, {
      'X-Auth-Token': demo.token,
      'X-Subject-Token': spare,
    });
    expect((await validate(admin.token, spare)).body.error).toMatchObject({
      code: 404,
      message: 'Failed to validate token',
    });
  });

  it('users: the admin lists and finds them by name; a member may read itself only', async () => {
    const found = await api(sim.authUrl, admin.token).get('/users?name=admin');
    expect(found.body.users).toEqual([
      expect.objectContaining({ id: admin.userId, name: 'admin', domain_id: 'default', enabled: true }),
    ]);
    expect((await api(sim.authUrl, admin.token).get('/users?name=nobody')).body.users).toEqual([]);
    expect((await api(sim.authUrl, demo.token).get('/users?name=admin')).body.error.message).toBe(
      'You are not authorized to perform the requested action: identity:list_users.',
    );
    expect((await api(sim.authUrl, demo.token).get(`/users/${demo.userId}`)).body.user.name).toBe('demo');
    expect((await api(sim.authUrl, demo.token).get(`/users/${admin.userId}`)).status).toBe(403);
    expect((await api(sim.authUrl, admin.token).get('/users/nope')).body.error.message).toBe(
      'Could not find user: nope.',
    );
  });
});
