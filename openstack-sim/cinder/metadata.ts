import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext, SimEnv } from '../env';
import { fault } from '../errors';
import { readJson } from '../validation';
import { visibleSnapshot, visibleVolume } from './lookup';
import { checkMetadata, onlyKey } from './schemas';

interface WithMetadata {
  id: string;
  status: string;
  metadata: Record<string, string>;
  updatedAt: number | null;
}

/** What differs between the metadata of volumes and of snapshots. */
interface MetadataKind<T extends WithMetadata> {
  /** "Volume", "Snapshot": how cinder names the record in its 404s. */
  name: string;
  find(cloud: SimulatedCloud, auth: AuthContext, id: string): T;
  /** Refuses a change in a status that forbids it (volumes in maintenance, …). */
  checkChange(record: T, verb: 'Updating' | 'Deleting'): void;
  /** The dict of a POST/PUT body (field "metadata") or of a PUT on one key (field "meta", one key), or a 400. */
  read(field: 'metadata' | 'meta', value: unknown): Record<string, string>;
}

/** Statuses in which cinder refuses volume metadata changes. */
const FROZEN = ['maintenance', 'uploading'];

export const VOLUME_METADATA: MetadataKind<ReturnType<typeof visibleVolume>> = {
  name: 'Volume',
  find: visibleVolume,
  checkChange(volume, verb) {
    if (FROZEN.includes(volume.status)) {
      throw fault.badRequest(
        `Invalid volume: ${verb} volume metadata is not allowed for volumes in ${volume.status} status.`,
      );
    }
  },
  // v3's schema (extra_specs): jsonschema's words.
  read: (field, value) => checkMetadata(field, value, field === 'meta' ? 1 : undefined),
};

export const SNAPSHOT_METADATA: MetadataKind<ReturnType<typeof visibleSnapshot>> = {
  name: 'Snapshot',
  find: visibleSnapshot,
  checkChange: () => {},
  // Snapshot metadata has no schema: cinder's older key checks, in their words.
  read(field, value) {
    const metadata = checkMetadata(field, value, field === 'meta' ? 1 : undefined, { keys: false });
    for (const key of Object.keys(metadata)) {
      if (!key.length) {
        throw fault.badRequest(
          'Invalid metadata: Invalid input received: Metadata key:  has 0 characters, less than 1.',
        );
      }
    }
    return metadata;
  },
};

/**
 * cinder's metadata API of volumes (`openstack volume set/unset --property`, `cinder metadata`) and snapshots
 * (`openstack volume snapshot set --property`), mounted at …/{id}/metadata: the whole set (show, merge with POST,
 * replace with PUT) and one key (show, set, delete).
 */
export function metadataRoutes<T extends WithMetadata>(cloud: SimulatedCloud, kind: MetadataKind<T>): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  const recordOf = (c: Context<SimEnv>) => kind.find(cloud, c.get('auth'), c.req.param('id')!);
  const changeable = (c: Context<SimEnv>, verb: 'Updating' | 'Deleting') => {
    const record = recordOf(c);
    kind.checkChange(record, verb);
    return record;
  };
  const missingKey = (record: T, key: string) =>
    fault.notFound(`${kind.name} ${record.id} has no metadata with key ${key}.`);
  const body = async (c: Context<SimEnv>, field: 'metadata' | 'meta') =>
    kind.read(field, onlyKey(await readJson(c, z.unknown(), 'fault'), field));
  const save = (record: T, metadata: Record<string, string>) => {
    record.metadata = metadata;
    record.updatedAt = Date.now();
    return { metadata: record.metadata };
  };

  app.get('/', (c) => c.json({ metadata: recordOf(c).metadata }));

  app.post('/', async (c) => {
    const record = changeable(c, 'Updating');
    return c.json(save(record, { ...record.metadata, ...(await body(c, 'metadata')) }));
  });

  app.put('/', async (c) => {
    const record = changeable(c, 'Updating');
    return c.json(save(record, { ...(await body(c, 'metadata')) }));
  });

  app.get('/:key', (c) => {
    const record = recordOf(c);
    const key = c.req.param('key');
    if (!(key in record.metadata)) throw missingKey(record, key);
    return c.json({ meta: { [key]: record.metadata[key] } });
  });

  app.put('/:key', async (c) => {
    const record = changeable(c, 'Updating');
    const key = c.req.param('key');
    const meta = await body(c, 'meta');
    if (!(key in meta)) throw fault.badRequest('Request body and URI mismatch');
    save(record, { ...record.metadata, ...meta });
    return c.json({ meta });
  });

  app.delete('/:key', (c) => {
    const record = changeable(c, 'Deleting');
    const key = c.req.param('key');
    if (!(key in record.metadata)) throw missingKey(record, key);
    const { [key]: _gone, ...rest } = record.metadata;
    save(record, rest);
    return c.body(null, 200);
  });

  return app;
}
