import { Hono, type Context } from 'hono';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { keystoneError } from '../errors';
import { buildCatalog, REGION, serviceUrls } from './catalog';
import { DEFAULT_DOMAIN, type Project, type Role, ROLES, type User } from './directory';
import { type KeystoneCaller, keystoneCaller } from './token-auth';

/** keystone's view of a role (the bootstrap ones: global and immutable), under the keystone at `v3`. */
export const keystoneRole = (v3: string, r: Role) => ({
  id: r.id,
  name: r.name,
  domain_id: null,
  description: null,
  options: { immutable: true },
  links: { self: `${v3}/roles/${r.id}` },
});

/**
 * Keystone's registry as operators list it, read-only: domains, roles, regions, services, endpoints (the
 * catalog's) and role assignments (`openstack domain/role/region/service/endpoint list`, `role assignment list`).
 * Admins see all; a member may read its own domain and the regions, and is refused the rest naming the policy.
 */
export function registryRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  const v3 = () => `${serviceUrls(cloud.baseUrl).identity}/v3`;
  const self = (path: string) => ({ self: `${v3()}/${path}` });
  const caller = (c: Context<SimEnv>) => keystoneCaller(cloud, c.req.header('X-Auth-Token'));
  const admin = (c: Context<SimEnv>, rule: string): KeystoneCaller => {
    const who = caller(c);
    if (!who.isAdmin) throw keystoneError.forbidden(`identity:${rule}`);
    return who;
  };
  /** keystone's collection: the items, and links whose self repeats the query as sent. */
  const collection = (c: Context<SimEnv>, key: string, items: unknown[]) =>
    c.json({ [key]: items, links: { next: null, ...self(`${key}${new URL(c.req.url).search}`), previous: null } });

  const domain = { ...DEFAULT_DOMAIN, description: 'The default domain', enabled: true, tags: [], options: {} };
  const domainView = () => ({ ...domain, links: self(`domains/${domain.id}`) });
  app.get('/domains', (c) => {
    admin(c, 'list_domains');
    const name = c.req.query('name');
    return collection(c, 'domains', name === undefined || name === domain.name ? [domainView()] : []);
  });
  // A member reads the domain of its own project; anything else is refused before keystone looks.
  app.get('/domains/:id', (c) => {
    const who = caller(c);
    const id = c.req.param('id');
    if (!who.isAdmin && id !== domain.id) throw keystoneError.forbidden('identity:get_domain');
    if (id !== domain.id) throw keystoneError.notFound(`Could not find domain: ${id}.`);
    return c.json({ domain: domainView() });
  });

  const roleView = (r: Role) => keystoneRole(v3(), r);
  app.get('/roles/:id', (c) => {
    admin(c, 'get_role');
    const id = c.req.param('id');
    const found = cloud.directory.roleById(id);
    if (!found) throw keystoneError.notFound(`Could not find role: ${id}.`);
    return c.json({ role: roleView(found) });
  });
  app.get('/roles', (c) => {
    admin(c, 'list_roles');
    const name = c.req.query('name');
    return collection(c, 'roles', ROLES.filter((r) => name === undefined || r.name === name).map(roleView));
  });

  const region = { id: REGION, description: '', parent_region_id: null };
  app.get('/regions', (c) => {
    caller(c);
    return collection(c, 'regions', [{ ...region, links: self(`regions/${REGION}`) }]);
  });
  app.get('/regions/:id', (c) => {
    caller(c);
    const id = c.req.param('id');
    if (id !== REGION) throw keystoneError.notFound(`Could not find region: ${id}.`);
    return c.json({ region: { ...region, links: self(`regions/${REGION}`) } });
  });

  // The catalog's services and endpoints; keystone stores cinder's URL with its %(project_id)s template.
  const catalog = () => buildCatalog(cloud.baseUrl, '%(project_id)s');
  const serviceView = (s: ReturnType<typeof catalog>[number]) => ({
    name: s.name,
    id: s.id,
    type: s.type,
    enabled: true,
    links: self(`services/${s.id}`),
  });
  app.get('/services', (c) => {
    admin(c, 'list_services');
    const { type, name } = c.req.query();
    const services = catalog().filter((s) => (type ?? s.type) === s.type && (name ?? s.name) === s.name);
    return collection(c, 'services', services.map(serviceView));
  });
  app.get('/services/:id', (c) => {
    admin(c, 'get_service');
    const id = c.req.param('id');
    const service = catalog().find((s) => s.id === id);
    if (!service) throw keystoneError.notFound(`Could not find service: ${id}.`);
    return c.json({ service: serviceView(service) });
  });
  app.get('/endpoints', (c) => {
    admin(c, 'list_endpoints');
    const { interface: iface, service_id: serviceId } = c.req.query();
    const endpoints = catalog().flatMap((s) =>
      s.endpoints
        .filter(
          (e) => (iface === undefined || e.interface === iface) && (serviceId === undefined || s.id === serviceId),
        )
        .map((e) => ({ ...e, service_id: s.id, enabled: true, links: self(`endpoints/${e.id}`) })),
    );
    return collection(c, 'endpoints', endpoints);
  });

  app.get('/role_assignments', (c) => {
    admin(c, 'list_role_assignments');
    const query = c.req.query();
    // keystone's query_filter_is_true: present and not 0/false.
    const names = query.include_names !== undefined && !['0', 'false'].includes(query.include_names.toLowerCase());
    const { directory } = cloud;
    const assignments = directory.assignments
      .filter(
        (a) =>
          (query['user.id'] ?? a.userId) === a.userId && (query['scope.project.id'] ?? a.projectId) === a.projectId,
      )
      .flatMap((a) => {
        const [u, project, role] = [
          directory.userById(a.userId),
          directory.projectById(a.projectId),
          directory.roleById(a.roleId),
        ];
        // The role the user was given, not the ones it implies (keystone lists those with ?effective only).
        return u && project && role ? [assignmentView(u, project, role, names)] : [];
      });
    return collection(c, 'role_assignments', assignments);
  });

  const named = <T extends { id: string }>(ref: T, name: string, withDomain: boolean, on: boolean) =>
    on
      ? { ...ref, name, ...(withDomain ? { domain: { id: DEFAULT_DOMAIN.id, name: DEFAULT_DOMAIN.name } } : {}) }
      : ref;
  const assignmentView = (u: User, project: Project, role: Role, names: boolean) => ({
    links: { assignment: `${v3()}/projects/${project.id}/users/${u.id}/roles/${role.id}` },
    scope: { project: named({ id: project.id }, project.name, true, names) },
    user: named({ id: u.id }, u.name, true, names),
    role: named({ id: role.id }, role.name, false, names),
  });

  return app;
}
