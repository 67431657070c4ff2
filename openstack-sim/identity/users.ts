import { Hono } from 'hono';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { keystoneError } from '../errors';
import { serviceUrls } from './catalog';
import type { User } from './directory';
import { keystoneCaller } from './token-auth';

/** Keystone's users API, read-only (users come from the simulator's options), at /identity/v3/users. */
export function userRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  const v3 = () => `${serviceUrls(cloud.baseUrl).identity}/v3`;
  const view = (u: User) => ({
    id: u.id,
    name: u.name,
    domain_id: u.domainId,
    enabled: true,
    default_project_id: u.projectId,
    password_expires_at: null,
    options: {},
    links: { self: `${v3()}/users/${u.id}` },
  });

  // keystone's policy: listing users is for admins; a user may read itself.
  app.get('/', (c) => {
    const caller = keystoneCaller(cloud, c.req.header('X-Auth-Token'));
    if (!caller.isAdmin) throw keystoneError.forbidden('identity:list_users');
    const { name, domain_id: domainId, enabled } = c.req.query();
    const users = cloud.directory.users.filter(
      (u) =>
        (name === undefined || u.name === name) &&
        (domainId === undefined || u.domainId === domainId) &&
        enabled !== 'false',
    );
    const query = new URL(c.req.url).search;
    return c.json({ users: users.map(view), links: { next: null, self: `${v3()}/users${query}`, previous: null } });
  });

  app.get('/:id', (c) => {
    const caller = keystoneCaller(cloud, c.req.header('X-Auth-Token'));
    const id = c.req.param('id');
    if (!caller.isAdmin && caller.user.id !== id) throw keystoneError.forbidden('identity:get_user');
    const user = cloud.directory.userById(id);
    if (!user) throw keystoneError.notFound(`Could not find user: ${id}.`);
    return c.json({ user: view(user) });
  });

  return app;
}
