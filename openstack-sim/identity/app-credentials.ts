import { Hono } from 'hono';
import { z } from 'zod';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { keystoneError } from '../errors';
import { newHexId, randomText } from '../ids';
import { parseWith, readJson } from '../validation';
import { serviceUrls } from './catalog';
import type { AppCredential } from './app-credential-store';
import { type Role, storeConflict } from './directory';
import { hashSecret } from './secrets';
import { keystoneRole } from './registry';
import { keystoneCaller } from './token-auth';

const CreateAppCredential = z.looseObject({
  name: z.string().min(1).max(255),
  description: z.string().nullish(),
  secret: z.string().min(1).nullish(),
  roles: z.array(z.union([z.object({ id: z.string() }), z.object({ name: z.string() })])).nullish(),
  unrestricted: z.boolean().nullish(),
});

/** POST /v3/users/{id}/application_credentials: the user itself, from a project-scoped token. */
export function appCredentialRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  const v3 = () => `${serviceUrls(cloud.baseUrl).identity}/v3`;
  const { directory } = cloud;

  app.post('/:id/application_credentials', async (c) => {
    const caller = keystoneCaller(cloud, c.req.header('X-Auth-Token'));
    const userId = c.req.param('id');
    if (caller.user.id !== userId || !caller.token.projectId)
      throw keystoneError.forbidden('identity:create_application_credential');
    const body = await readJson(c, z.object({ application_credential: z.unknown() }), 'keystone');
    const req = parseWith(CreateAppCredential, body.application_credential, 'keystone');
    const projectId = caller.token.projectId;
    const held = directory.rolesOn(caller.user, projectId);
    const byRef = (ref: { id: string } | { name: string }) =>
      'id' in ref ? directory.roleById(ref.id) : directory.roleByName(ref.name);
    const wanted = req.roles?.length ? req.roles.map(byRef) : held;
    if (wanted.some((r) => !r || !held.some((h) => h.id === r.id)))
      throw keystoneError.badRequest(
        'Invalid application credential: Cannot create an application credential with unassigned role',
      );
    if (directory.appCredentials.named(userId, req.name)) {
      throw storeConflict('application_credential', `Duplicate entry found with name ${req.name}.`);
    }
    const secret = req.secret ?? randomText(64);
    const cred: AppCredential = {
      id: newHexId(),
      name: req.name,
      userId,
      projectId,
      roleIds: (wanted as Role[]).map((r) => r.id),
      secret: hashSecret(secret),
      unrestricted: req.unrestricted ?? false,
      description: req.description ?? null,
    };
    directory.appCredentials.add(cred);
    const roles = directory.rolesById(cred.roleIds);
    return c.json(
      {
        application_credential: {
          id: cred.id,
          name: cred.name,
          description: cred.description,
          user_id: userId,
          project_id: projectId,
          system: null,
          expires_at: null,
          unrestricted: req.unrestricted ?? null,
          roles: roles.map((r) => {
            const { links: _links, ...ref } = keystoneRole(v3(), r);
            return ref;
          }),
          secret,
          links: { self: `${v3()}/application_credentials/${cred.id}` },
        },
      },
      201,
    );
  });

  return app;
}
