import type { Context } from 'hono';
import { z } from 'zod';
import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext, SimEnv } from '../env';
import { fault, policyDenied } from '../errors';
import type { Volume } from '../state';
import { parseWith, readJson } from '../validation';
import { checkQuota } from './quota';
import { findVolumeType, visibleVolume } from './lookup';

/**
 * POST /volumes/{id}/action: the body's single key names the action, as in cinder.
 * Supported: os-reset_status and os-force_delete (admin), os-extend, os-set_bootable and os-retype (owner).
 */
const ResetStatus = z.object({
  status: z.string().min(1),
  attach_status: z.string().nullish(),
  migration_status: z.string().nullish(),
});
const Extend = z.object({
  new_size: z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int().min(1)),
});
/** cinder's parameter_types.boolean: python's spellings of true and false. */
const TRUE = [true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', 'y', 't'] as const;
const FALSE = [false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no', 'n', 'f'] as const;
const SetBootable = z.object({ bootable: z.literal([...TRUE, ...FALSE]) });
const Retype = z.object({ new_type: z.string(), migration_policy: z.enum(['on-demand', 'never']).nullish() });
const Action = z.object({
  'os-reset_status': ResetStatus.optional(),
  'os-force_delete': z.object({}).passthrough().nullish(),
  'os-extend': Extend.optional(),
  'os-set_bootable': SetBootable.optional(),
  'os-retype': Retype.optional(),
});
type Action = z.output<typeof Action>;

const RETYPE_REFUSED =
  'Invalid volume: Retype needs volume to be in available or in-use state, not be part of an active migration or ' +
  'a consistency group, requested type has to be different that the one from the volume, and for in-use volumes ' +
  'front-end qos specs cannot change.';

/** What a handler does: 202 with no body unless it says otherwise (set_bootable answers 200). */
type Handler = (cloud: SimulatedCloud, auth: AuthContext, volume: Volume, action: Action) => void | 200;

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
    cloud.volumes.extend(volume, newSize);
  },
  'os-set_bootable': (cloud, auth, volume, action) => {
    cloud.volumes.checkUpdatable(volume);
    volume.bootable = (TRUE as readonly unknown[]).includes(action['os-set_bootable']!.bootable);
    volume.updatedAt = Date.now();
    return 200;
  },
  // cinder's order: the new type, its quota (that type's keys only), then the status and "a different type".
  'os-retype': (cloud, auth, volume, action) => {
    const type = findVolumeType(cloud, action['os-retype']!.new_type);
    const { projectId, size } = volume;
    checkQuota(cloud, { projectId, volumeTypeId: type.id, sizeGb: size, typeOnly: true });
    if (!['available', 'in-use'].includes(volume.status) || type.id === volume.volumeTypeId) {
      throw fault.badRequest(RETYPE_REFUSED);
    }
    cloud.volumes.retype(volume, type.id);
  },
};

export async function volumeAction(cloud: SimulatedCloud, c: Context<SimEnv>) {
  // cinder's wsgi layer picks the action before the controller looks the volume up.
  const auth = c.get('auth');
  const body = await readJson(c, z.record(z.string(), z.unknown()), 'fault');
  const name = Object.keys(body)[0];
  if (name === undefined) throw fault.badRequest('Malformed request body');
  const handler = HANDLERS[name];
  if (!handler) {
    throw fault.badRequest(
      `There is no such action: ${name}. Verify the request body and Content-Type header and try again.`,
    );
  }
  const volume = visibleVolume(cloud, auth, c.req.param('id')!);
  const status = handler(cloud, auth, volume, parseWith(Action, body, 'fault')) ?? 202;
  return c.body(null, status);
}
