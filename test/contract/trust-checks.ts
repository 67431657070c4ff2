// Keystone checks the server-create flow relies on, run against both clouds: users for the admin,
// OS-TRUST trusts (create by the tenant with its own token, show, list, redeem by the admin user as
// trustee, delete, expiry), and token validation. Codes and messages are compared exactly.
import { expect, it } from 'vitest';
import { BadRequestError, ForbiddenError, NotFoundError, UnauthorizedError } from '../../openstack/errors';
import { createTrust, deleteTrust, findUser, getTrust, validateToken } from '../../openstack/trusts';
import { SIMULATOR_TENANT } from '../../infra/stack';
import { passwordAuth } from '../openstack-sim/helpers';
import { type ContractContext, keystone, keystoneError, MALFORMED_KEYSTONE, trustAuth } from './context';

const DENIED = (rule?: string) =>
  keystoneError(403, `You are not authorized to perform the requested action${rule ? `: ${rule}` : ''}.`);

export function trustChecks(ctx: ContractContext): void {
  let trustId: string | undefined;
  const need = () => {
    if (!trustId) throw new Error('no trust: an earlier check failed');
    return trustId;
  };
  const trustBody = (extra: Record<string, unknown> = {}) => ({
    trust: {
      trustor_user_id: ctx.ids().demoUserId,
      trustee_user_id: ctx.ids().adminUserId,
      project_id: ctx.ids().demoProjectId,
      impersonation: true,
      roles: [{ name: 'member' }],
      ...extra,
    },
  });
  const input = () => ({
    trustorUserId: ctx.ids().demoUserId,
    trusteeUserId: ctx.ids().adminUserId,
    projectId: ctx.ids().demoProjectId,
    roles: ['member'],
    impersonation: true,
  });
  const redeem = (user: string, password: string, id: string) =>
    keystone(ctx, undefined, 'POST', '/auth/tokens?nocatalog', trustAuth(user, password, id));

  it('users: the admin finds itself by name (client); a tenant may read itself only', async () => {
    const { adminUserId, demoUserId } = ctx.ids();
    const found = await findUser(ctx.clients().admin.session, 'admin');
    expect(found).toEqual({ id: adminUserId, name: 'admin', domainId: 'default' });
    expect(await ctx.clients().adminUserId()).toBe(adminUserId);
    expect(await findUser(ctx.clients().admin.session, 'nobody')).toBeUndefined();
    const { demo } = await ctx.tokens();
    expect((await keystone(ctx, demo, 'GET', '/users?name=admin')).body).toEqual(DENIED('identity:list_users'));
    expect((await keystone(ctx, demo, 'GET', `/users/${adminUserId}`)).body).toEqual(DENIED('identity:get_user'));
    const self = await keystone(ctx, demo, 'GET', `/users/${demoUserId}`);
    expect(self.body.user).toMatchObject({ id: demoUserId, name: 'demo', enabled: true });
    ctx.record('user (self)', self.body);
    await expect(findUser(ctx.clients().tenant(SIMULATOR_TENANT).session, 'admin')).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });

  it("the tenant creates a trust to the admin user with its own token (client): 201, keystone's shape", async () => {
    const { demo } = await ctx.tokens();
    const trust = await createTrust(ctx.cloud().authUrl, demo, input(), 30_000);
    expect(trust).toEqual({ ...input(), id: expect.stringMatching(/^[0-9a-f]{32}$/), expiresAt: null });
    trustId = trust.id;
    const raw = await keystone(
      ctx,
      demo,
      'POST',
      '/OS-TRUST/trusts',
      trustBody({ roles: [{ name: 'reader' }], impersonation: false }),
    );
    expect(raw.status).toBe(201);
    expect(raw.body.trust).toMatchObject({
      impersonation: false,
      remaining_uses: null,
      deleted_at: null,
      redelegation_count: 0,
    });
    ctx.record('trust create', raw.body);
  });

  it('trust creates keystone refuses, in its words', async () => {
    const { admin, demo } = await ctx.tokens();
    const adminRoleId = (
      await keystone(ctx, undefined, 'POST', '/auth/tokens?nocatalog', passwordAuth('admin', 'admin-secret', 'admin'))
    ).body.token.roles.find((r: { name: string }) => r.name === 'admin').id;
    const cases: [string, Record<string, unknown>, unknown][] = [
      [admin, {}, DENIED('identity:create_trust')],
      [demo, { roles: [{ name: 'admin' }] }, keystoneError(404, `Could not find role: ${adminRoleId}.`)],
      [demo, { roles: [{ name: 'nosuch' }] }, keystoneError(404, 'Role nosuch is not defined')],
      [demo, { roles: [] }, DENIED('At least one role should be specified')],
      [demo, { trustee_user_id: 'nosuchuser' }, keystoneError(404, 'Could not find user: nosuchuser.')],
      [demo, { project_id: 'nosuchproject' }, keystoneError(404, 'Could not find project: nosuchproject.')],
      [
        demo,
        { expires_at: '2020-01-01T00:00:00Z' },
        keystoneError(400, `The 'expires_at' must not be before now. ${MALFORMED_KEYSTONE}`),
      ],
      [demo, { expires_at: 'tomorrow' }, keystoneError(400, `Timestamp not in expected format. ${MALFORMED_KEYSTONE}`)],
    ];
    for (const [token, extra, expected] of cases) {
      expect(
        (await keystone(ctx, token, 'POST', '/OS-TRUST/trusts', trustBody(extra))).body,
        JSON.stringify(extra),
      ).toEqual(expected);
    }
    // jsonschema's message: the real one goes on with the schema, the simulator stops after the first line.
    const badType = await keystone(ctx, demo, 'POST', '/OS-TRUST/trusts', trustBody({ impersonation: 'yes' }));
    expect(badType.status).toBe(400);
    expect(badType.body.error.message).toMatch(
      /^Invalid input for field 'impersonation': 'yes' is not of type 'boolean'/,
    );
    const viaClient = createTrust(ctx.cloud().authUrl, demo, { ...input(), expiresAt: '2020-01-01T00:00:00Z' }, 30_000);
    await expect(viaClient).rejects.toBeInstanceOf(BadRequestError);
  });

  it('show and list: the trustor sees its trusts; listing for others or everything is denied', async () => {
    const id = need();
    const { demo, admin } = await ctx.tokens();
    const shown = await keystone(ctx, demo, 'GET', `/OS-TRUST/trusts/${id}`);
    expect(shown.body.trust).toMatchObject({
      id,
      impersonation: true,
      roles: [expect.objectContaining({ name: 'member' })],
    });
    ctx.record('trust show', shown.body);
    expect(await getTrust(ctx.clients().admin.session, id)).toMatchObject({ id, roles: ['member'] });
    const mine = await keystone(ctx, demo, 'GET', `/OS-TRUST/trusts?trustor_user_id=${ctx.ids().demoUserId}`);
    expect(mine.body.trusts.map((t: { id: string }) => t.id)).toContain(id);
    ctx.record('trust list', mine.body);
    const forTrustee = await keystone(ctx, demo, 'GET', `/OS-TRUST/trusts?trustee_user_id=${ctx.ids().adminUserId}`);
    expect(forTrustee.body).toEqual(DENIED('identity:list_trusts_for_trustee'));
    expect((await keystone(ctx, demo, 'GET', '/OS-TRUST/trusts')).body).toEqual(DENIED('identity:list_trusts'));
    expect(
      (await keystone(ctx, admin, 'GET', `/OS-TRUST/trusts?trustee_user_id=${ctx.ids().adminUserId}`)).status,
    ).toBe(200);
    expect((await keystone(ctx, demo, 'GET', '/OS-TRUST/trusts/nosuch')).body).toEqual(
      keystoneError(404, 'Could not find trust: nosuch.'),
    );
  });

  it("the trustee's clients act in the tenant's project as the tenant; validateToken shows the trust", async () => {
    const id = need();
    const { demoUserId, demoProjectId, adminUserId } = ctx.ids();
    const trustee = ctx.clients().trustee(id);
    const auth = await trustee.session.authenticate();
    expect({ projectId: auth.projectId, userId: auth.userId }).toEqual({
      projectId: demoProjectId,
      userId: demoUserId,
    });
    expect(Array.isArray(await trustee.cinder.listVolumes())).toBe(true);
    const seen = await validateToken(ctx.clients().admin.session, auth.token);
    expect(seen).toMatchObject({
      userId: demoUserId,
      userName: 'demo',
      projectId: demoProjectId,
      projectName: 'demo',
      trustId: id,
    });
    expect([...seen.roles].sort()).toEqual(['member', 'reader']);
    const raw = await redeem('admin', 'admin-secret', id);
    expect(raw.status).toBe(201);
    expect(raw.body.token['OS-TRUST:trust']).toEqual({
      id,
      trustor_user: { id: demoUserId },
      trustee_user: { id: adminUserId },
      impersonation: true,
    });
    ctx.record('trust-scoped token', raw.body);
    // Only the trustee redeems; an unknown trust is a plain 401; a trust-scoped token cannot delegate.
    expect((await redeem('demo', 'demo-secret', id)).body).toEqual(DENIED());
    expect((await redeem('admin', 'admin-secret', 'nosuch')).status).toBe(401);
    expect((await keystone(ctx, auth.token, 'POST', '/OS-TRUST/trusts', trustBody())).body).toEqual(DENIED());
  });

  it("token validation: admins any token, users their own; keystone's 404 words; the client's errors", async () => {
    const { admin, demo } = await ctx.tokens();
    const validate = (token: string, subject?: string) =>
      keystone(ctx, token, 'GET', '/auth/tokens?nocatalog', undefined, subject ? { 'X-Subject-Token': subject } : {});
    expect((await validate(admin, demo)).body.token.user.id).toBe(ctx.ids().demoUserId);
    ctx.record('validated token', (await validate(admin, demo)).body);
    expect((await validate(demo, demo)).status).toBe(200);
    expect((await validate(demo, admin)).body).toEqual(DENIED('identity:validate_token'));
    expect((await validate(admin, 'garbage')).body).toEqual(keystoneError(404, 'Could not recognize Fernet token'));
    expect((await validate(admin)).body).toEqual(keystoneError(404, 'No token in the request'));
    const spare = (
      await keystone(ctx, undefined, 'POST', '/auth/tokens?nocatalog', passwordAuth('demo', 'demo-secret', 'demo'))
    ).headers.get('x-subject-token')!;
    expect((await keystone(ctx, demo, 'DELETE', '/auth/tokens', undefined, { 'X-Subject-Token': spare })).status).toBe(
      204,
    );
    expect((await validate(admin, spare)).body).toEqual(keystoneError(404, 'Failed to validate token'));
    await expect(validateToken(ctx.clients().admin.session, spare)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('delete (client, idempotent): gone for show and redeem; its tokens no longer validate', async () => {
    const id = need();
    const tokenOfTrust = (await ctx.clients().trustee(id).session.authenticate()).token;
    await deleteTrust(ctx.clients().admin.session, id);
    await deleteTrust(ctx.clients().admin.session, id);
    await expect(getTrust(ctx.clients().admin.session, id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await redeem('admin', 'admin-secret', id)).status).toBe(401);
    const { admin } = await ctx.tokens();
    const validated = await keystone(ctx, admin, 'GET', '/auth/tokens', undefined, { 'X-Subject-Token': tokenOfTrust });
    expect(validated.body).toEqual(keystoneError(404, `Could not find trust: ${id}.`));
    // Cinder is not asked here: keystonemiddleware caches validations (5 min), so the real one still takes it.
    ctx.clients().dropTrustee(id);
    await expect(ctx.clients().trustee(id).cinder.listVolumes()).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('an expired trust is 404 to show and 401 to redeem, and still listed', async () => {
    const { demo } = await ctx.tokens();
    const expiresAt = new Date(Date.now() + 2_500).toISOString();
    const trust = await createTrust(ctx.cloud().authUrl, demo, { ...input(), expiresAt }, 30_000);
    // Keystone keeps whole seconds.
    expect(Date.parse(trust.expiresAt!)).toBe(Math.floor(Date.parse(expiresAt) / 1000) * 1000);
    expect((await redeem('admin', 'admin-secret', trust.id)).status).toBe(201);
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(expiresAt) - Date.now()) + 500));
    expect((await keystone(ctx, demo, 'GET', `/OS-TRUST/trusts/${trust.id}`)).status).toBe(404);
    expect((await redeem('admin', 'admin-secret', trust.id)).status).toBe(401);
    const listed = await keystone(ctx, demo, 'GET', `/OS-TRUST/trusts?trustor_user_id=${ctx.ids().demoUserId}`);
    expect(listed.body.trusts.map((t: { id: string }) => t.id)).toContain(trust.id);
  });
}
