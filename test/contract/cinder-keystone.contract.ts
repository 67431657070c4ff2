// The contract: one suite of Keystone + Cinder checks run against the built-in simulator AND a
// real Keystone 22 + Cinder 21 (contract/), through the project's own clients (connectCloud) and
// raw HTTP where codes, headers and error bodies matter. Values that differ by nature (ids,
// timestamps, URLs) are not compared; codes, messages, state sequences and JSON shapes are, and
// the last suite asserts every shape the real cloud produced is the simulator's too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCloud, type CloudClients } from '../../openstack/cloud';
import { BadRequestError, NotFoundError, UnauthorizedError } from '../../openstack/errors';
import { IMAGE_SNAPSHOT } from '../../contract/accounts';
import { SIMULATOR_ADMIN, SIMULATOR_TENANT } from '../../infra/stack';
import { call as rawCall, waitFor } from '../openstack-sim/helpers';
import { rawVolumeApi, type RawVolumeApi } from './raw';
import { ShapeBook } from './shapes';
import { CONTRACT_TARGETS, type Target } from './targets';

const shapes = new ShapeBook();
const UNAUTHORIZED = {
  error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' },
};
const NOT_DELETABLE =
  'Invalid volume: Volume status must be available or error or error_restoring or error_extending or ' +
  'error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, ' +
  'or be disassociated from snapshots after volume transfer.';

function passwordAuth(user: string, password: string, project: string) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
      scope: { project: { name: project, domain: { name: 'Default' } } },
    },
  };
}

/** Statuses a client polling every 50 ms sees until `done` says stop (consecutive repeats collapsed). */
async function observeStatuses(
  read: () => Promise<string>,
  done: (status: string) => boolean,
  what: string,
): Promise<string[]> {
  const seen: string[] = [];
  await waitFor(
    what,
    async () => {
      const status = await read();
      if (seen.at(-1) !== status) seen.push(status);
      return done(status);
    },
    30_000,
  );
  return seen;
}

