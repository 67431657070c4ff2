import type { Context } from 'hono';
import { z } from 'zod';
import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext, SimEnv } from '../env';
import { fault, policyDenied } from '../errors';
import { schedule } from '../lifecycle';
import type { Volume } from '../state';
import { parseWith, readJson } from '../validation';
import { checkQuota } from './quota';
import { visibleVolume } from './lookup';

/**
 * POST /volumes/{id}/action: the body's single key names the action, as in cinder.
 * Supported: os-reset_status and os-force_delete (admin), os-extend (owner).
 */
const ResetStatus = z.object({
  status: z.string().min(1),
  attach_status: z.string().nullish(),
  migration_status: z.string().nullish(),
});
const Extend = z.object({
  new_size: z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int().min(1)),
});
const Action = z.object({
  'os-reset_status': ResetStatus.optional(),
  'os-force_delete': z.object({}).passthrough().nullish(),
  'os-extend': Extend.optional(),
});
type Action = z.output<typeof Action>;

type Handler = (cloud: SimulatedCloud, auth: AuthContext, volume: Volume, action: Action) => void;

const requireAdmin = (auth: AuthContext, action: string) => {
  if (!auth.isAdmin) throw policyDenied(`volume_extension:volume_admin_actions:${action}`);
};

const HANDLERS: Record<string, Handler> = {
  'os-reset_status': (cloud, auth, volume, action) => {
    requireAdmin(auth, 'reset_status');
    const { status, attach_status } = action['os-reset_status']!;
    cloud.volumes.force(volume, status);
    if (attach_status === 'detached') volume.attachments = [];
  },
  'os-force_delete': (cloud, auth, volume) => {
    requireAdmin(auth, 'force_delete');
    volume.attachments = [];
    cloud.volumes.startDelete(volume);
  },
  'os-extend': (cloud, auth, volume, action) => {
    const newSize = action['os-extend']!.new_size;
    if (volume.status !== 'available') {
      throw fault.badRequest(
        `Invalid volume: Volume ${volume.id} status must be available to extend, ` +
          `but current status is: ${volume.status}.`,
      );
    }
    if (newSize <= volume.size) {
      throw fault.badRequest(
        'Invalid input received: New size for extend must be greater than current size. ' +
          `(current: ${volume.size}, extended: ${newSize}).`,
      );
    }
    const { projectId, volumeTypeId } = volume;
    checkQuota(cloud, {
      projectId,
      volumeTypeId,
      sizeGb: newSize - volume.size,
      resource: 'none',
      volumeSizeGb: newSize,
    });
    volume.size = newSize;
    volume.status = 'extending';
    volume.updatedAt = Date.now();
    schedule(cloud.scheduler, 'volume', volume, 'available', cloud.options.plainCreateDelayMs);
  },
};

export async function volumeAction(cloud: SimulatedCloud, c: Context<SimEnv>) {
  const auth = c.get('auth');
  const volume = visibleVolume(cloud, auth, c.req.param('id')!);
  const body = await readJson(c, z.record(z.string(), z.unknown()), 'fault');
  const name = Object.keys(body)[0] ?? '';
  const handler = HANDLERS[name];
  if (!handler) throw fault.badRequest(`There is no such action: ${name}`);
  handler(cloud, auth, volume, parseWith(Action, body, 'fault'));
  return c.body(null, 202);
}
