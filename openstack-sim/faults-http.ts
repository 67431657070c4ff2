import { Hono } from 'hono';
import { z } from 'zod';
import { requireToken } from './auth';
import type { SimulatedCloud } from './simulated-cloud';
import type { SimEnv } from './env';
import { fault } from './errors';
import type { FaultInjector } from './faults';
import { readJson } from './validation';

const SetStatus = z.object({ status: z.string().min(1) });
const Take = z.object({
  kind: z.enum(['attach', 'move']).default('attach'),
  server_id: z.string().optional(),
  project_id: z.string().optional(),
});
const FailCreates = z.object({ count: z.number().int().min(0) });
const FailBoots = z.object({ count: z.number().int().min(0), reason: z.string().min(1).optional() });
const FailRequests = z.object({
  method: z.string().min(1),
  path: z.string().min(1),
  status: z.number().int().min(400).max(599),
  message: z.string().min(1).optional(),
  count: z.number().int().min(1).default(1),
});
const AddSnapshot = z.object({
  name: z.string().min(1),
  volume_type: z.string().min(1),
  size_gb: z.number().int().min(1),
  project_id: z.string().optional(),
});

/**
 * The fault injector over HTTP, under /_sim, for manual drills (curl with an admin
 * token). Not an OpenStack API: the simulator's own back door.
 */
export function faultsApp(cloud: SimulatedCloud, faults: FaultInjector): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  app.use('*', requireToken(cloud), async (c, next) => {
    if (!c.get('auth').isAdmin) throw fault.forbidden('The simulator fault API requires an admin token.');
    await next();
  });

  app.get('/faults', (c) =>
    c.json({
      pending_create_failures: faults.pendingCreateFailures(),
      pending_boot_failures: faults.pendingBootFailures(),
      pending_request_failures: faults.pendingRequestFailures(),
    }),
  );

  app.post('/volumes/:id/status', async (c) => {
    faults.setVolumeStatus(c.req.param('id'), (await readJson(c, SetStatus, 'fault')).status);
    return c.body(null, 204);
  });

  app.delete('/volumes/:id', (c) => {
    faults.vanishVolume(c.req.param('id'));
    return c.body(null, 204);
  });

  app.post('/volumes/:id/take', async (c) => {
    const req = await readJson(c, Take, 'fault');
    faults.takeVolume(
      c.req.param('id'),
      req.kind === 'move' ? { kind: 'move', projectId: req.project_id } : { kind: 'attach', serverId: req.server_id },
    );
    return c.body(null, 204);
  });

  app.post('/fail-creates', async (c) => {
    faults.failNextCreates((await readJson(c, FailCreates, 'fault')).count);
    return c.body(null, 204);
  });

  app.post('/fail-boots', async (c) => {
    const req = await readJson(c, FailBoots, 'fault');
    faults.failNextBoots(req.count, req.reason);
    return c.body(null, 204);
  });

  app.post('/fail-requests', async (c) => {
    const req = await readJson(c, FailRequests, 'fault');
    try {
      faults.failNextRequests(req);
    } catch (err) {
      throw fault.badRequest(`Invalid fault: ${(err as Error).message}`);
    }
    return c.body(null, 204);
  });

  app.post('/snapshots', async (c) => {
    const req = await readJson(c, AddSnapshot, 'fault');
    const id = faults.addSnapshot({
      name: req.name,
      volumeType: req.volume_type,
      sizeGb: req.size_gb,
      projectId: req.project_id,
    });
    return c.json({ snapshot: { id } }, 201);
  });

  app.delete('/snapshots/:id', (c) => {
    faults.removeSnapshot(c.req.param('id'));
    return c.body(null, 204);
  });

  return app;
}
