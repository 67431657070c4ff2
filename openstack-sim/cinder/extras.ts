import { Hono } from 'hono';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { fault, policyDenied } from '../errors';
import { hiddenBefore } from '../microversion';
import { RESOURCE_FILTERS } from './filters';

/**
 * What the simulator has none of, answered as a cinder without them does: user messages (from 3.3), backups (no
 * backup service), QoS specs (admins), and the resource filters (from 3.33). Empty lists, not 404s, so the
 * clients' `message-list`, `backup-list` and `qos-list` print empty tables.
 */
export function extraRoutes(_cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });

  app.get('/messages', hiddenBefore('3.3'), (c) => c.json({ messages: [] }));
  app.get('/messages/:id', hiddenBefore('3.3'), (c) => {
    throw fault.notFound(`Message ${c.req.param('id')} could not be found.`);
  });

  app.get('/backups', (c) => c.json({ backups: [] }));
  app.get('/backups/detail', (c) => c.json({ backups: [] }));
  app.get('/backups/:id', (c) => {
    throw fault.notFound(`Backup ${c.req.param('id')} could not be found.`);
  });

  app.get('/qos-specs', (c) => {
    if (!c.get('auth').isAdmin) throw policyDenied('volume_extension:qos_specs_manage:get_all');
    return c.json({ qos_specs: [] });
  });

  app.get('/resource_filters', hiddenBefore('3.33'), (c) => {
    const only = c.req.query('resource');
    const filters = Object.entries(RESOURCE_FILTERS)
      .filter(([resource]) => only === undefined || resource === only)
      .map(([resource, list]) => ({ resource, filters: list }));
    return c.json({ resource_filters: filters });
  });

  return app;
}