describe.each(CONTRACT_TARGETS)('contract: %s', (target, start) => {
  let cloud: Target | undefined;
  let clients: CloudClients;
  let admin: RawVolumeApi;
  let demo: RawVolumeApi;
  let snapshotId: string;
  const record = (what: string, value: unknown) => shapes.record(target, what, value);
  const name = `contract-${target}-${Date.now().toString(36)}`;
  // Filled by the tests in order; each later test needs the earlier ones to have passed.
  let volumeId: string | undefined;
  let transfer: { id: string; authKey: string } | undefined;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`no ${what}: an earlier test in this suite failed`);
    return value;
  };

  beforeAll(async () => {
    cloud = await start();
    clients = connectCloud({
      authUrl: cloud.authUrl,
      admin: SIMULATOR_ADMIN,
      userDomainName: 'Default',
      projectDomainName: 'Default',
      timeoutMs: 30_000,
    });
    admin = await rawVolumeApi(clients.admin.session);
    demo = await rawVolumeApi(clients.tenant(SIMULATOR_TENANT).session);
    const image = (await clients.admin.cinder.listSnapshots()).find((s) => s.name === IMAGE_SNAPSHOT.name);
    if (!image) throw new Error(`${target}: the admin project has no snapshot "${IMAGE_SNAPSHOT.name}"`);
    snapshotId = image.id;
  }, 240_000);
  afterAll(async () => {
    await cloud?.stop();
  }, 60_000);

  describe('keystone', () => {
    it('issues a project-scoped token: 201, X-Subject-Token, admin roles, a catalog with volumev3', async () => {
      const reply = await rawCall(
        'POST',
        `${need(cloud, 'cloud').authUrl}/auth/tokens`,
        passwordAuth('admin', 'admin-secret', 'admin'),
      );
      expect(reply.status).toBe(201);
      expect(reply.headers.get('x-subject-token')).toMatch(/^gAAAAA/); // fernet
      const token = reply.body.token;
      expect(token.project).toMatchObject({
        id: admin.projectId,
        name: 'admin',
        domain: { id: 'default', name: 'Default' },
      });
      expect(token.roles.map((r: { name: string }) => r.name).sort()).toEqual(['admin', 'member', 'reader']);
      const volume = token.catalog.find((s: { type: string }) => s.type === 'volumev3');
      expect(volume.endpoints.map((e: { interface: string }) => e.interface).sort()).toEqual([
        'admin',
        'internal',
        'public',
      ]);
      expect(volume.endpoints.find((e: { interface: string }) => e.interface === 'public').url).toMatch(
        new RegExp(`/v3/${admin.projectId}$`),
      );
      record('token', token);
    });

    it("a wrong password is 401 in keystone's envelope; the client raises UnauthorizedError", async () => {
      const reply = await rawCall(
        'POST',
        `${need(cloud, 'cloud').authUrl}/auth/tokens`,
        passwordAuth('admin', 'wrong', 'admin'),
      );
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(UNAUTHORIZED);
      const bad = connectCloud({
        authUrl: cloud!.authUrl,
        admin: { ...SIMULATOR_ADMIN, password: 'wrong' },
        userDomainName: 'Default',
        projectDomainName: 'Default',
        timeoutMs: 30_000,
      });
      const err = await bad.admin.cinder.listVolumes().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnauthorizedError);
      expect((err as UnauthorizedError).apiMessage).toBe(UNAUTHORIZED.error.message);
    });

    it('a project the user has no role on is 401; a user named without a domain is 400', async () => {
      const authUrl = need(cloud, 'cloud').authUrl;
      const foreign = await rawCall('POST', `${authUrl}/auth/tokens`, passwordAuth('demo', 'demo-secret', 'admin'));
      expect(foreign.status).toBe(401);
      expect(foreign.body).toEqual(UNAUTHORIZED);
      const body = passwordAuth('admin', 'admin-secret', 'admin');
      delete (body.auth.identity.password.user as { domain?: unknown }).domain;
      const noDomain = await rawCall('POST', `${authUrl}/auth/tokens`, body);
      expect(noDomain.status).toBe(400);
      expect(noDomain.body.error).toMatchObject({ code: 400, title: 'Bad Request' });
      expect(noDomain.body.error.message).toMatch(/^Expecting to find domain in user\. /);
      record('keystone 400', noDomain.body);
    });

    it("cinder without a token is 401 in keystone's envelope, pointing at keystone", async () => {
      const reply = await rawCall('GET', `${admin.url}/volumes`);
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual(UNAUTHORIZED);
      expect(reply.headers.get('www-authenticate')).toMatch(/^Keystone uri="http:\/\/127\.0\.0\.1:\d+\//);
    });
  });

  describe('volumes', () => {
    it('the image snapshot and the volume types look alike', async () => {
      const snapshots = await admin.call('GET', `/snapshots/detail?name=${encodeURIComponent(IMAGE_SNAPSHOT.name)}`);
      expect(snapshots.status).toBe(200);
      expect(snapshots.body.snapshots).toEqual([
        expect.objectContaining({ id: snapshotId, status: 'available', size: IMAGE_SNAPSHOT.sizeGb }),
      ]);
      record('snapshot detail', snapshots.body.snapshots[0]);
      const types = await clients.admin.cinder.listVolumeTypes();
      expect(types.map((t) => t.name)).toEqual(expect.arrayContaining(['sas', 'ssd']));
      record(
        'volume type',
        types.find((t) => t.name === 'sas'),
      );
      // A tenant sees user-visible extra specs only (none here: volume_backend_name is the backend's).
      const tenantTypes = await demo.call('GET', '/types');
      expect(tenantTypes.body.volume_types.find((t: { name: string }) => t.name === 'sas')).toMatchObject({
        name: 'sas',
        is_public: true,
        extra_specs: {},
      });
      record('volume type (tenant)', tenantTypes.body.volume_types[0]);
    });

    it('the version document: 300 at the service root, 3.0 to 3.70', async () => {
      const reply = await rawCall('GET', admin.url.replace(/v3\/[^/]+$/, ''));
      expect(reply.status).toBe(300);
      expect(reply.body.versions).toEqual([
        expect.objectContaining({
          id: 'v3.0',
          status: 'CURRENT',
          version: '3.70',
          min_version: '3.0',
          updated: '2022-08-31T00:00:00Z',
        }),
      ]);
      record('versions', reply.body);
    });

    it('create from the image snapshot (client): creating, then available', async () => {
      const created = await clients.admin.cinder.createVolume({
        name,
        size: IMAGE_SNAPSHOT.sizeGb,
        volumeType: 'sas',
        snapshotId,
      });
      expect(created).toMatchObject({
        name,
        status: 'creating',
        size: IMAGE_SNAPSHOT.sizeGb,
        volume_type: 'sas',
        snapshot_id: snapshotId,
      });
      record('volume create', created);
      const seen = await observeStatuses(
        async () => (await clients.admin.cinder.getVolume(created.id)).status,
        (s) => s !== 'creating',
        `volume ${created.id} to leave creating`,
      );
      expect(['creating', ...seen].filter((s, i, all) => s !== all[i - 1])).toEqual(['creating', 'available']);
      volumeId = created.id;
    });

    it('list and detail filter by name and status', async () => {
      const id = need(volumeId, 'volume');
      expect((await clients.admin.cinder.listVolumes({ name })).map((v) => [v.id, v.status])).toEqual([
        [id, 'available'],
      ]);
      expect(await clients.admin.cinder.listVolumes({ name, status: 'available' })).toHaveLength(1);
      expect(await clients.admin.cinder.listVolumes({ name, status: 'creating' })).toEqual([]);
      const summary = await admin.call('GET', `/volumes?name=${encodeURIComponent(name)}`);
      expect(summary.status).toBe(200);
      expect(summary.body.volumes.map((v: { id: string; name: string }) => [v.id, v.name])).toEqual([[id, name]]);
      record('volume list', summary.body);
      const details = await admin.call('GET', `/volumes/detail?name=${encodeURIComponent(name)}&status=available`);
      expect(details.body.volumes.map((v: { id: string }) => v.id)).toEqual([id]);
      record('volume list detail', details.body);
      const detail = await admin.call('GET', `/volumes/${id}`);
      expect(detail.status).toBe(200);
      expect(detail.headers.get('openstack-api-version')).toBe('volume 3.0');
      record('volume detail', detail.body);
      const latest = await admin.call('GET', `/volumes/${id}`, undefined, { 'OpenStack-API-Version': 'volume 3.70' });
      expect(latest.headers.get('openstack-api-version')).toBe('volume 3.70');
      record('volume detail 3.70', latest.body);
    });

    it('rename (client): the new name is listed, the old one no longer', async () => {
      const id = need(volumeId, 'volume');
      const renamed = await clients.admin.cinder.renameVolume(id, `${name}-renamed`);
      expect(renamed).toMatchObject({ id, name: `${name}-renamed`, status: 'available' });
      record('volume update', renamed);
      expect((await clients.admin.cinder.listVolumes({ name: `${name}-renamed` })).map((v) => v.id)).toEqual([id]);
      expect(await clients.admin.cinder.listVolumes({ name })).toEqual([]);
    });

    it('another project cannot see it: 404 itemNotFound (client: NotFoundError)', async () => {
      const id = need(volumeId, 'volume');
      const reply = await demo.call('GET', `/volumes/${id}`);
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ itemNotFound: { code: 404, message: `Volume ${id} could not be found.` } });
      await expect(clients.tenant(SIMULATOR_TENANT).cinder.getVolume(id)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('transfer to the tenant', () => {
    it('create (client): a 16-character auth key, the volume awaits transfer and cannot be deleted', async () => {
      const id = need(volumeId, 'volume');
      const created = await clients.admin.cinder.createTransfer(id, `${name}-transfer`);
      expect(created).toMatchObject({ volume_id: id, name: `${name}-transfer` });
      expect(created.auth_key).toMatch(/^[0-9a-f]{16}$/);
      record('transfer create', created);
      transfer = { id: created.id, authKey: created.auth_key };
      expect((await clients.admin.cinder.getVolume(id)).status).toBe('awaiting-transfer');
      const listed = await clients.admin.cinder.listTransfers();
      expect(listed.map((t) => t.id)).toContain(created.id);
      record(
        'transfer detail',
        listed.find((t) => t.id === created.id),
      );
      const del = await admin.call('DELETE', `/volumes/${id}`);
      expect(del.status).toBe(400);
      expect(del.body).toEqual({ badRequest: { code: 400, message: NOT_DELETABLE } });
    });

    it('accept with a wrong key is 400 badRequest and changes nothing', async () => {
      const { id } = need(transfer, 'transfer');
      const reply = await demo.call('POST', `/os-volume-transfer/${id}/accept`, {
        accept: { auth_key: '0123456789abcdef' },
      });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({
        badRequest: { code: 400, message: `Invalid auth key: Attempt to transfer ${id} with invalid auth key.` },
      });
      await expect(
        clients.tenant(SIMULATOR_TENANT).cinder.acceptTransfer(id, 'fedcba9876543210'),
      ).rejects.toBeInstanceOf(BadRequestError);
      expect((await clients.admin.cinder.getVolume(need(volumeId, 'volume'))).status).toBe('awaiting-transfer');
    });

    it('accept (client) moves the volume to the tenant; a second accept is 404', async () => {
      const { id, authKey } = need(transfer, 'transfer');
      const vid = need(volumeId, 'volume');
      const accepted = await clients.tenant(SIMULATOR_TENANT).cinder.acceptTransfer(id, authKey);
      expect(accepted).toMatchObject({ id, volume_id: vid });
      record('transfer accept', accepted);
      const mine = await demo.call('GET', `/volumes/${vid}`);
      expect(mine.status).toBe(200);
      expect(mine.body.volume).toMatchObject({ id: vid, status: 'available', name: `${name}-renamed` });
      record('volume detail (tenant)', mine.body);
      const seenByAdmin = await clients.admin.cinder.getVolume(vid);
      expect(seenByAdmin['os-vol-tenant-attr:tenant_id']).toBe(demo.projectId);
      // What the pool's reconcile reads: the admin lists every project's volumes, its own without the flag.
      expect((await clients.admin.cinder.listVolumes({ name: `${name}-renamed` })).map((v) => v.id)).toEqual([]);
      const everywhere = await clients.admin.cinder.listVolumes({ name: `${name}-renamed`, allTenants: true });
      expect(everywhere.map((v) => [v.id, v['os-vol-tenant-attr:tenant_id']])).toEqual([[vid, demo.projectId]]);
      expect((await clients.admin.cinder.listTransfers()).map((t) => t.id)).not.toContain(id);
      const again = await demo.call('POST', `/os-volume-transfer/${id}/accept`, { accept: { auth_key: authKey } });
      expect(again.status).toBe(404);
      expect(again.body).toEqual({ itemNotFound: { code: 404, message: `Transfer ${id} could not be found.` } });
    });

    it('the new owner deletes it: 202, deleting, then 404', async () => {
      const vid = need(volumeId, 'volume');
      const reply = await demo.call('DELETE', `/volumes/${vid}`);
      expect(reply.status).toBe(202);
      const seen = await observeStatuses(
        async () => {
          const got = await demo.call('GET', `/volumes/${vid}`);
          return got.status === 404 ? 'gone' : got.body.volume.status;
        },
        (s) => s === 'gone',
        `volume ${vid} to disappear`,
      );
      expect(seen.filter((s) => s !== 'deleting')).toEqual(['gone']);
    });
  });

  describe('plain volumes', () => {
    const plainTitle =
      'a create without snapshot or type is 202 in the default type (sas); creating, then available; ' +
      'a cancelled transfer; deleted';
    it(plainTitle, async () => {
      const reply = await demo.call('POST', '/volumes', { volume: { size: 1, name: `${name}-plain` } });
      expect(reply.status).toBe(202);
      expect(reply.body.volume).toMatchObject({
        status: 'creating',
        size: 1,
        volume_type: 'sas',
        snapshot_id: null,
        bootable: 'false',
      });
      record('volume create (tenant)', reply.body);
      const id: string = reply.body.volume.id;
      const seen = await observeStatuses(
        async () => (await demo.call('GET', `/volumes/${id}`)).body.volume.status,
        (s) => s !== 'creating',
        `volume ${id} to leave creating`,
      );
      expect(seen.filter((s) => s !== 'creating')).toEqual(['available']);
      const transfer = await clients.tenant(SIMULATOR_TENANT).cinder.createTransfer(id, `${name}-cancelled`);
      expect((await demo.call('GET', `/volumes/${id}`)).body.volume.status).toBe('awaiting-transfer');
      await clients.tenant(SIMULATOR_TENANT).cinder.deleteTransfer(transfer.id);
      expect((await demo.call('GET', `/volumes/${id}`)).body.volume.status).toBe('available');
      const again = await demo.call('DELETE', `/os-volume-transfer/${transfer.id}`);
      expect(again.status).toBe(404);
      expect(again.body).toEqual({
        itemNotFound: { code: 404, message: `Transfer ${transfer.id} could not be found.` },
      });
      expect((await demo.call('DELETE', `/volumes/${id}`)).status).toBe(202);
      await waitFor(
        `volume ${id} to disappear`,
        async () => (await demo.call('GET', `/volumes/${id}`)).status === 404,
        30_000,
      );
    });
  });

  describe('errors', () => {
    it('an unknown volume is 404 itemNotFound', async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      const reply = await admin.call('GET', `/volumes/${id}`);
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ itemNotFound: { code: 404, message: `Volume ${id} could not be found.` } });
      record('404', reply.body);
    });

    it('an unknown volume type is 404', async () => {
      const reply = await admin.call('POST', '/volumes', { volume: { size: 1, volume_type: 'no-such-type' } });
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({
        itemNotFound: { code: 404, message: 'Volume type with name no-such-type could not be found.' },
      });
    });

    it("a create with neither size nor source is 400 with webob's generic text", async () => {
      const reply = await demo.call('POST', '/volumes', { volume: {} });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({
        badRequest: {
          code: 400,
          message: 'The server could not comply with the request since it is either malformed or otherwise incorrect.',
        },
      });
    });

    it('an accept without "accept" is 400 even for an unknown transfer: the body is checked first', async () => {
      const reply = await demo.call('POST', '/os-volume-transfer/00000000-0000-4000-8000-000000000000/accept', {});
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ badRequest: { code: 400, message: "'accept' is a required property" } });
      const noKey = await demo.call('POST', '/os-volume-transfer/00000000-0000-4000-8000-000000000000/accept', {
        accept: {},
      });
      expect(noKey.status).toBe(400);
      expect(noKey.body).toEqual({
        badRequest: {
          code: 400,
          message: "Invalid input for field/attribute accept. Value: {}. 'auth_key' is a required property",
        },
      });
    });

    it('an unknown sort key is 400', async () => {
      const reply = await admin.call('GET', '/volumes/detail?sort=bogus');
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ badRequest: { code: 400, message: 'Invalid input received: Invalid sort key' } });
    });

    it("the tenant cannot clone the admin project's snapshot: 404", async () => {
      const reply = await demo.call('POST', '/volumes', {
        volume: { size: IMAGE_SNAPSHOT.sizeGb, snapshot_id: snapshotId },
      });
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({
        itemNotFound: { code: 404, message: `Snapshot ${snapshotId} could not be found.` },
      });
    });

    it("a project id in the URL other than the token's is 400 Malformed request url", async () => {
      const reply = await rawCall('GET', `${admin.url.replace(admin.projectId, demo.projectId)}/volumes`, undefined, {
        'X-Auth-Token': (await clients.admin.session.authenticate()).token,
      });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ badRequest: { code: 400, message: 'Malformed request url' } });
      record('400', reply.body);
    });

    it('an unsupported microversion is 406', async () => {
      const reply = await admin.call('GET', '/volumes', undefined, { 'OpenStack-API-Version': 'volume 3.99' });
      expect(reply.status).toBe(406);
      expect(JSON.stringify(reply.body)).toContain(
        'Version 3.99 is not supported by the API. Minimum is 3.0 and maximum is 3.70.',
      );
      record('406', reply.body);
    });
  });
});

describe('contract: simulator vs real', () => {
  it("every JSON shape the real cloud answered with is the simulator's too", () => {
    const recorded = shapes.names('real');
    expect(recorded.length, 'the real cloud recorded no shapes (did it come up?)').toBeGreaterThan(10);
    expect(shapes.differences('real', 'simulator')).toEqual([]);
  });
});
