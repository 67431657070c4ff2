import { Hono } from 'hono';
import { requireToken } from '../auth';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { microversion } from '../microversion';
import { flavorRoutes } from './flavors';
import { serverRoutes } from './servers';

export const NOVA_MIN_VERSION = '2.1';
export const NOVA_MAX_VERSION = '2.96';

function v21(base: string) {
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: NOVA_MAX_VERSION,
    min_version: NOVA_MIN_VERSION,
    updated: '2013-07-23T11:33:21Z',
    links: [{ rel: 'self', href: `${base}/compute/v2.1/` }],
  };
}

/** Nova v2.1, mounted at /compute (project from the token, no project id in URLs). */
export function novaApp(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  app.get('/', (c) => {
    const v20 = {
      id: 'v2.0',
      status: 'SUPPORTED',
      version: '',
      min_version: '',
      updated: '2011-01-21T11:33:21Z',
      links: [{ rel: 'self', href: `${cloud.baseUrl}/compute/v2/` }],
    };
    return c.json({ versions: [v20, v21(cloud.baseUrl)] });
  });
  // Registered before the authenticated API so the version document needs no token, as in nova.
  app.get('/v2.1', (c) =>
    c.json({
      version: {
        ...v21(cloud.baseUrl),
        links: [
          ...v21(cloud.baseUrl).links,
          { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
        ],
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
      },
    }),
  );

  const api = new Hono<SimEnv>({ strict: false });
  api.use(
    '*',
    requireToken(cloud),
    microversion({
      service: 'compute',
      min: NOVA_MIN_VERSION,
      max: NOVA_MAX_VERSION,
      legacyHeader: 'X-OpenStack-Nova-API-Version',
    }),
  );
  api.route(
    '/flavors',
    flavorRoutes(() => cloud.baseUrl),
  );
  api.route('/servers', serverRoutes(cloud));
  app.route('/v2.1', api);
  return app;
}
