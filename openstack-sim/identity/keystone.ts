import { Hono } from 'hono';
import { z } from 'zod';
import { authenticate } from '../auth';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { ApiError, keystoneError } from '../errors';
import { keystoneTime } from '../ids';
import type { Token } from '../state';
import { readJson } from '../validation';
import { buildCatalog, serviceUrls } from './catalog';
import { DEFAULT_DOMAIN, type NameOrId, type User } from './directory';

const DomainRef = z.object({ id: z.string().optional(), name: z.string().optional() });
const NamedRef = z.object({ id: z.string().optional(), name: z.string().optional(), domain: DomainRef.optional() });

const AuthRequest = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()).min(1),
      password: z.object({ user: NamedRef.extend({ password: z.string() }) }).optional(),
      token: z.object({ id: z.string() }).optional(),
    }),
    scope: z.union([z.object({ project: NamedRef }), z.literal('unscoped')]).optional(),
  }),
});
type AuthRequest = z.output<typeof AuthRequest>;

const MALFORMED_SUFFIX =
  'The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';

/** keystone insists on a domain wherever something is referred to by name. */
function requireIdOrDomain(ref: NameOrId, what: string): void {
  if (!ref.id && !ref.name) throw keystoneError.badRequest(`Expecting to find id or name in ${what}. ${MALFORMED_SUFFIX}`);
  if (!ref.id && !ref.domain?.id && !ref.domain?.name) {
    throw keystoneError.badRequest(`Expecting to find domain in ${what}. ${MALFORMED_SUFFIX}`);
  }
}

function versionDoc(base: string) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${serviceUrls(base).identity}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

/** Who the request authenticates as, and the audit chain it continues (token method). */
function identify(cloud: SimulatedCloud, identity: AuthRequest['auth']['identity']): { user: User; auditId?: string } {
  const { methods } = identity;
  if (methods.includes('password')) {
    const ref = identity.password?.user;
    if (!ref) throw keystoneError.badRequest(`Invalid input for field 'identity': 'password' is a required property`);
    requireIdOrDomain(ref, 'user');
    const user = cloud.directory.findUser(ref);
    // Unknown user and wrong password look the same to the caller, as in keystone.
    if (!user || user.password !== ref.password) throw keystoneError.unauthorized();
    return { user };
  }
  if (methods.includes('token')) {
    const token = cloud.tokens.validate(identity.token?.id);
    const user = token && cloud.directory.userById(token.userId);
    if (!token || !user) throw keystoneError.unauthorized();
    return { user, auditId: token.auditId };
  }
  throw new ApiError(401, 'Attempted to authenticate with an unsupported method.', 'keystone');
}

function scopeProject(cloud: SimulatedCloud, user: User, scope: AuthRequest['auth']['scope']): string | null {
  if (scope === undefined || scope === 'unscoped') return null;
  requireIdOrDomain(scope.project, 'project');
  const project = cloud.directory.findProject(scope.project);
  if (!project || cloud.directory.rolesOn(user, project.id).length === 0) throw keystoneError.unauthorized();
  return project.id;
}

function tokenBody(cloud: SimulatedCloud, token: Token, withCatalog: boolean) {
  const user = cloud.directory.userById(token.userId)!;
  const domain = { id: DEFAULT_DOMAIN.id, name: DEFAULT_DOMAIN.name };
  const body: Record<string, unknown> = {
    methods: token.methods,
    user: { id: user.id, name: user.name, domain, password_expires_at: null },
    audit_ids: [token.auditId],
    expires_at: keystoneTime(token.expiresAt),
    issued_at: keystoneTime(token.issuedAt),
  };
  const project = token.projectId ? cloud.directory.projectById(token.projectId) : undefined;
  if (project) {
    body.project = { id: project.id, name: project.name, domain };
    body.is_domain = false;
    body.roles = cloud.directory.rolesOn(user, project.id).map((r) => ({ id: r.id, name: r.name }));
    if (withCatalog) body.catalog = buildCatalog(cloud.baseUrl, project.id);
  }
  return { token: body };
}

/** Keystone v3, mounted at /identity. */
export function keystoneApp(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });

  // Version discovery: keystoneauth reads these before authenticating.
  app.get('/', (c) => c.json({ versions: { values: [versionDoc(cloud.baseUrl)] } }, 300));
  app.get('/v3', (c) => c.json({ version: versionDoc(cloud.baseUrl) }));

  app.post('/v3/auth/tokens', async (c) => {
    const request = await readJson(c, AuthRequest, 'keystone');
    const { user, auditId } = identify(cloud, request.auth.identity);
    const projectId = scopeProject(cloud, user, request.auth.scope);
    const token = cloud.tokens.issue(user.id, projectId, request.auth.identity.methods, auditId);
    const withCatalog = c.req.query('nocatalog') === undefined;
    return c.json(tokenBody(cloud, token, withCatalog), 201, { 'X-Subject-Token': token.id, Vary: 'X-Auth-Token' });
  });

  /** The subject token of GET/HEAD/DELETE, after checking the caller's own token. */
  const subjectToken = (authToken: string | undefined, subject: string | undefined): Token => {
    if (!cloud.tokens.validate(authToken)) throw keystoneError.unauthorized();
    const token = cloud.tokens.validate(subject);
    if (!token) throw keystoneError.notFound('Failed to validate token');
    return token;
  };

  app.get('/v3/auth/tokens', (c) => {
    const token = subjectToken(c.req.header('X-Auth-Token'), c.req.header('X-Subject-Token'));
    const withCatalog = c.req.query('nocatalog') === undefined;
    return c.json(tokenBody(cloud, token, withCatalog), 200, { 'X-Subject-Token': token.id, Vary: 'X-Auth-Token' });
  });

  app.delete('/v3/auth/tokens', (c) => {
    const token = subjectToken(c.req.header('X-Auth-Token'), c.req.header('X-Subject-Token'));
    cloud.tokens.revoke(token.id);
    return c.body(null, 204);
  });

  app.get('/v3/auth/catalog', (c) => {
    const auth = authenticate(cloud, c.req.header('X-Auth-Token'));
    const catalog = buildCatalog(cloud.baseUrl, auth.projectId);
    return c.json({ catalog, links: { self: `${serviceUrls(cloud.baseUrl).identity}/v3/auth/catalog` } });
  });

  return app;
}
