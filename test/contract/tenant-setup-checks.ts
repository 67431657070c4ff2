// What an operator runs to set up a tenant (`openstack project create`, `user create`, `role add`), as
// raw Keystone calls against both clouds: admin only (403 naming the policy otherwise), 409 on a
// duplicate name, 404 naming what is unknown, and the new user then logs in to its project with the
// role given (and those it implies) and reaches Cinder. Names carry a per-run suffix, since a peer
// kept running between runs (CONTRACT_REAL_AUTH_URL) still holds the last run's.
import { expect, it } from 'vitest';
import { call } from '../openstack-sim/helpers';
import { type ContractContext, keystone, keystoneError } from './context';

const DENIED = (rule: string) => keystoneError(403, `You are not authorized to perform the requested action: ${rule}.`);
const conflict = (message: string) => ({ error: { code: 409, message, title: 'Conflict' } });

/** Password auth as `user`, scoped to `project` (by name) or unscoped. */
export function login(user: string, password: string, project?: string) {
  const domain = { name: 'Default' };
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain, password } } },
      ...(project ? { scope: { project: { name: project, domain } } } : {}),
    },
  };
}

export function tenantSetupChecks(ctx: ContractContext): void {
  const suffix = Date.now().toString(36);
  const projectName = `tenant-${suffix}`;
  const userName = `tenant-user-${suffix}`;
  const password = `pw-${suffix}`;
  const made: { projectId?: string; userId?: string; memberRoleId?: string } = {};
  const need = (id: string | undefined, what: string) => {
    if (!id) throw new Error(`no ${what}: an earlier check failed`);
    return id;
  };
  const grantPath = (project: string, user: string, role: string) => `/projects/${project}/users/${user}/roles/${role}`;

  it('project create: 201 with keystone’s body; the same name again 409; a member 403; bad input 400', async () => {
    const { admin, demo } = await ctx.tokens();
    const created = await keystone(ctx, admin, 'POST', '/projects', {
      project: { name: projectName, description: 'a tenant', tags: ['blockflow'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.project).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: projectName,
      domain_id: 'default',
      description: 'a tenant',
      enabled: true,
      parent_id: 'default',
      is_domain: false,
      tags: ['blockflow'],
      options: {},
      links: { self: expect.stringMatching(new RegExp(`/v3/projects/${created.body.project.id}$`)) },
    });
    ctx.record('project create', created.body);
    made.projectId = created.body.project.id;
    const again = await keystone(ctx, admin, 'POST', '/projects', { project: { name: projectName } });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(
      new RegExp(
        '^Conflict occurred attempting to store project - it is not permitted to have two projects with either ' +
          `the same name or same id in the same domain: name is ${projectName}, project id [0-9a-f]{32}\\.$`,
      ),
    );
    const byMember = await keystone(ctx, demo, 'POST', '/projects', { project: { name: `${projectName}-x` } });
    expect(byMember.body).toEqual(DENIED('identity:create_project'));
    const unknownDomain = await keystone(ctx, admin, 'POST', '/projects', {
      project: { name: `${projectName}-y`, domain_id: 'nosuch' },
    });
    expect(unknownDomain.body).toEqual(keystoneError(400, 'Could not find domain: nosuch.'));
    for (const [body, start] of [
      [{}, "'name' is a required property"],
      [{ name: `${projectName}-z`, enabled: 'x' }, "Invalid input for field 'enabled': 'x' is not of type 'boolean'"],
    ] as const) {
      const bad = await keystone(ctx, admin, 'POST', '/projects', { project: body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      // jsonschema's words; the real one goes on with the schema.
      expect(bad.body.error.message.startsWith(start), bad.body.error.message).toBe(true);
    }
    const shown = await keystone(ctx, admin, 'GET', `/projects/${made.projectId}`);
    expect(shown.body.project).toEqual(created.body.project);
  });

  it('user create: 201, no password shown, unknown keys kept; the same name again 409; a member 403', async () => {
    const { admin, demo } = await ctx.tokens();
    const projectId = need(made.projectId, 'project');
    const created = await keystone(ctx, admin, 'POST', '/users', {
      user: { name: userName, password, default_project_id: projectId, email: `${userName}@example.org` },
    });
    expect(created.status).toBe(201);
    expect(created.body.user).toEqual({
      email: `${userName}@example.org`,
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: userName,
      domain_id: 'default',
      enabled: true,
      default_project_id: projectId,
      password_expires_at: null,
      options: {},
      links: { self: expect.stringMatching(new RegExp(`/v3/users/${created.body.user.id}$`)) },
    });
    ctx.record('user create', created.body);
    made.userId = created.body.user.id;
    const again = await keystone(ctx, admin, 'POST', '/users', { user: { name: userName } });
    expect(again.body).toEqual(
      conflict(
        'Conflict occurred attempting to store user - ' +
          `Duplicate entry found with name ${userName} at domain ID default.`,
      ),
    );
    expect((await keystone(ctx, demo, 'POST', '/users', { user: { name: `${userName}-x` } })).body).toEqual(
      DENIED('identity:create_user'),
    );
    const bare = await keystone(ctx, admin, 'POST', '/users', {
      user: { name: `${userName}-off`, password, enabled: false },
    });
    // Without a default project keystone leaves the key out.
    expect(bare.body.user).not.toHaveProperty('default_project_id');
    expect(bare.body.user.enabled).toBe(false);
    // Before any role it can log in unscoped, not to the project.
    expect((await call('POST', `${ctx.cloud().authUrl}/auth/tokens`, login(userName, password))).status).toBe(201);
    expect(
      (await call('POST', `${ctx.cloud().authUrl}/auth/tokens`, login(userName, password, projectName))).status,
    ).toBe(401);
  });

  it('role add: 204 (again 204), checked 204/404, listed; a member 403; unknown ids 404 naming them', async () => {
    const { admin, demo } = await ctx.tokens();
    const projectId = need(made.projectId, 'project');
    const userId = need(made.userId, 'user');
    const roles = (await keystone(ctx, admin, 'GET', '/roles')).body.roles as { id: string; name: string }[];
    const roleId = (name: string) => roles.find((r) => r.name === name)!.id;
    made.memberRoleId = roleId('member');
    const grant = grantPath(projectId, userId, roleId('member'));
    expect((await keystone(ctx, admin, 'PUT', grant)).status).toBe(204);
    expect((await keystone(ctx, admin, 'PUT', grant)).status).toBe(204);
    expect((await keystone(ctx, admin, 'HEAD', grant)).status).toBe(204);
    expect((await keystone(ctx, admin, 'GET', grant)).status).toBe(204);
    // reader is implied by member, not given: no assignment.
    const implied = grantPath(projectId, userId, roleId('reader'));
    expect((await keystone(ctx, admin, 'GET', implied)).body).toEqual(
      keystoneError(
        404,
        `Could not find role assignment with role: ${roleId('reader')}, user or group: ${userId}, ` +
          `project, domain, or system: ${projectId}.`,
      ),
    );
    const listed = await keystone(ctx, admin, 'GET', `/projects/${projectId}/users/${userId}/roles`);
    expect(listed.body.roles.map((r: { name: string }) => r.name)).toEqual(['member']);
    ctx.record('project user roles', listed.body);
    const role = await keystone(ctx, admin, 'GET', `/roles/${roleId('member')}`);
    expect(role.body.role).toMatchObject({ id: roleId('member'), name: 'member', domain_id: null });
    ctx.record('role show', role.body);
    expect((await keystone(ctx, admin, 'GET', '/roles/nosuch')).body).toEqual(
      keystoneError(404, 'Could not find role: nosuch.'),
    );
    expect((await keystone(ctx, demo, 'PUT', grant)).body).toEqual(DENIED('identity:create_grant'));
    expect((await keystone(ctx, demo, 'GET', `/projects/${projectId}/users/${userId}/roles`)).body).toEqual(
      DENIED('identity:list_grants'),
    );
    expect((await keystone(ctx, demo, 'GET', `/roles/${roleId('member')}`)).body).toEqual(DENIED('identity:get_role'));
    for (const [path, what] of [
      [grantPath('nosuch', userId, roleId('member')), 'project'],
      [grantPath(projectId, 'nosuch', roleId('member')), 'user'],
      [grantPath(projectId, userId, 'nosuch'), 'role'],
    ] as const) {
      expect((await keystone(ctx, admin, 'PUT', path)).body).toEqual(
        keystoneError(404, `Could not find ${what}: nosuch.`),
      );
    }
  });

  it('the new user logs in to its project as member (and reader) and reaches Cinder; revoked, it cannot', async () => {
    const projectId = need(made.projectId, 'project');
    const userId = need(made.userId, 'user');
    const memberRoleId = need(made.memberRoleId, 'member role');
    const auth = await call('POST', `${ctx.cloud().authUrl}/auth/tokens`, login(userName, password, projectName));
    expect(auth.status).toBe(201);
    const token = auth.body.token;
    expect({ project: token.project.id, user: token.user.id }).toEqual({ project: projectId, user: userId });
    expect(token.roles.map((r: { name: string }) => r.name).sort()).toEqual(['member', 'reader']);
    const cinder = token.catalog.find((s: { type: string }) => s.type === 'volumev3');
    const url = cinder.endpoints.find((e: { interface: string }) => e.interface === 'public').url;
    const subject = auth.headers.get('x-subject-token')!;
    const volumes = await call('GET', `${url}/volumes`, undefined, { 'X-Auth-Token': subject });
    expect(volumes).toMatchObject({ status: 200, body: { volumes: [] } });
    const { admin } = await ctx.tokens();
    const disabled = await call('POST', `${ctx.cloud().authUrl}/auth/tokens`, login(`${userName}-off`, password));
    expect(disabled.status).toBe(401);
    expect((await keystone(ctx, admin, 'DELETE', grantPath(projectId, userId, memberRoleId))).status).toBe(204);
    expect(
      (await call('POST', `${ctx.cloud().authUrl}/auth/tokens`, login(userName, password, projectName))).status,
    ).toBe(401);
    // Given back, so the trust checks can use this user as a member.
    expect((await keystone(ctx, admin, 'PUT', grantPath(projectId, userId, memberRoleId))).status).toBe(204);
  });
}
