import { Hono } from 'hono';
import { z } from 'zod';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { keystoneError } from '../errors';
import { parseWith, readJson } from '../validation';
import { serviceUrls } from './catalog';
import { DEFAULT_DOMAIN, storeConflict, type User } from './directory';
import { type KeystoneCaller, keystoneCaller } from './token-auth';

const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-zA-Z0-9-]+$/);

/** keystone's user_create schema (the keys blockflow's operators send); unknown keys are kept as "extra". */
const CreateUser = z.looseObject({
  name: z.string().min(1).max(255).regex(/\S/),
  domain_id: Id.optional(),
  default_project_id: Id.nullish(),
  password: z.string().nullish(),
  enabled: z.boolean().optional(),
  description: z.string().nullish(),
});
const KNOWN_KEYS = new Set([...Object.keys(CreateUser.shape), 'id', 'links', 'options', 'federated']);

/** Keystone's users API at /identity/v3/users: list/show (admins, a user itself) and create (admins). */
export function userRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  const v3 = () => `${serviceUrls(cloud.baseUrl).identity}/v3`;
  // keystone puts the extra keys first and leaves default_project_id out when there is none.
  const view = (u: User) => ({
    ...u.extra,
    id: u.id,
    name: u.name,
    domain_id: u.domainId,
    enabled: u.enabled,
    ...(u.defaultProjectId ? { default_project_id: u.defaultProjectId } : {}),
    password_expires_at: null,
    options: {},
    links: { self: `${v3()}/users/${u.id}` },
  });
  const caller = (authToken: string | undefined, rule: string): KeystoneCaller => {
    const who = keystoneCaller(cloud, authToken);
    if (!who.isAdmin) throw keystoneError.forbidden(`identity:${rule}`);
    return who;
  };

  // keystone's policy: listing users is for admins; a user may read itself.
  app.get('/', (c) => {
    caller(c.req.header('X-Auth-Token'), 'list_users');
    const { name, domain_id: domainId, enabled } = c.req.query();
    const users = cloud.directory.users.filter(
      (u) =>
        (name === undefined || u.name === name) &&
        (domainId === undefined || u.domainId === domainId) &&
        (enabled === undefined || u.enabled === ['true', '1', 'yes', 'on'].includes(enabled.toLowerCase())),
    );
    const query = new URL(c.req.url).search;
    return c.json({ users: users.map(view), links: { next: null, self: `${v3()}/users${query}`, previous: null } });
  });

  app.post('/', async (c) => {
    caller(c.req.header('X-Auth-Token'), 'create_user');
    const body = await readJson(c, z.object({ user: z.record(z.string(), z.unknown()) }), 'keystone');
    const req = parseWith(CreateUser, body.user, 'keystone');
    const domainId = req.domain_id ?? DEFAULT_DOMAIN.id;
    if (domainId !== DEFAULT_DOMAIN.id) throw keystoneError.badRequest(`Could not find domain: ${domainId}.`);
    if (cloud.directory.userNamed(req.name, domainId)) {
      throw storeConflict('user', `Duplicate entry found with name ${req.name} at domain ID ${domainId}.`);
    }
    const extra = Object.fromEntries(Object.entries(body.user).filter(([k]) => !KNOWN_KEYS.has(k)));
    const user = cloud.directory.addUser({
      name: req.name,
      domainId,
      password: req.password ?? null,
      defaultProjectId: req.default_project_id ?? null,
      enabled: req.enabled ?? true,
      extra: req.description === undefined ? extra : { description: req.description, ...extra },
    });
    return c.json({ user: view(user) }, 201);
  });

  app.get('/:id', (c) => {
    const who = keystoneCaller(cloud, c.req.header('X-Auth-Token'));
    const id = c.req.param('id');
    if (!who.isAdmin && who.user.id !== id) throw keystoneError.forbidden('identity:get_user');
    const user = cloud.directory.userById(id);
    if (!user) throw keystoneError.notFound(`Could not find user: ${id}.`);
    return c.json({ user: view(user) });
  });

  return app;
}
