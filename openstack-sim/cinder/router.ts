import { Hono, type MiddlewareHandler } from 'hono';
import { requireToken } from '../auth';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { fault } from '../errors';
import { microversion, requireVersion } from '../microversion';
import { backendRoutes } from './backends';
import { extraRoutes } from './extras';
import { limitRoutes } from './limits';
import { quotaSetRoutes } from './quota-sets';
import { snapshotRoutes } from './snapshots';
import { transferRoutes } from './transfers';
import { typeRoutes } from './types';
import { volumeRoutes } from './volumes';

export const CINDER_MIN_VERSION = '3.0';
export const CINDER_MAX_VERSION = '3.70';

/**
 * cinder's version document, served at /volume/ (300) and /volume/v3/ (200).
 * cinderclient strips the endpoint to /volume/ and reads `versions[].version` and
 * `min_version` from here to negotiate a microversion.
 */
function versionsDoc(cloud: SimulatedCloud) {
  return {
    versions: [
      {
        id: 'v3.0',
        status: 'CURRENT',
        version: CINDER_MAX_VERSION,
        min_version: CINDER_MIN_VERSION,
        updated: '2022-08-31T00:00:00Z',
        links: [
          { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
          { rel: 'self', href: `${cloud.baseUrl}/volume/v3/` },
        ],
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
      },
    ],
  };
}

/** cinder refuses a project id in the URL other than the token's, before anything else. */
const matchingProject: MiddlewareHandler<SimEnv> = async (c, next) => {
  if (c.req.param('project_id') !== c.get('auth').projectId) throw fault.badRequest('Malformed request url');
  await next();
};

/** Cinder v3, mounted at /volume. */
export function cinderApp(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  app.get('/', (c) => c.json(versionsDoc(cloud), 300));
  app.get('/v3', (c) => c.json(versionsDoc(cloud)));

  const project = new Hono<SimEnv>({ strict: false });
  project.use(
    '*',
    requireToken(cloud),
    matchingProject,
    microversion({ service: 'volume', min: CINDER_MIN_VERSION, max: CINDER_MAX_VERSION }),
  );
  project.route('/volumes', volumeRoutes(cloud));
  project.route('/snapshots', snapshotRoutes(cloud));
  project.route('/types', typeRoutes(cloud));
  project.route('/os-quota-sets', quotaSetRoutes(cloud));
  project.route('/limits', limitRoutes(cloud));
  project.route('/', backendRoutes(cloud));
  project.route('/', extraRoutes(cloud));
  project.route('/os-volume-transfer', transferRoutes(cloud, 'os-volume-transfer'));
  const transfers355 = new Hono<SimEnv>({ strict: false });
  transfers355.use('*', requireVersion('3.55'));
  transfers355.route('/', transferRoutes(cloud, 'volume-transfers'));
  project.route('/volume-transfers', transfers355);

  app.route('/v3/:project_id', project);
  return app;
}
