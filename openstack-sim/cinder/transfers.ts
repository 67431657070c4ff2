import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { canSee } from '../auth';
import type { SimulatedCloud } from '../simulated-cloud';
import type { AuthContext, SimEnv } from '../env';
import { fault } from '../errors';
import { cinderTime, newUuid } from '../ids';
import { listScope, sortByQuery } from '../listing';
import type { ApiVersion } from '../microversion';
import { paginate } from '../paging';
import type { Transfer } from '../state';
import { readJson } from '../validation';
import { cinderCollectionUrl, cinderLinks, visibleVolume } from './lookup';
import { checkQuota } from './quota';
import { Text } from './schemas';
import { renderFields, type ViewField } from '../view-fields';

/** The two URL spellings of the same API: os-volume-transfer (3.0) and volume-transfers (3.55+). */
export type TransferCollection = 'os-volume-transfer' | 'volume-transfers';

// cinder's transfer schemas allow no unknown key (no display_name either); no_snapshots came with 3.55.
const CreateTransfer = z.strictObject({ transfer: z.strictObject({ volume_id: z.string(), name: Text }) });
const CreateTransfer355 = z.strictObject({
  transfer: z.strictObject({ volume_id: z.string(), name: Text, no_snapshots: z.boolean().nullish() }),
});
const AcceptTransfer = z.strictObject({ accept: z.strictObject({ auth_key: z.string() }) });

const DETAIL_FIELDS: ViewField<Transfer>[] = [
  { key: 'id', value: (t) => t.id },
  { key: 'created_at', value: (t) => cinderTime(t.createdAt) },
  { key: 'name', value: (t) => t.name },
  { key: 'volume_id', value: (t) => t.volumeId },
  { key: 'no_snapshots', since: '3.55', value: (t) => t.noSnapshots },
  { key: 'source_project_id', since: '3.57', value: (t) => t.projectId },
  { key: 'destination_project_id', since: '3.57', value: () => null },
  { key: 'accepted', since: '3.57', value: () => false },
];

/** Volume transfers: move a volume to another project with an id + auth key handed over out of band. */
export function transferRoutes(cloud: SimulatedCloud, collection: TransferCollection): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  const links = (auth: AuthContext, t: Transfer) => cinderLinks(cloud, auth.projectId, collection, t.id);
  const summary = (auth: AuthContext, t: Transfer) => ({
    id: t.id,
    name: t.name,
    volume_id: t.volumeId,
    links: links(auth, t),
  });
  const detail = (auth: AuthContext, t: Transfer, version: ApiVersion) =>
    renderFields(DETAIL_FIELDS, t, cloud, auth, version, { links: links(auth, t) });

  /** Only the owning project (and admins) see a transfer; everyone else gets cinder's 404. */
  const visibleTransfer = (auth: AuthContext | undefined, id: string): Transfer => {
    const transfer = cloud.state.transfers.get(id);
    if (!transfer || (auth && !canSee(auth, transfer.projectId)))
      throw fault.notFound(`Transfer ${id} could not be found.`);
    return transfer;
  };

  const list = (c: Context<SimEnv>, detailed: boolean) => {
    const auth = c.get('auth');
    const inScope = listScope(c, auth);
    const matching = [...cloud.state.transfers.values()].filter((t) => inScope(t.projectId));
    const sorted = sortByQuery(c, matching, { created_at: (t) => t.createdAt, id: (t) => t.id, name: (t) => t.name });
    const url = cinderCollectionUrl(cloud, auth.projectId, detailed ? `${collection}/detail` : collection);
    const page = paginate(c, sorted, url, (marker) => fault.notFound(`Transfer ${marker} could not be found.`));
    const version = c.get('apiVersion');
    const body: Record<string, unknown> = {
      transfers: page.items.map((t) => (detailed ? detail(auth, t, version) : summary(auth, t))),
    };
    if (page.links) body.transfers_links = page.links;
    return c.json(body);
  };

  app.get('/', (c) => list(c, false));
  app.get('/detail', (c) => list(c, true));
  app.get('/:id', (c) =>
    c.json({ transfer: detail(c.get('auth'), visibleTransfer(c.get('auth'), c.req.param('id')), c.get('apiVersion')) }),
  );

  app.post('/', async (c) => {
    const auth = c.get('auth');
    const schema = c.get('apiVersion').atLeast('3.55') ? CreateTransfer355 : CreateTransfer;
    const { transfer: req } = (await readJson(c, schema, 'fault')) as z.output<typeof CreateTransfer355>;
    const volume = visibleVolume(cloud, auth, req.volume_id);
    if (volume.status !== 'available') throw fault.badRequest('Invalid volume: status must be available');
    const transfer: Transfer = {
      id: newUuid(),
      volumeId: volume.id,
      projectId: volume.projectId,
      name: req.name ?? null,
      // cinder: 16 random characters, shown once in the create response only.
      authKey: randomBytes(8).toString('hex'),
      noSnapshots: req.no_snapshots ?? false,
      createdAt: Date.now(),
    };
    cloud.state.transfers.set(transfer.id, transfer);
    volume.status = 'awaiting-transfer';
    volume.updatedAt = Date.now();
    return c.json({ transfer: { ...detail(auth, transfer, c.get('apiVersion')), auth_key: transfer.authKey } }, 202);
  });

  app.post('/:id/accept', async (c) => {
    const auth = c.get('auth');
    // The body is validated first (cinder's schema decorator), then anyone holding the id may
    // accept (cinder looks the transfer up with an elevated context).
    const { accept } = await readJson(c, AcceptTransfer, 'fault');
    const transfer = visibleTransfer(undefined, c.req.param('id'));
    if (accept.auth_key !== transfer.authKey) {
      throw fault.badRequest(`Invalid auth key: Attempt to transfer ${transfer.id} with invalid auth key.`);
    }
    const volume = cloud.state.volumes.get(transfer.volumeId);
    if (!volume) throw fault.notFound(`Volume ${transfer.volumeId} could not be found.`);
    const { volumeTypeId, size } = volume;
    checkQuota(cloud, { projectId: auth.projectId, volumeTypeId, sizeGb: size, bareSizeMessage: true });
    const now = Date.now();
    if (!transfer.noSnapshots) {
      for (const snapshot of cloud.state.snapshots.values()) {
        if (snapshot.volumeId === volume.id)
          Object.assign(snapshot, { projectId: auth.projectId, userId: auth.user.id, updatedAt: now });
      }
    }
    Object.assign(volume, { projectId: auth.projectId, userId: auth.user.id, status: 'available', updatedAt: now });
    cloud.state.transfers.delete(transfer.id);
    return c.json({ transfer: summary(auth, transfer) }, 202);
  });

  app.delete('/:id', (c) => {
    const transfer = visibleTransfer(c.get('auth'), c.req.param('id'));
    cloud.state.transfers.delete(transfer.id);
    const volume = cloud.state.volumes.get(transfer.volumeId);
    if (volume?.status === 'awaiting-transfer') {
      volume.status = 'available';
      volume.updatedAt = Date.now();
    }
    return c.body(null, 202);
  });

  return app;
}
