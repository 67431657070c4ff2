// Keystone's projects and users as operators list them (`openstack project list/show`, `user list`,
// `volume list --project demo`), run against both clouds: an admin sees every project and user; a
// member is refused the lists (403 naming the policy, not 404) and sees its own project only, through
// the fall-backs the client takes (/users/{id}/projects, /auth/projects).
import { expect, it } from 'vitest';
import { type ContractContext, keystone, keystoneError } from './context';

const DENIED = (rule: string) => keystoneError(403, `You are not authorized to perform the requested action: ${rule}.`);
const names = (body: { projects?: { name: string }[]; users?: { name: string }[] }) =>
  (body.projects ?? body.users ?? []).map((p) => p.name);

export function identityChecks(ctx: ContractContext): void {
  it('projects: an admin lists every project, filters by name, domain and enabled, shows one or 404', async () => {
    const { admin } = await ctx.tokens();
    const { demoProjectId, adminProjectId } = ctx.ids();
    const all = await keystone(ctx, admin, 'GET', '/projects');
    expect(all.status).toBe(200);
    expect(names(all.body)).toEqual(expect.arrayContaining(['admin', 'demo']));
    expect(all.body.links).toEqual({ next: null, self: expect.stringMatching(/\/v3\/projects$/), previous: null });
    const demo = await keystone(ctx, admin, 'GET', '/projects?name=demo');
    expect(demo.body.projects).toEqual([
      expect.objectContaining({ id: demoProjectId, name: 'demo', domain_id: 'default', enabled: true }),
    ]);
    expect(demo.body.links.self).toMatch(/\/v3\/projects\?name=demo$/);
    ctx.record('project list ?name=demo', demo.body);
    expect((await keystone(ctx, admin, 'GET', '/projects?name=nope')).body.projects).toEqual([]);
    const enabled = await keystone(ctx, admin, 'GET', '/projects?domain_id=default&enabled=true');
    expect(names(enabled.body)).toEqual(expect.arrayContaining(['admin', 'demo']));
    expect((await keystone(ctx, admin, 'GET', '/projects?enabled=false')).body.projects).toEqual([]);
    expect((await keystone(ctx, admin, 'GET', '/projects?domain_id=other')).body.projects).toEqual([]);
    const shown = await keystone(ctx, admin, 'GET', `/projects/${adminProjectId}`);
    expect(shown.body.project).toMatchObject({ id: adminProjectId, name: 'admin', parent_id: 'default' });
    ctx.record('project show', shown.body);
    const missing = await keystone(ctx, admin, 'GET', '/projects/nope');
    expect(missing.body).toEqual(keystoneError(404, 'Could not find project: nope.'));
  });

  it("projects: a member is refused the list and other projects (403), sees its own and its user's", async () => {
    const { demo } = await ctx.tokens();
    const { demoProjectId, adminProjectId, demoUserId, adminUserId } = ctx.ids();
    expect((await keystone(ctx, demo, 'GET', '/projects')).body).toEqual(DENIED('identity:list_projects'));
    expect((await keystone(ctx, demo, 'GET', `/projects/${demoProjectId}`)).body.project.name).toBe('demo');
    for (const id of [adminProjectId, 'nope'])
      expect((await keystone(ctx, demo, 'GET', `/projects/${id}`)).body).toEqual(DENIED('identity:get_project'));
    const mine = await keystone(ctx, demo, 'GET', `/users/${demoUserId}/projects`);
    expect(mine.body.projects.map((p: { id: string }) => p.id)).toEqual([demoProjectId]);
    ctx.record('user projects', mine.body);
    const auth = await keystone(ctx, demo, 'GET', '/auth/projects');
    expect(names(auth.body)).toEqual(['demo']);
    expect(auth.body.links.self).toMatch(/\/v3\/auth\/projects$/);
    expect((await keystone(ctx, demo, 'GET', `/users/${adminUserId}/projects`)).body).toEqual(
      DENIED('identity:list_user_projects'),
    );
    const { admin } = await ctx.tokens();
    expect(names((await keystone(ctx, admin, 'GET', `/users/${demoUserId}/projects`)).body)).toEqual(['demo']);
    expect((await keystone(ctx, admin, 'GET', '/users/nope/projects')).body).toEqual(
      keystoneError(404, 'Could not find user: nope.'),
    );
  });

  it('users: an admin lists them all and by name; a member is refused the list (403, not 404)', async () => {
    const { admin, demo } = await ctx.tokens();
    expect(names((await keystone(ctx, admin, 'GET', '/users')).body)).toEqual(
      expect.arrayContaining(['admin', 'demo']),
    );
    const one = await keystone(ctx, admin, 'GET', '/users?name=demo');
    expect(one.body.users).toEqual([expect.objectContaining({ id: ctx.ids().demoUserId, name: 'demo' })]);
    ctx.record('user list ?name=demo', one.body);
    expect((await keystone(ctx, demo, 'GET', '/users')).body).toEqual(DENIED('identity:list_users'));
    expect((await keystone(ctx, admin, 'GET', '/users/nope')).body).toEqual(
      keystoneError(404, 'Could not find user: nope.'),
    );
  });
}
