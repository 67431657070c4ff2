import { Hono } from 'hono';
import { cinderApp } from './cinder/router';
import type { SimulatedCloud } from './simulated-cloud';
import type { SimEnv } from './env';
import { ApiError, type Dialect } from './errors';
import type { FaultInjector } from './faults';
import { faultsApp } from './faults-http';
import { glanceApp } from './glance/router';
import { keystoneApp } from './identity/keystone';
import { neutronApp } from './neutron/router';
import { novaApp } from './nova/router';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Which envelope an error outside any route (404, 500) uses, by service prefix. */
function dialectFor(path: string): Dialect {
  if (path.startsWith('/identity')) return 'keystone';
  return path.startsWith('/networking') ? 'neutron' : 'fault';
}

/** One app, devstack layout: /identity, /volume, /compute, /networking, /image (stub), plus the /_sim back door. */
export function buildApp(cloud: SimulatedCloud, faults: FaultInjector): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });

  // One log line per request: method, path (no query: it is never needed and keeps lines short), status, duration.
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    cloud.options.log(`${c.req.method} ${c.req.path} ${c.res.status} ${Math.round(performance.now() - started)}ms`);
    // Any successful write may have changed state: let the state file catch up.
    if (MUTATING.has(c.req.method) && c.res.status < 400) cloud.changed();
  });

  app.use('*', cloud.requestFaults.middleware(dialectFor));

  app.get('/', (c) =>
    c.json({
      simulator: 'blockflow openstack-sim',
      identity: `${cloud.baseUrl}/identity/v3`,
      volume: `${cloud.baseUrl}/volume/v3/{project_id}`,
      compute: `${cloud.baseUrl}/compute/v2.1`,
      network: `${cloud.baseUrl}/networking`,
    }),
  );
  app.route('/identity', keystoneApp(cloud));
  app.route('/volume', cinderApp(cloud));
  app.route('/compute', novaApp(cloud));
  app.route('/networking', neutronApp(cloud));
  app.route('/image', glanceApp(cloud));
  app.route('/_sim', faultsApp(cloud, faults));

  app.notFound((c) => {
    const error = new ApiError(404, 'The resource could not be found.', dialectFor(c.req.path));
    return c.json(error.body(), 404);
  });

  app.onError((err, c) => {
    const error =
      err instanceof ApiError
        ? err
        : new ApiError(
            500,
            'The server has either erred or is incapable of performing the requested operation.',
            dialectFor(c.req.path),
          );
    if (!(err instanceof ApiError))
      cloud.options.log(`internal error on ${c.req.method} ${c.req.path}: ${err.stack ?? String(err)}`);
    return c.json(error.body(), error.status as 400, error.headers);
  });

  return app;
}
