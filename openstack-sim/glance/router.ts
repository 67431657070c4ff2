import { Hono } from 'hono';
import { requireToken } from '../auth';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { fault } from '../errors';

/**
 * A minimal, empty Glance v2. The simulator boots from volumes only, but
 * python-openstackclient builds an image client for `volume create` and
 * `server list` and fails without an image endpoint in the catalog.
 */
export function glanceApp(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  const v2 = () => ({ id: 'v2.16', status: 'CURRENT', links: [{ rel: 'self', href: `${cloud.baseUrl}/image/v2/` }] });
  app.get('/', (c) => c.json({ versions: [v2()] }, 300));

  const api = new Hono<SimEnv>({ strict: false });
  api.use('*', requireToken(cloud));
  api.get('/images', (c) => c.json({ images: [], first: '/v2/images', schema: '/v2/schemas/images' }));
  api.get('/images/:id', (c) => {
    throw fault.notFound(`No image found with ID ${c.req.param('id')}`);
  });
  app.route('/v2', api);
  return app;
}
