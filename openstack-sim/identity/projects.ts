import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { keystoneError } from '../errors';
import { newHexId } from '../ids';
import { parseWith, readJson } from '../validation';
import { serviceUrls } from './catalog';
import { DEFAULT_DOMAIN, type Project, storeConflict, type User } from './directory';
import { keystoneCaller } from './token-auth';

/** keystone's project_create schema, the keys the simulator keeps (no hierarchy: parent_id is the domain). */
const CreateProject = z.looseObject({
  name: z.string().min(1).max(64).regex(/\S/),
  domain_id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-zA-Z0-9-]+$/)
    .nullish(),
  description: z.string().nullish(),
  enabled: z.boolean().optional(),
  tags: z
    .array(
      z
        .string()
        .min(1)
        .max(255)
        .regex(/^[^,/]*$/),
    )
    .max(80)
    .optional(),
});

/**
 * Keystone's projects: create, list and show for admins (a member may show its own project), and the
 * two "my projects" lists the clients fall back on — /auth/projects, and /users/{id}/projects, which
 * `openstack project list` asks after a member's 403.
 */
export function projectRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  const v3 = () => `${serviceUrls(cloud.baseUrl).identity}/v3`;
  const view = (p: Project) => ({
    id: p.id,
    name: p.name,
    domain_id: p.domainId,
    description: p.description,
    enabled: p.enabled,
    parent_id: p.domainId,
    is_domain: false,
    tags: p.tags,
    options: {},
    links: { self: `${v3()}/projects/${p.id}` },
  });
  /** keystone's collection: the projects, and links whose self repeats the query as sent. */
  const collection = (c: Context<SimEnv>, path: string, projects: Project[]) =>
    c.json({
      projects: projects.map(view),
      links: { next: null, self: `${v3()}${path}${new URL(c.req.url).search}`, previous: null },
    });
  const caller = (c: Context<SimEnv>) => keystoneCaller(cloud, c.req.header('X-Auth-Token'));
  const projectsOf = (user: User) => cloud.directory.projects.filter((p) => cloud.directory.rolesOn(user, p.id).length);

  app.get('/projects', (c) => {
    if (!caller(c).isAdmin) throw keystoneError.forbidden('identity:list_projects');
    const { name, domain_id: domainId, enabled } = c.req.query();
    const projects = cloud.directory.projects.filter(
      (p) =>
        (name === undefined || p.name === name) &&
        (domainId === undefined || p.domainId === domainId) &&
        (enabled === undefined || p.enabled === ['true', '1', 'yes', 'on'].includes(enabled.toLowerCase())),
    );
    return collection(c, '/projects', projects);
  });

  app.post('/projects', async (c) => {
    if (!caller(c).isAdmin) throw keystoneError.forbidden('identity:create_project');
    const body = await readJson(c, z.object({ project: z.record(z.string(), z.unknown()) }), 'keystone');
    const req = parseWith(CreateProject, body.project, 'keystone');
    const domainId = req.domain_id ?? DEFAULT_DOMAIN.id;
    if (domainId !== DEFAULT_DOMAIN.id) throw keystoneError.badRequest(`Could not find domain: ${domainId}.`);
    if (cloud.directory.projectNamed(req.name, domainId)) {
      // keystone names the id it was about to give, not the existing project's.
      const id = newHexId();
      throw storeConflict(
        'project',
        'it is not permitted to have two projects with either the same name or same id in the same domain: ' +
          `name is ${req.name}, project id ${id}.`,
      );
    }
    const project = cloud.directory.addProject({
      name: req.name,
      domainId,
      description: req.description ?? '',
      enabled: req.enabled ?? true,
      tags: req.tags ?? [],
    });
    return c.json({ project: view(project) }, 201);
  });

  // An admin learns whether the project exists; anyone else is refused before keystone looks.
  app.get('/projects/:id', (c) => {
    const { isAdmin, token } = caller(c);
    const id = c.req.param('id');
    if (!isAdmin && token.projectId !== id) throw keystoneError.forbidden('identity:get_project');
    const project = cloud.directory.projectById(id);
    if (!project) throw keystoneError.notFound(`Could not find project: ${id}.`);
    return c.json({ project: view(project) });
  });

  app.get('/auth/projects', (c) => collection(c, '/auth/projects', projectsOf(caller(c).user)));

  app.get('/users/:id/projects', (c) => {
    const { isAdmin, user: self } = caller(c);
    const id = c.req.param('id');
    if (!isAdmin && self.id !== id) throw keystoneError.forbidden('identity:list_user_projects');
    const user = cloud.directory.userById(id);
    if (!user) throw keystoneError.notFound(`Could not find user: ${id}.`);
    return collection(c, `/users/${id}/projects`, projectsOf(user));
  });

  return app;
}
