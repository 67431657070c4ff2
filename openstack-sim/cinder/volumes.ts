import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { fault } from '../errors';
import { newUuid } from '../ids';
import { listScope, matchesQuery, sortByQuery } from '../listing';
import { hiddenBefore } from '../microversion';
import { paginate } from '../paging';
import type { Volume } from '../state';
import { queryFlag, readJson } from '../validation';
import { metadataFilter, rejectUnknownFilters } from './filters';
import { checkQuota } from './quota';
import { volumeAction } from './volume-actions';
import { metadataRoutes, VOLUME_METADATA } from './metadata';
import { LongText, Metadata, namesOf, Size } from './schemas';
import { cinderCollectionUrl, defaultVolumeType, findVolumeType, visibleSnapshot, visibleVolume } from './lookup';
import { volumeDetail, volumeSummary } from './volume-view';

// Top level: only the volume and scheduler hints; inside, cinder's schema lets unknown keys through.
const CreateVolume = z.strictObject({
  volume: z.object({
    size: Size,
    name: LongText,
    display_name: LongText,
    description: LongText,
    display_description: LongText,
    volume_type: z.string().nullish(),
    snapshot_id: z.string().nullish(),
    source_volid: z.string().nullish(),
    imageRef: z.string().nullish(),
    availability_zone: z.string().nullish(),
    metadata: Metadata,
  }),
  'OS-SCH-HNT:scheduler_hints': z.record(z.string(), z.unknown()).nullish(),
});

const UpdateVolume = z.strictObject({
  volume: z.strictObject({
    name: LongText,
    display_name: LongText,
    description: LongText,
    display_description: LongText,
    metadata: Metadata,
  }),
});

const MALFORMED_MESSAGE =
  'The server could not comply with the request since it is either malformed or otherwise incorrect.';

/** Statuses cinder deletes from (without force). */
const DELETABLE = ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'];
const NOT_DELETABLE_MESSAGE =
  `Invalid volume: Volume status must be ${DELETABLE.join(' or ')} and must not be migrating, ` +
  'attached, belong to a group, ' +
  'have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.';

