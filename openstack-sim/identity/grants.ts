import { Hono, type Context } from 'hono';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { keystoneError } from '../errors';
import { serviceUrls } from './catalog';
import { keystoneRole } from './registry';
import { keystoneCaller } from './token-auth';

/**
 * Role grants on projects (`openstack role add/remove --project p --user u r`), admins only:
 * PUT gives (idempotent), HEAD/GET check, DELETE takes back, and the list of a user's roles there.
 * Each id is looked up in keystone's order (project, user, role), the first unknown one 404.
 */
export function grantRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  const { directory } = cloud;
  const v3 = () => `${serviceUrls(cloud.baseUrl).identity}/v3`;

  const target = (c: Context<SimEnv>, rule: string) => {
    if (!keystoneCaller(cloud, c.req.header('X-Auth-Token')).isAdmin) throw keystoneError.forbidden(`identity:${rule}`);
    const { project: projectId, user: userId } = c.req.param() as { project: string; user: string };
    if (!directory.projectById(projectId)) throw keystoneError.notFound(`Could not find project: ${projectId}.`);
    if (!directory.userById(userId)) throw keystoneError.notFound(`Could not find user: ${userId}.`);
    return { projectId, userId };
  };
  const grant = (c: Context<SimEnv>, rule: string) => {
    const { projectId, userId } = target(c, rule);
    const roleId = c.req.param('role') ?? '';
    if (!directory.roleById(roleId)) throw keystoneError.notFound(`Could not find role: ${roleId}.`);
    return { projectId, userId, roleId };
  };
  const missing = ({ projectId, userId, roleId }: ReturnType<typeof grant>) =>
    keystoneError.notFound(
      `Could not find role assignment with role: ${roleId}, user or group: ${userId}, ` +
        `project, domain, or system: ${projectId}.`,
    );
  const path = '/projects/:project/users/:user/roles';

  app.put(`${path}/:role`, (c) => {
    const { projectId, userId, roleId } = grant(c, 'create_grant');
    directory.grant(userId, projectId, roleId);
    return c.body(null, 204);
  });

  // HEAD is GET without a body (hono answers HEAD from the GET route).
  app.get(`${path}/:role`, (c) => {
    const g = grant(c, 'check_grant');
    if (!directory.hasGrant(g.userId, g.projectId, g.roleId)) throw missing(g);
    return c.body(null, 204);
  });

  app.delete(`${path}/:role`, (c) => {
    const g = grant(c, 'revoke_grant');
    if (!directory.revoke(g.userId, g.projectId, g.roleId)) throw missing(g);
    return c.body(null, 204);
  });

  app.get(path, (c) => {
    const { projectId, userId } = target(c, 'list_grants');
    const roles = directory.grantedOn(directory.userById(userId)!, projectId).map((r) => keystoneRole(v3(), r));
    const self = `${v3()}/projects/${projectId}/users/${userId}/roles`;
    return c.json({ roles, links: { next: null, self, previous: null } });
  });

  return app;
}
