import { Hono } from 'hono';
import { z } from 'zod';
import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext, SimEnv } from '../env';
import { fault, policyDenied } from '../errors';
import { newUuid } from '../ids';
import type { VolumeType } from '../state';
import { readJson } from '../validation';
import { defaultVolumeType } from './lookup';
import { Flag, isTrue, Text } from './schemas';

const CreateType = z.object({
  volume_type: z.object({
    name: z.string().min(1).max(255),
    description: Text,
    'os-volume-type-access:is_public': Flag,
    extra_specs: z.record(z.string(), z.string()).nullish(),
  }),
});

/** Extra specs everyone may read (cinder's USER_VISIBLE_EXTRA_SPECS); the rest describe the backend. */
const USER_VISIBLE_EXTRA_SPECS = ['RESKEY:availability_zones', 'multiattach', 'replication_enabled'];

/** `access`: the os-volume-type-access extension's key, which extends list, show and create only. */
function typeView(type: VolumeType, auth: AuthContext, access = true) {
  const view: Record<string, unknown> = {
    id: type.id,
    name: type.name,
    description: type.description,
    is_public: type.isPublic,
    // Everyone gets extra_specs; only admins (types_extra_specs:read_sensitive) get all of them.
    extra_specs: auth.isAdmin
      ? type.extraSpecs
      : Object.fromEntries(Object.entries(type.extraSpecs).filter(([k]) => USER_VISIBLE_EXTRA_SPECS.includes(k))),
  };
  if (access) view['os-volume-type-access:is_public'] = type.isPublic;
  if (auth.isAdmin) view.qos_specs_id = null; // volume_extension:qos_specs_manage:get, admin_api
  return view;
}

/** cinder volume types: list/show for everyone (public types), create for admins. */
export function typeRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });

  app.get('/', (c) => {
    const auth = c.get('auth');
    // cinder's default order, newest first: the reverse of the order they were made in.
    const types = [...cloud.state.volumeTypes.values()].reverse().filter((t) => t.isPublic || auth.isAdmin);
    return c.json({ volume_types: types.map((t) => typeView(t, auth)) });
  });

  // The type a create without one gets (cinder's default_volume_type).
  app.get('/default', (c) => c.json({ volume_type: typeView(defaultVolumeType(cloud), c.get('auth'), false) }));

  // By id or name; what is missing or private to others is named as asked, whichever it was.
  app.get('/:id', (c) => {
    const auth = c.get('auth');
    const ref = c.req.param('id');
    const type = [...cloud.state.volumeTypes.values()].find((t) => t.id === ref || t.name === ref);
    if (!type || (!type.isPublic && !auth.isAdmin)) throw fault.notFound(`Volume type ${ref} could not be found.`);
    return c.json({ volume_type: typeView(type, auth) });
  });

  app.post('/', async (c) => {
    const auth = c.get('auth');
    if (!auth.isAdmin) throw policyDenied('volume_extension:types_manage');
    const { volume_type: req } = await readJson(c, CreateType, 'fault');
    if ([...cloud.state.volumeTypes.values()].some((t) => t.name === req.name)) {
      throw fault.conflict(`Volume Type ${req.name} already exists.`);
    }
    const isPublic =
      req['os-volume-type-access:is_public'] === undefined ||
      req['os-volume-type-access:is_public'] === null ||
      isTrue(req['os-volume-type-access:is_public']);
    const type: VolumeType = {
      id: newUuid(),
      name: req.name,
      description: req.description ?? null,
      isPublic,
      extraSpecs: req.extra_specs ?? {},
    };
    cloud.state.volumeTypes.set(type.id, type);
    return c.json({ volume_type: typeView(type, auth) });
  });

  return app;
}
