// The Keystone/Cinder/Nova client modules against the simulator over real HTTP: token caching,
// re-authentication on 401, typed errors carrying the API's message, timeouts, and the
// transfer/accept/rename flow the VM create uses.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../openstack-sim';
import { connectCloud, type CloudClients } from '../../openstack/cloud';
import {
  BadRequestError,
  errorForStatus,
  NotFoundError,
  OverLimitError,
  QuotaExceededError,
  UnauthorizedError,
  UnreachableError,
} from '../../openstack/errors';
import { KeystoneSession } from '../../openstack/keystone';
import { SIMULATOR_ADMIN, SIMULATOR_TENANT } from '../../infra/stack';

let sim: RunningSimulator;
let cloud: CloudClients;
const requests: string[] = [];
const SNAPSHOT = 'sysdisk-sas-Debian9 64bit';

beforeAll(async () => {
  sim = await startSimulator({
    createDelayMs: 100,
    plainCreateDelayMs: 50,
    tokenTtlSeconds: 2,
    seed: { volumeTypes: ['sas'], snapshots: [{ name: SNAPSHOT, volumeType: 'sas', sizeGb: 10 }] },
    log: (line) => requests.push(line),
  });
  cloud = connectCloud({
    authUrl: sim.authUrl,
    admin: SIMULATOR_ADMIN,
    userDomainName: 'Default',
    projectDomainName: 'Default',
    timeoutMs: 5_000,
  });
});
afterAll(async () => {
  await sim?.stop();
});

const tokenRequests = () => requests.filter((l) => l.includes('POST /identity/v3/auth/tokens')).length;
const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
};

