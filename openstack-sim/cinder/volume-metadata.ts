import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { fault } from '../errors';
import type { Volume } from '../state';
import { readJson } from '../validation';
import { visibleVolume } from './lookup';
import { checkMetadata, onlyKey } from './schemas';

/** Statuses in which cinder refuses metadata changes. */
const FROZEN = ['maintenance', 'uploading'];

/**
 * cinder's volume metadata (`openstack volume set/unset --property`, `cinder metadata`), mounted at
 * /volumes/{id}/metadata: the whole set (show, merge with POST, replace with PUT) and one key (show, set, delete).
 */
export function volumeMetadataRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  const volumeOf = (c: Context<SimEnv>) => visibleVolume(cloud, c.get('auth'), c.req.param('id')!);
  const changeable = (volume: Volume, verb: 'Updating' | 'Deleting') => {
    if (FROZEN.includes(volume.status)) {
      throw fault.badRequest(
        `Invalid volume: ${verb} volume metadata is not allowed for volumes in ${volume.status} status.`,
      );
    }
    return volume;
  };
  const missingKey = (volume: Volume, key: string) =>
    fault.notFound(`Volume ${volume.id} has no metadata with key ${key}.`);
  const body = (c: Context<SimEnv>) => readJson(c, z.unknown(), 'fault');
  const save = (volume: Volume, metadata: Record<string, string>) => {
    volume.metadata = metadata;
    volume.updatedAt = Date.now();
    return { metadata: volume.metadata };
  };

  app.get('/', (c) => c.json({ metadata: volumeOf(c).metadata }));

  app.post('/', async (c) => {
    const volume = changeable(volumeOf(c), 'Updating');
    const metadata = checkMetadata('metadata', onlyKey(await body(c), 'metadata'));
    return c.json(save(volume, { ...volume.metadata, ...metadata }));
  });

  app.put('/', async (c) => {
    const volume = changeable(volumeOf(c), 'Updating');
    return c.json(save(volume, { ...checkMetadata('metadata', onlyKey(await body(c), 'metadata')) }));
  });

  app.get('/:key', (c) => {
    const volume = volumeOf(c);
    const key = c.req.param('key');
    if (!(key in volume.metadata)) throw missingKey(volume, key);
    return c.json({ meta: { [key]: volume.metadata[key] } });
  });

  app.put('/:key', async (c) => {
    const volume = changeable(volumeOf(c), 'Updating');
    const key = c.req.param('key');
    const meta = checkMetadata('meta', onlyKey(await body(c), 'meta'), 1);
    if (!(key in meta)) throw fault.badRequest('Request body and URI mismatch');
    save(volume, { ...volume.metadata, ...meta });
    return c.json({ meta });
  });

  app.delete('/:key', (c) => {
    const volume = changeable(volumeOf(c), 'Deleting');
    const key = c.req.param('key');
    if (!(key in volume.metadata)) throw missingKey(volume, key);
    const { [key]: _gone, ...rest } = volume.metadata;
    save(volume, rest);
    return c.body(null, 200);
  });

  return app;
}
