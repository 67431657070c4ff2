import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext, SimEnv } from '../env';
import { fault, policyDenied } from '../errors';
import { readJson } from '../validation';
import { defaultLimits, quotaKeys, quotaLimits, quotaUsage } from './quota';

const NON_QUOTA_KEYS = ['tenant_id', 'id'];
const UpdateQuotaSet = z.object({ quota_set: z.record(z.string(), z.unknown()) });

/** webob's generic 400 text, which cinder answers a non-integer limit with. */
const MALFORMED_MESSAGE =
  'The server could not comply with the request since it is either malformed or otherwise incorrect.';

/**
 * cinder os-quota-sets: a project's limits (with usage on ?usage=true), the defaults, and for admins
 * update and delete (back to the defaults). Admins see any project; others only their own.
 */
export function quotaSetRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  const mayShow = (auth: AuthContext, projectId: string) => {
    if (!auth.isAdmin && auth.projectId !== projectId) throw policyDenied('volume_extension:quotas:show');
  };
  const show = (c: Context<SimEnv>, projectId: string, limits: Record<string, number>) => {
    const usage = ['true', '1', 'yes'].includes((c.req.query('usage') ?? '').toLowerCase());
    const used = usage ? quotaUsage(cloud, projectId) : {};
    const entries = quotaKeys(cloud).map((k) => [
      k,
      usage ? { limit: limits[k], in_use: used[k] ?? 0, reserved: 0 } : limits[k],
    ]);
    return c.json({ quota_set: { ...Object.fromEntries(entries), id: projectId } });
  };

  app.get('/:project/defaults', (c) => {
    const projectId = c.req.param('project');
    mayShow(c.get('auth'), projectId);
    return c.json({ quota_set: { ...defaultLimits(cloud), id: projectId } });
  });

  app.get('/:project', (c) => {
    const projectId = c.req.param('project');
    mayShow(c.get('auth'), projectId);
    return show(c, projectId, quotaLimits(cloud, projectId));
  });

  app.put('/:project', async (c) => {
    if (!c.get('auth').isAdmin) throw policyDenied('volume_extension:quotas:update');
    const projectId = c.req.param('project');
    const { quota_set: req } = await readJson(c, UpdateQuotaSet, 'fault');
    if (!Object.keys(req).length) {
      throw fault.badRequest(
        'Invalid input for field/attribute quota_set. Value: {}. {} does not have enough properties',
      );
    }
    // cinderclient sends the project as tenant_id; cinder skips it (and id).
    const requested = Object.entries(req).filter(([k]) => !NON_QUOTA_KEYS.includes(k));
    const keys = quotaKeys(cloud);
    const bad = requested.map(([k]) => k).filter((k) => !keys.includes(k));
    if (bad.length) throw fault.badRequest(`Invalid input received: Bad key(s) in quota set: ${bad.join(', ')}`);
    const own = cloud.state.quotas.get(projectId) ?? {};
    const used = quotaUsage(cloud, projectId);
    const changes: Record<string, number> = {};
    for (const [key, value] of requested) {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw fault.badRequest(MALFORMED_MESSAGE);
      if (value < -1) throw fault.badRequest(`${key} must be >= -1`);
      // Only against a limit of the project's own (a quirk of cinder's check, which reads no defaults).
      if (key in own && key !== 'per_volume_gigabytes' && value !== -1 && value < used[key]) {
        throw fault.badRequest(
          `Quota ${key} limit must be equal or greater than existing resources. ` +
            `Current usage is ${used[key]} and the requested limit is ${value}.`,
        );
      }
      changes[key] = value;
    }
    cloud.state.quotas.set(projectId, { ...own, ...changes });
    // The answer to an update has no id.
    return c.json({ quota_set: quotaLimits(cloud, projectId) });
  });

  app.delete('/:project', (c) => {
    if (!c.get('auth').isAdmin) throw policyDenied('volume_extension:quotas:delete');
    cloud.state.quotas.delete(c.req.param('project'));
    return c.body(null, 200);
  });

  return app;
}