describe('KeystoneSession', () => {
  it('authenticates once and reuses the token for many calls', async () => {
    const session = new KeystoneSession({
      authUrl: sim.authUrl,
      username: 'admin',
      password: 'admin-secret',
      projectName: 'admin',
      userDomainName: 'Default',
      projectDomainName: 'Default',
    });
    const before = tokenRequests();
    await Promise.all([1, 2, 3, 4, 5].map(() => session.request('volumev3', { method: 'GET', path: '/types' })));
    expect(tokenRequests() - before).toBe(1);
  });

  it('renews a short-lived token before it expires (2 s tokens: not on every call, not after expiry)', async () => {
    const session = new KeystoneSession({
      authUrl: sim.authUrl,
      username: 'admin',
      password: 'admin-secret',
      projectName: 'admin',
      userDomainName: 'Default',
      projectDomainName: 'Default',
    });
    const before = tokenRequests();
    for (let i = 0; i < 10; i++) await session.request('volumev3', { method: 'GET', path: '/types' });
    expect(tokenRequests() - before).toBe(1);
    await new Promise((r) => setTimeout(r, 2_100));
    await session.request('volumev3', { method: 'GET', path: '/types' });
    expect(tokenRequests() - before).toBe(2);
  });

  it('re-authenticates once when a service answers 401', async () => {
    // A token the server no longer knows (revoked, or the server restarted).
    const session = cloud.admin.session;
    await session.authenticate();
    (session as unknown as { auth: { token: string } }).auth.token = 'gAAAAA-forgotten-token';
    const before = tokenRequests();
    const types = await cloud.admin.cinder.listVolumeTypes();
    expect(types.map((t) => t.name)).toEqual(['sas']);
    expect(tokenRequests() - before).toBe(1);
  });

  it("a wrong password is an UnauthorizedError with Keystone's message, not retried forever", async () => {
    const bad = connectCloud({
      authUrl: sim.authUrl,
      admin: { ...SIMULATOR_ADMIN, password: 'nope' },
      userDomainName: 'Default',
      projectDomainName: 'Default',
      timeoutMs: 5_000,
    });
    const err = await bad.admin.cinder.listVolumes().catch((e) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(err.status).toBe(401);
    expect(err.apiMessage).toMatch(/requires authentication/);
    expect(err.message).not.toContain('nope');
  });

  it('an unreachable URL is an UnreachableError; a silent server times out', async () => {
    const refused = new KeystoneSession(
      {
        authUrl: 'http://127.0.0.1:1/v3',
        username: 'a',
        password: 'b',
        projectName: 'c',
        userDomainName: 'Default',
        projectDomainName: 'Default',
      },
      2_000,
    );
    await expect(refused.authenticate()).rejects.toBeInstanceOf(UnreachableError);
    const silent: Server = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as AddressInfo).port;
      const slow = new KeystoneSession(
        {
          authUrl: `http://127.0.0.1:${port}/v3`,
          username: 'a',
          password: 'b',
          projectName: 'c',
          userDomainName: 'Default',
          projectDomainName: 'Default',
        },
        300,
      );
      const err = await slow.authenticate().catch((e) => e);
      expect(err).toBeInstanceOf(UnreachableError);
      expect(err.apiMessage).toMatch(/no answer within 300 ms/);
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('CinderClient', () => {
  it("maps 404 to NotFoundError with cinder's message", async () => {
    const err = await cloud.admin.cinder.getVolume('00000000-0000-0000-0000-000000000000').catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.apiMessage).toBe('Volume 00000000-0000-0000-0000-000000000000 could not be found.');
  });

  it('a create over the quota is a QuotaExceededError (413); a rate limit (429, Retry-After > 0) is not', async () => {
    const { session } = cloud.admin;
    const quota = `/os-quota-sets/${(await session.authenticate()).projectId}`;
    const create = () => cloud.admin.cinder.createVolume({ name: 'over-quota', size: 10, volumeType: 'sas' });
    await session.request('volumev3', { method: 'PUT', path: quota, body: { quota_set: { per_volume_gigabytes: 1 } } });
    try {
      const refused = await create().catch((e) => e);
      expect(refused).toBeInstanceOf(QuotaExceededError);
      expect(refused).toBeInstanceOf(OverLimitError); // what the server builds' checks name
      expect(refused.apiMessage).toMatch(/^VolumeSizeExceedsLimit: /);
    } finally {
      await session.request('volumev3', { method: 'DELETE', path: quota });
    }
    for (const [status, message] of [
      [429, 'Rate limit exceeded.'],
      [413, 'This request was rate-limited.'],
    ] as const) {
      sim.faults.failNextRequests({ method: 'POST', path: '/volumes$', status, message });
      const limited = await create().catch((e) => e);
      expect(limited).toBeInstanceOf(OverLimitError);
      expect(limited).not.toBeInstanceOf(QuotaExceededError);
    }
    // A quota's words with a wait asked for are a rate limit's too (no simulator sends that).
    const words = { overLimit: { code: 413, message: 'VolumeLimitExceeded: …', retryAfter: '0' } };
    expect(errorForStatus(413, words, '0')).toBe(QuotaExceededError);
    expect(errorForStatus(413, words, '30')).toBe(OverLimitError);
    expect(errorForStatus(413, { overLimit: { ...words.overLimit, retryAfter: '30' } })).toBe(OverLimitError);
    expect(errorForStatus(413, '<html>413 Request Entity Too Large</html>')).toBe(OverLimitError);
  });

  it('creates from a snapshot, finds by name, transfers admin → tenant, accepts, renames', async () => {
    const snapshot = (await cloud.admin.cinder.listSnapshots()).find((s) => s.name === SNAPSHOT)!;
    const created = await cloud.admin.cinder.createVolume({
      name: 'spare-client-test',
      size: 10,
      volumeType: 'sas',
      snapshotId: snapshot.id,
    });
    expect(created.status).toBe('creating');
    expect((await cloud.admin.cinder.listVolumes({ name: 'spare-client-test' })).map((v) => v.id)).toEqual([
      created.id,
    ]);
    await until(async () => (await cloud.admin.cinder.getVolume(created.id)).status === 'available');

    const tenant = cloud.tenant(SIMULATOR_TENANT);
    await expect(tenant.cinder.getVolume(created.id)).rejects.toBeInstanceOf(NotFoundError); // not visible before
    const transfer = await cloud.admin.cinder.createTransfer(created.id, 'to-demo');
    expect(transfer.auth_key).toMatch(/\S{8,}/);
    expect((await cloud.admin.cinder.getVolume(created.id)).status).toBe('awaiting-transfer');
    await expect(tenant.cinder.acceptTransfer(transfer.id, 'wrong-key')).rejects.toBeInstanceOf(BadRequestError);
    await tenant.cinder.acceptTransfer(transfer.id, transfer.auth_key);
    await expect(tenant.cinder.acceptTransfer(transfer.id, transfer.auth_key)).rejects.toBeInstanceOf(NotFoundError);
    const renamed = await tenant.cinder.renameVolume(created.id, 'vm-42-system');
    expect(renamed).toMatchObject({ name: 'vm-42-system', status: 'available' });
    // Ownership moved: the volume is the tenant's (admin may still GET it by id, as in Cinder).
    const { projectId: demoProject } = await tenant.session.authenticate();
    expect((await cloud.admin.cinder.getVolume(created.id))['os-vol-tenant-attr:tenant_id']).toBe(demoProject);
    expect((await cloud.admin.cinder.listVolumes()).map((v) => v.id)).not.toContain(created.id);
    expect((await tenant.cinder.listVolumes()).map((v) => v.id)).toContain(created.id);
  });
});
