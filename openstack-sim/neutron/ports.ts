import { Hono } from 'hono';
import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext, SimEnv } from '../env';
import { neutronError } from '../errors';
import type { Port } from '../state';
import { listAnswer, portView } from './views';

/**
 * neutron ports: list (device_id, network_id, fixed_ips=ip_address=… filters), show, delete. Ports
 * are made by nova for its servers (openstack-sim/nova); admins see all, others their project's.
 */
export function portRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  const visible = (auth: AuthContext, p: Port) => auth.isAdmin || p.projectId === auth.projectId;
  const visiblePort = (auth: AuthContext, id: string): Port => {
    const port = cloud.state.ports.get(id);
    if (!port || !visible(auth, port)) throw neutronError(404, 'PortNotFound', `Port ${id} could not be found.`);
    return port;
  };

  app.get('/', (c) => {
    const auth = c.get('auth');
    const ports = [...cloud.state.ports.values()].filter((p) => visible(auth, p));
    return c.json(
      listAnswer(
        c,
        'ports',
        ports.map((p) => portView(cloud, p, auth)),
      ),
    );
  });

  app.get('/:id', (c) => {
    const auth = c.get('auth');
    return c.json({ port: portView(cloud, visiblePort(auth, c.req.param('id')), auth) });
  });

  // Deleting a server's port detaches it from the server (nova drops the interface), as in neutron.
  app.delete('/:id', (c) => {
    cloud.state.ports.delete(visiblePort(c.get('auth'), c.req.param('id')).id);
    return c.body(null, 204);
  });

  return app;
}
