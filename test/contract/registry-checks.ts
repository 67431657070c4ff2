// Keystone's registry as operators list it (`openstack domain/role/region/service/endpoint list`,
// `role assignment list --names`), run against both clouds: admins see it; a member reads its domain and
// the regions and is refused the rest (403 naming the policy). Ids and URLs differ by nature: compared by form.
import { expect, it } from 'vitest';
import { type ContractContext, keystone, keystoneError } from './context';

const DENIED = (rule: string) => keystoneError(403, `You are not authorized to perform the requested action: ${rule}.`);
const NAMES = /^[0-9a-f]{32}$/;

export function registryChecks(ctx: ContractContext): void {
  it('domains, roles, regions: what admins and members may read', async () => {
    const { admin, demo } = await ctx.tokens();
    const domains = await keystone(ctx, admin, 'GET', '/domains');
    expect(domains.body.domains).toEqual([
      expect.objectContaining({ id: 'default', name: 'Default', description: 'The default domain', enabled: true }),
    ]);
    ctx.record('domain list', domains.body);
    expect((await keystone(ctx, demo, 'GET', '/domains/default')).body.domain.name).toBe('Default');
    expect((await keystone(ctx, demo, 'GET', '/domains')).body).toEqual(DENIED('identity:list_domains'));
    expect((await keystone(ctx, demo, 'GET', '/domains/nope')).body).toEqual(DENIED('identity:get_domain'));
    expect((await keystone(ctx, admin, 'GET', '/domains/nope')).body).toEqual(
      keystoneError(404, 'Could not find domain: nope.'),
    );
    const roles = await keystone(ctx, admin, 'GET', '/roles');
    expect(roles.body.roles.map((r: { name: string }) => r.name)).toEqual(
      expect.arrayContaining(['admin', 'member', 'reader']),
    );
    ctx.record('role list', roles.body);
    expect((await keystone(ctx, admin, 'GET', '/roles?name=member')).body.roles).toHaveLength(1);
    expect((await keystone(ctx, demo, 'GET', '/roles')).body).toEqual(DENIED('identity:list_roles'));
    for (const token of [admin, demo]) {
      const regions = await keystone(ctx, token, 'GET', '/regions');
      expect(regions.body.regions).toEqual([expect.objectContaining({ id: 'RegionOne', parent_region_id: null })]);
      ctx.record('region list', regions.body);
    }
  });

  it('services and endpoints: the catalog for admins, cinder as volumev3 and block-storage; members 403', async () => {
    const { admin, demo } = await ctx.tokens();
    const services = (await keystone(ctx, admin, 'GET', '/services')).body;
    const types = services.services.map((s: { type: string }) => s.type);
    expect(types).toEqual(expect.arrayContaining(['identity', 'volumev3', 'block-storage']));
    for (const s of services.services) expect(s).toMatchObject({ id: expect.stringMatching(NAMES), enabled: true });
    ctx.record('service list', services);
    const volume = services.services.find((s: { type: string }) => s.type === 'volumev3');
    // How `openstack endpoint list --service volumev3` resolves the name: show by id (404), then ?name=, ?type=.
    expect((await keystone(ctx, admin, 'GET', '/services/volumev3')).body).toEqual(
      keystoneError(404, 'Could not find service: volumev3.'),
    );
    expect((await keystone(ctx, admin, 'GET', `/services/${volume.id}`)).body.service).toMatchObject({
      type: 'volumev3',
    });
    expect((await keystone(ctx, admin, 'GET', '/services?name=cinderv3')).body.services).toEqual([
      expect.objectContaining({ id: volume.id }),
    ]);
    expect((await keystone(ctx, admin, 'GET', '/services?type=volumev3')).body.services).toHaveLength(1);
    const endpoints = await keystone(ctx, admin, 'GET', `/endpoints?interface=public&service_id=${volume.id}`);
    expect(endpoints.body.endpoints).toEqual([
      expect.objectContaining({
        interface: 'public',
        region_id: 'RegionOne',
        service_id: volume.id,
        url: expect.stringMatching(/\/v3\/%\(project_id\)s$/),
      }),
    ]);
    ctx.record('endpoint list', endpoints.body);
    expect((await keystone(ctx, demo, 'GET', '/services')).body).toEqual(DENIED('identity:list_services'));
    expect((await keystone(ctx, demo, 'GET', '/endpoints')).body).toEqual(DENIED('identity:list_endpoints'));
  });

  it('role assignments: the role given (not those implied), by user and project, with names; members 403', async () => {
    const { admin, demo } = await ctx.tokens();
    const { demoUserId, demoProjectId } = ctx.ids();
    const query = `/role_assignments?user.id=${demoUserId}&scope.project.id=${demoProjectId}`;
    const plain = await keystone(ctx, admin, 'GET', query);
    expect(plain.body.role_assignments).toEqual([
      {
        links: {
          assignment: expect.stringMatching(new RegExp(`/v3/projects/${demoProjectId}/users/${demoUserId}/roles/`)),
        },
        scope: { project: { id: demoProjectId } },
        user: { id: demoUserId },
        role: { id: expect.stringMatching(NAMES) },
      },
    ]);
    ctx.record('role assignments', plain.body);
    const named = await keystone(ctx, admin, 'GET', `${query}&include_names=True`);
    expect(named.body.role_assignments[0]).toMatchObject({
      scope: { project: { name: 'demo', domain: { id: 'default', name: 'Default' } } },
      user: { name: 'demo', domain: { id: 'default', name: 'Default' } },
      role: { name: 'member' },
    });
    ctx.record('role assignments with names', named.body);
    expect((await keystone(ctx, demo, 'GET', query)).body).toEqual(DENIED('identity:list_role_assignments'));
  });
}
