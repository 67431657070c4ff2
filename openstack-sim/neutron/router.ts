import { Hono } from 'hono';
import { requireToken } from '../auth';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { serviceUrls } from '../identity/catalog';
import { networkRoutes } from './networks';
import { portRoutes } from './ports';

/** The extensions openstackclient and openstacksdk ask about before some commands. */
const EXTENSIONS = [
  ['binding', 'Port Binding'],
  ['external-net', 'Neutron external network'],
  ['provider', 'Provider Network'],
  ['project-id', 'project_id field enabled'],
  ['standard-attr-description', 'standard-attr-description'],
  ['standard-attr-timestamp', 'Resource timestamps'],
  ['filter-validation', 'Filter parameters validation'],
].map(([alias, name]) => ({ alias, name, description: name, updated: '2017-01-01T10:00:00-00:00', links: [] }));

/** Neutron v2.0, mounted at /networking (devstack's layout): networks, subnets, ports. */
export function neutronApp(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  // Version discovery needs no token, as in neutron.
  app.get('/', (c) =>
    c.json({
      versions: [
        {
          id: 'v2.0',
          status: 'CURRENT',
          links: [{ href: `${serviceUrls(cloud.baseUrl).network}/v2.0/`, rel: 'self' }],
        },
      ],
    }),
  );

  const api = new Hono<SimEnv>({ strict: false });
  api.use('*', requireToken(cloud));
  api.get('/', (c) => {
    const base = `${serviceUrls(cloud.baseUrl).network}/v2.0`;
    const resources = ['network', 'subnet', 'port'].map((name) => ({
      name,
      collection: `${name}s`,
      links: [{ href: `${base}/${name}s`, rel: 'self' }],
    }));
    return c.json({ resources });
  });
  api.get('/extensions', (c) => c.json({ extensions: EXTENSIONS }));
  const { networks, subnets } = networkRoutes(cloud);
  api.route('/networks', networks);
  api.route('/subnets', subnets);
  api.route('/ports', portRoutes(cloud));
  app.route('/v2.0', api);
  return app;
}
