import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext, SimEnv } from '../env';
import { fault } from '../errors';
import { cinderTime, newUuid } from '../ids';
import { listScope, matchesQuery, sortByQuery } from '../listing';
import type { ApiVersion } from '../microversion';
import { paginate } from '../paging';
import type { Snapshot } from '../state';
import { readJson } from '../validation';
import { metadataRoutes, SNAPSHOT_METADATA } from './metadata';
import { metadataFilter, rejectUnknownFilters } from './filters';
import { checkQuota } from './quota';
import { cinderCollectionUrl, visibleSnapshot, visibleVolume } from './lookup';
import { Flag, isTrue, Metadata, namesOf, Text } from './schemas';
import { optionalTime, renderFields, type ViewField } from '../view-fields';

// cinder's snapshot schemas allow no unknown key; create takes display_name but not display_description.
const CreateSnapshot = z.strictObject({
  snapshot: z.strictObject({
    volume_id: z.string(),
    name: Text,
    display_name: Text,
    description: Text,
    force: Flag,
    metadata: Metadata,
  }),
});
const UpdateSnapshot = z.strictObject({
  snapshot: z.strictObject({ name: Text, display_name: Text, description: Text, display_description: Text }),
});

const FIELDS: ViewField<Snapshot>[] = [
  { key: 'id', value: (s) => s.id },
  { key: 'created_at', value: (s) => cinderTime(s.createdAt) },
  { key: 'updated_at', value: (s) => optionalTime(s.updatedAt, cinderTime) },
  { key: 'name', value: (s) => s.name },
  { key: 'description', value: (s) => s.description },
  { key: 'volume_id', value: (s) => s.volumeId },
  { key: 'status', value: (s) => s.status },
  { key: 'size', value: (s) => s.size },
  { key: 'metadata', value: (s) => s.metadata },
  { key: 'group_snapshot_id', since: '3.14', value: () => null },
  { key: 'user_id', since: '3.41', value: (s) => s.userId },
  { key: 'consumes_quota', since: '3.65', value: () => true },
];

const EXTENDED_FIELDS: ViewField<Snapshot>[] = [
  { key: 'os-extended-snapshot-attributes:project_id', value: (s) => s.projectId },
  { key: 'os-extended-snapshot-attributes:progress', value: (s) => (s.status === 'available' ? '100%' : '0%') },
];

function snapshotView(
  cloud: SimulatedCloud,
  snapshot: Snapshot,
  auth: AuthContext,
  version: ApiVersion,
  detailed = true,
) {
  const view = renderFields(FIELDS, snapshot, cloud, auth, version);
  return detailed ? renderFields(EXTENDED_FIELDS, snapshot, cloud, auth, version, view) : view;
}

/** cinder snapshots: list/detail/show, create from a volume, delete. */
export function snapshotRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });

  const list = (c: Context<SimEnv>, detailed: boolean) => {
    const auth = c.get('auth');
    rejectUnknownFilters(c, 'snapshot');
    const inScope = listScope(c, auth);
    const metadataMatches = metadataFilter(c.req.query('metadata'));
    const matching = [...cloud.state.snapshots.values()].filter(
      (s) =>
        inScope(s.projectId) &&
        metadataMatches(s.metadata) &&
        matchesQuery(c, s, { name: (r) => r.name, status: (r) => r.status, volume_id: (r) => r.volumeId }),
    );
    const sorted = sortByQuery(c, matching, {
      created_at: (s) => s.createdAt,
      id: (s) => s.id,
      name: (s) => s.name,
      size: (s) => s.size,
    });
    const url = cinderCollectionUrl(cloud, auth.projectId, detailed ? 'snapshots/detail' : 'snapshots');
    const page = paginate(c, sorted, url, (marker) => fault.notFound(`Snapshot ${marker} could not be found.`));
    const version = c.get('apiVersion');
    const body: Record<string, unknown> = {
      snapshots: page.items.map((s) => snapshotView(cloud, s, auth, version, detailed)),
    };
    if (page.links) body.snapshots_links = page.links;
    return c.json(body);
  };

  app.get('/', (c) => list(c, false));
  app.get('/detail', (c) => list(c, true));

  app.get('/:id', (c) => {
    const auth = c.get('auth');
    return c.json({
      snapshot: snapshotView(cloud, visibleSnapshot(cloud, auth, c.req.param('id')), auth, c.get('apiVersion')),
    });
  });

  app.post('/', async (c) => {
    const auth = c.get('auth');
    const { snapshot: req } = await readJson(c, CreateSnapshot, 'fault');
    const volume = visibleVolume(cloud, auth, req.volume_id);
    const allowed = volume.status === 'available' || (volume.status === 'in-use' && isTrue(req.force));
    if (!allowed) {
      throw fault.badRequest(
        `Invalid volume: Volume ${volume.id} status must be available, but current status is: ${volume.status}.`,
      );
    }
    const { projectId } = auth;
    checkQuota(cloud, { projectId, volumeTypeId: volume.volumeTypeId, sizeGb: volume.size, resource: 'snapshots' });
    const snapshot: Snapshot = {
      id: newUuid(),
      projectId: auth.projectId,
      userId: auth.user.id,
      name: (req.name !== undefined ? req.name : req.display_name) ?? null,
      description: req.description ?? null,
      volumeId: volume.id,
      volumeTypeId: volume.volumeTypeId,
      size: volume.size,
      status: 'creating',
      bootable: volume.bootable,
      metadata: req.metadata ?? {},
      createdAt: Date.now(),
      updatedAt: null,
    };
    cloud.snapshots.admit(snapshot);
    // The extended attributes extend reads (show, list detail), not the answer to a create.
    return c.json({ snapshot: snapshotView(cloud, snapshot, auth, c.get('apiVersion'), false) }, 202);
  });

  app.put('/:id', async (c) => {
    const auth = c.get('auth');
    const snapshot = visibleSnapshot(cloud, auth, c.req.param('id'));
    const { snapshot: req } = await readJson(c, UpdateSnapshot, 'fault');
    // cinder's schema wants at least one of the four (anyOf).
    if (!Object.keys(req).length) {
      throw fault.badRequest(
        'Invalid input for field/attribute snapshot. Value: {}. {} is not valid under any of the given schemas',
      );
    }
    // cinder answers with the snapshot as it read it: the new names, the old updated_at.
    const answer = snapshotView(cloud, { ...snapshot, ...namesOf(req) }, auth, c.get('apiVersion'), false);
    Object.assign(snapshot, namesOf(req), { updatedAt: Date.now() });
    return c.json({ snapshot: answer });
  });

  app.route('/:id/metadata', metadataRoutes(cloud, SNAPSHOT_METADATA));

  app.delete('/:id', (c) => {
    const snapshot = visibleSnapshot(cloud, c.get('auth'), c.req.param('id'));
    if (!['available', 'error'].includes(snapshot.status)) {
      throw fault.badRequest(
        'Invalid snapshot: Volume Snapshot status must be available or error and must not be part of a group.',
      );
    }
    cloud.snapshots.startDelete(snapshot);
    return c.body(null, 202);
  });

  return app;
}
