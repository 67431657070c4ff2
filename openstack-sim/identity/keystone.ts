import { Hono } from 'hono';
import { authenticate } from '../auth';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { keystoneError } from '../errors';
import type { Token } from '../state';
import { readJson } from '../validation';
import { appCredentialRoutes } from './app-credentials';
import { buildCatalog, serviceUrls } from './catalog';
import { grantRoutes } from './grants';
import { projectRoutes } from './projects';
import { registryRoutes } from './registry';
import { AuthRequest, issueToken, keystoneCaller, liveToken, tokenBody } from './token-auth';
import { trustRoutes } from './trusts';
import { userRoutes } from './users';

function versionDoc(base: string) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${serviceUrls(base).identity}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

/** Keystone v3, mounted at /identity: tokens, the catalog, projects, users and their role grants, OS-TRUST trusts. */
export function keystoneApp(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });

  // Version discovery: keystoneauth reads these before authenticating.
  app.get('/', (c) => c.json({ versions: { values: [versionDoc(cloud.baseUrl)] } }, 300));
  app.get('/v3', (c) => c.json({ version: versionDoc(cloud.baseUrl) }));

  app.post('/v3/auth/tokens', async (c) => {
    const token = issueToken(cloud, await readJson(c, AuthRequest, 'keystone'));
    const withCatalog = c.req.query('nocatalog') === undefined;
    return c.json(tokenBody(cloud, token, withCatalog), 201, { 'X-Subject-Token': token.id, Vary: 'X-Auth-Token' });
  });

  /**
   * The subject token of GET/HEAD/DELETE, after checking the caller: admins may act on any token,
   * others on their own only (keystone's identity:validate_token policy).
   */
  const subjectToken = (authToken: string | undefined, subject: string | undefined): Token => {
    const caller = keystoneCaller(cloud, authToken);
    if (!subject) throw keystoneError.notFound('No token in the request');
    const issued = cloud.tokens.validate(subject);
    if (!issued) throw keystoneError.notFound(cloud.tokens.invalidReason(subject));
    if (!caller.isAdmin && issued.userId !== caller.user.id) throw keystoneError.forbidden('identity:validate_token');
    // A token redeemed from a trust dies with it.
    if (!liveToken(cloud, subject)) throw keystoneError.notFound(`Could not find trust: ${issued.trustId}.`);
    return issued;
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

  app.route('/v3', projectRoutes(cloud));
  app.route('/v3', grantRoutes(cloud));
  app.route('/v3', registryRoutes(cloud));
  app.route('/v3/users', userRoutes(cloud));
  app.route('/v3/users', appCredentialRoutes(cloud));
  app.route('/v3/OS-TRUST/trusts', trustRoutes(cloud));
  return app;
}