export function volumeRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });

  const list = (c: Context<SimEnv>, detailed: boolean) => {
    const auth = c.get('auth');
    rejectUnknownFilters(c, 'volume');
    const inScope = listScope(c, auth);
    const metadataMatches = metadataFilter(c.req.query('metadata'));
    const matching = [...cloud.state.volumes.values()].filter(
      (v) =>
        inScope(v.projectId) &&
        matchesQuery(c, v, { name: (r) => r.name, status: (r) => r.status, bootable: (r) => r.bootable }) &&
        metadataMatches(v.metadata),
    );
    const sorted = sortByQuery(c, matching, {
      created_at: (v) => v.createdAt,
      updated_at: (v) => v.updatedAt,
      id: (v) => v.id,
      name: (v) => v.name,
      size: (v) => v.size,
      status: (v) => v.status,
    });
    const url = cinderCollectionUrl(cloud, auth.projectId, detailed ? 'volumes/detail' : 'volumes');
    // An unknown marker is looked up like any volume, hence cinder's "Volume X could not be found."
    const page = paginate(c, sorted, url, (marker) => fault.notFound(`Volume ${marker} could not be found.`));
    const version = c.get('apiVersion');
    const body: Record<string, unknown> = {
      volumes: page.items.map((v) =>
        detailed ? volumeDetail(cloud, v, auth, version) : volumeSummary(cloud, v, auth),
      ),
    };
    if (page.links) body.volumes_links = page.links;
    if (version.atLeast('3.45') && queryFlag(c, 'with_count')) body.count = sorted.length;
    return c.json(body);
  };

  app.get('/', (c) => list(c, false));
  app.get('/detail', (c) => list(c, true));

  app.post('/', async (c) => {
    const auth = c.get('auth');
    const { volume: req } = await readJson(c, CreateVolume, 'fault');
    const names = namesOf(req);
    if (req.source_volid)
      throw fault.badRequest(
        'Invalid input received: cloning volumes (source_volid) is not supported by the simulator.',
      );
    if (req.imageRef)
      throw fault.badRequest(
        'Invalid input received: the simulator has no image service; create from a snapshot (snapshot_id).',
      );
    const snapshot = req.snapshot_id ? visibleSnapshot(cloud, auth, req.snapshot_id) : undefined;
    if (snapshot && snapshot.status !== 'available') {
      throw fault.badRequest("Invalid snapshot: Originating snapshot status must be one of 'available' values");
    }
    const size = req.size ?? snapshot?.size;
    // No size and nothing to take it from: cinder answers with webob's generic 400 text.
    if (!size) throw fault.badRequest(MALFORMED_MESSAGE);
    if (snapshot && size < snapshot.size) {
      throw fault.badRequest(
        `Invalid input received: Volume size '${size}'GB cannot be smaller than the snapshot size ` +
          `${snapshot.size}GB. They must be >= original snapshot size.`,
      );
    }
    const zone = req.availability_zone ?? 'nova';
    if (zone !== 'nova') throw fault.badRequest(`Availability zone '${zone}' is invalid.`);
    const type = req.volume_type
      ? findVolumeType(cloud, req.volume_type)
      : ((snapshot && cloud.state.volumeTypes.get(snapshot.volumeTypeId)) ?? defaultVolumeType(cloud));
    checkQuota(cloud, { projectId: auth.projectId, volumeTypeId: type.id, sizeGb: size, volumeSizeGb: size });
    const volume: Volume = {
      id: newUuid(),
      projectId: auth.projectId,
      userId: auth.user.id,
      name: names.name ?? null,
      description: names.description ?? null,
      size,
      status: 'creating',
      volumeTypeId: type.id,
      snapshotId: snapshot?.id ?? null,
      availabilityZone: zone,
      metadata: req.metadata ?? {},
      bootable: snapshot?.bootable ?? false,
      createdAt: Date.now(),
      updatedAt: null,
      attachments: [],
    };
    cloud.volumes.admit(volume);
    return c.json({ volume: volumeDetail(cloud, volume, auth, c.get('apiVersion'), 'write') }, 202);
  });

  // `cinder summary`: totals over the list's scope (all_tenants counts, other filters do not); 3.36 adds the
  // distinct values of each metadata key.
  app.get('/summary', hiddenBefore('3.12'), (c) => {
    const inScope = listScope(c, c.get('auth'));
    const volumes = [...cloud.state.volumes.values()].filter((v) => inScope(v.projectId));
    const summary: Record<string, unknown> = {
      total_count: volumes.length,
      total_size: volumes.reduce((sum, v) => sum + v.size, 0),
    };
    if (c.get('apiVersion').atLeast('3.36')) {
      const values = new Map<string, Set<string>>();
      for (const [k, v] of volumes.flatMap((volume) => Object.entries(volume.metadata)))
        values.set(k, (values.get(k) ?? new Set()).add(v));
      summary.metadata = Object.fromEntries([...values].map(([k, set]) => [k, [...set]]));
    }
    return c.json({ 'volume-summary': summary });
  });

  app.get('/:id', (c) => {
    const auth = c.get('auth');
    const volume = visibleVolume(cloud, auth, c.req.param('id'));
    return c.json({ volume: volumeDetail(cloud, volume, auth, c.get('apiVersion')) });
  });

  app.put('/:id', async (c) => {
    const auth = c.get('auth');
    const volume = visibleVolume(cloud, auth, c.req.param('id'));
    const { volume: req } = await readJson(c, UpdateVolume, 'fault');
    cloud.volumes.checkUpdatable(volume);
    const names = namesOf(req);
    if (names.name !== undefined) volume.name = names.name;
    if (names.description !== undefined) volume.description = names.description;
    if (req.metadata !== undefined) volume.metadata = req.metadata ?? {};
    // `{}` changes nothing, not even updated_at.
    if (Object.keys(req).length) volume.updatedAt = Date.now();
    return c.json({ volume: volumeDetail(cloud, volume, auth, c.get('apiVersion'), 'write') });
  });

  app.post('/:id/action', (c) => volumeAction(cloud, c));
  app.route('/:id/metadata', metadataRoutes(cloud, VOLUME_METADATA));

  app.delete('/:id', (c) => {
    const volume = visibleVolume(cloud, c.get('auth'), c.req.param('id'));
    const hasSnapshots = [...cloud.state.snapshots.values()].some((s) => s.volumeId === volume.id);
    if (!DELETABLE.includes(volume.status) || volume.attachments.length > 0 || hasSnapshots) {
      throw fault.badRequest(NOT_DELETABLE_MESSAGE);
    }
    cloud.volumes.startDelete(volume);
    return c.body(null, 202);
  });

  return app;
}
