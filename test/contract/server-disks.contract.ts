// The disk part of the server-create flow, run against the built-in simulator AND the real Keystone 22 +
// Cinder 21 (contract/), through the tenant's Keystone trust as the worker does it (activities/servers/servers.ts):
// the tenant delegates its token's roles to the admin user; the admin builds a system disk from the OS
// image snapshot (the pool's spare); handOverVolume moves it into the tenant's project (transfer as admin,
// accept through the trust); the tenant renames it and gets a data disk (ensureTenantDisk); a handover over
// the tenant's quota fails cleanly; the volumes and the trust go away and the trust no longer redeems.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_SNAPSHOT } from '../../contract/accounts';
import { SIMULATOR_ADMIN, SIMULATOR_TENANT } from '../../infra/stack';
import { connectCloud, type CloudClients, type ProjectClients } from '../../openstack/cloud';
import { NotFoundError, UnauthorizedError } from '../../openstack/errors';
import { createTrust, deleteTrustIfPresent, getTrust, validateToken, type Trust } from '../../openstack/trusts';
import { transferName } from '../../openstack/cinder';
import { dataDiskName, systemDiskName } from '../../servers/names';
import {
  deleteVolumeIfPresent,
  findTenantVolume,
  handOverVolume,
  TenantQuotaError,
  type Handover,
} from '../../servers/system-disk';
import { BUILD_METADATA_KEY, ensureTenantDisk } from '../../servers/tenant-disks';
import { waitForWith } from '../support/wait-for';
import { rawVolumeApi, type RawVolumeApi } from './raw';
import { CONTRACT_TARGETS, type Target } from './targets';

const WAIT_MS = 60_000;
/** Gentler on the real cinder-api than the simulator helpers' 20 ms. */
const waitFor = waitForWith({ timeoutMs: WAIT_MS, intervalMs: 100 });

describe.each(CONTRACT_TARGETS)('contract (server build disks through a trust): %s', (target, start) => {
  const run = `${target}-${Date.now().toString(36)}`;
  const buildId = `build-${run}`;
  const server = `vm-${run}`;
  let cloud: Target | undefined;
  let clients: CloudClients | undefined;
  let adminRaw: RawVolumeApi | undefined;
  let ids: { demoUserId: string; demoProjectId: string; adminProjectId: string } | undefined;
  let trust: Trust | undefined;
  let snapshot: { id: string; size: number } | undefined;
  let systemDisk: string | undefined;
  let dataDisk: string | undefined;
  /** Every volume made here, deleted as admin in afterAll if a check stopped half-way. */
  const made = new Set<string>();

  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined)
      throw new Error(`no ${what}: the ${target} cloud did not come up or an earlier check failed`);
    return value;
  };
  const cc = () => need(clients, 'cloud clients');
  const demo = (): ProjectClients => cc().tenant(SIMULATOR_TENANT);
  const trustee = (): ProjectClients => cc().trustee(need(trust, 'trust').id);
  const handover = (): Handover => ({
    admin: cc().admin,
    tenant: trustee(),
    projectId: need(ids, 'ids').demoProjectId,
  });
  const quotaPath = () => `/os-quota-sets/${need(ids, 'ids').demoProjectId}`;

  const waitStatus = (clients: ProjectClients, id: string, status: string) =>
    waitFor(`volume ${id} ${status}`, async () => (await clients.cinder.getVolume(id)).status === status, WAIT_MS);
  const waitGone = (clients: ProjectClients, id: string) =>
    waitFor(
      `volume ${id} gone`,
      () =>
        clients.cinder.getVolume(id).then(
          () => false,
          (err: unknown) => {
            if (err instanceof NotFoundError) return true;
            throw err;
          },
        ),
      WAIT_MS,
    );
  /** What blockflow's pool does (pool/create-spare.ts): a volume of the admin project from the OS snapshot. */
  const buildSpare = async (slot: string): Promise<string> => {
    const { id, size } = need(snapshot, 'image snapshot');
    const volume = await cc().admin.cinder.createVolume({
      name: `spare-${run}-${slot}`,
      size,
      volumeType: IMAGE_SNAPSHOT.volumeType,
      snapshotId: id,
      description: `blockflow spare system disk: contract ${run}`,
      metadata: { 'blockflow:pool': 'spare', 'blockflow:os': 'Debian9 64bit' },
    });
    made.add(volume.id);
    await waitStatus(cc().admin, volume.id, 'available');
    return volume.id;
  };
  const pendingTransfers = async (volumeId: string) =>
    (await cc().admin.cinder.listTransfers()).filter((t) => t.volume_id === volumeId);
  /** Volumes and gigabytes in use by a project, as the admin reads them (os-quota-sets?usage=True). */
  const usage = async (projectId: string) => {
    const reply = await need(adminRaw, 'admin raw api').call('GET', `/os-quota-sets/${projectId}?usage=True`);
    expect(reply.status).toBe(200);
    const set = reply.body.quota_set;
    return { volumes: set.volumes.in_use as number, gigabytes: set.gigabytes.in_use as number };
  };
  const ownerOf = async (volumeId: string) =>
    (await cc().admin.cinder.getVolume(volumeId))['os-vol-tenant-attr:tenant_id'];

  beforeAll(async () => {
    cloud = await start();
    const connected = connectCloud({
      authUrl: cloud.authUrl,
      admin: SIMULATOR_ADMIN,
      userDomainName: 'Default',
      projectDomainName: 'Default',
      timeoutMs: 30_000,
    });
    const [adminAuth, demoAuth] = await Promise.all([
      connected.admin.session.authenticate(),
      connected.tenant(SIMULATOR_TENANT).session.authenticate(),
    ]);
    ids = { demoUserId: demoAuth.userId, demoProjectId: demoAuth.projectId, adminProjectId: adminAuth.projectId };
    adminRaw = await rawVolumeApi(connected.admin.session);
    const seeded = (await connected.admin.cinder.listSnapshots()).find((s) => s.name === IMAGE_SNAPSHOT.name);
    if (seeded) snapshot = { id: seeded.id, size: seeded.size };
    clients = connected;
  }, 240_000);

  afterAll(async () => {
    // Safety net only: each check cleans up after itself when it passes.
    if (clients) {
      const admin = clients.admin;
      await adminRaw?.call('DELETE', quotaPath()).catch(() => undefined);
      for (const id of made) {
        await waitFor(
          `volume ${id} settled`,
          async () =>
            admin.cinder.getVolume(id).then(
              (v) => !['creating', 'awaiting-transfer', 'maintenance'].includes(v.status),
              () => true,
            ),
          WAIT_MS,
        ).catch(() => undefined);
        await deleteVolumeIfPresent(admin, id).catch(() => undefined);
      }
      if (trust) await deleteTrustIfPresent(clients, trust.id).catch(() => undefined);
    }
    await cloud?.stop();
  }, 120_000);

  it("the tenant's token creates a trust to the admin user for the token's own roles", async () => {
    const { demoUserId, demoProjectId } = need(ids, 'ids');
    const { token } = await demo().session.authenticate();
    const seen = await validateToken(cc().admin.session, token);
    expect(seen).toMatchObject({ userId: demoUserId, projectId: demoProjectId, userName: 'demo' });
    expect(seen.trustId).toBeUndefined();
    // Implied roles included: member brings reader, and keystone lets the trustor delegate both.
    expect([...seen.roles].sort()).toEqual(['member', 'reader']);
    trust = await createTrust(cc(), token, {
      trustorUserId: seen.userId,
      projectId: seen.projectId,
      roles: seen.roles,
      impersonation: true,
    });
    expect(trust).toMatchObject({
      trustorUserId: demoUserId,
      trusteeUserId: await cc().adminUserId(),
      projectId: demoProjectId,
      impersonation: true,
      expiresAt: null,
    });
    expect([...trust.roles].sort()).toEqual(['member', 'reader']);
    const auth = await trustee().session.authenticate();
    expect({ userId: auth.userId, projectId: auth.projectId }).toEqual({
      userId: demoUserId,
      projectId: demoProjectId,
    });
  });

  it('the admin builds a system disk from the OS image snapshot (a pool spare); the tenant cannot see it', async () => {
    const { adminProjectId } = need(ids, 'ids');
    expect(snapshot, `the ${target} cloud has no snapshot "${IMAGE_SNAPSHOT.name}"`).toBeDefined();
    // The pool's claim of a spare is a PostgreSQL row (pool/claim.ts), not a cloud call: a fresh spare
    // built here stands for the claimed one.
    systemDisk = await buildSpare('sys');
    const volume = await cc().admin.cinder.getVolume(systemDisk);
    // Bootable on both: nova boots only from such a volume, and the peer's OS image volume is marked so.
    expect(volume).toMatchObject({
      status: 'available',
      bootable: 'true',
      size: need(snapshot, 'snapshot').size,
      volume_type: IMAGE_SNAPSHOT.volumeType,
      snapshot_id: need(snapshot, 'snapshot').id,
      'os-vol-tenant-attr:tenant_id': adminProjectId,
    });
    await expect(demo().cinder.getVolume(systemDisk)).rejects.toBeInstanceOf(NotFoundError);
    await expect(trustee().cinder.getVolume(systemDisk)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("handOverVolume moves it into the tenant's project through the trust; again, it is a no-op", async () => {
    const id = need(systemDisk, 'system disk');
    const { demoProjectId, adminProjectId } = need(ids, 'ids');
    const size = need(snapshot, 'snapshot').size;
    const before = { admin: await usage(adminProjectId), demo: await usage(demoProjectId) };
    await handOverVolume(handover(), id, buildId);
    expect(await ownerOf(id)).toBe(demoProjectId);
    // The quota usage moves with the volume (what TenantQuotaError is about).
    expect(await usage(demoProjectId)).toEqual({
      volumes: before.demo.volumes + 1,
      gigabytes: before.demo.gigabytes + size,
    });
    expect(await usage(adminProjectId)).toEqual({
      volumes: before.admin.volumes - 1,
      gigabytes: before.admin.gigabytes - size,
    });
    // Reconcile (pool/reconcile.ts) tells a handed-over spare from a deleted one with all_tenants.
    expect((await cc().admin.cinder.listVolumes()).map((v) => v.id)).not.toContain(id);
    const everywhere = await cc().admin.cinder.listVolumes({ allTenants: true });
    expect(everywhere.find((v) => v.id === id)?.['os-vol-tenant-attr:tenant_id']).toBe(demoProjectId);
    const mine = await demo().cinder.getVolume(id);
    expect(mine).toMatchObject({ id, status: 'available', snapshot_id: need(snapshot, 'snapshot').id });
    expect((await demo().cinder.listVolumes()).map((v) => v.id)).toContain(id);
    expect(await pendingTransfers(id)).toEqual([]);
    expect((await cc().admin.cinder.listTransfers()).filter((t) => t.name === transferName(buildId))).toEqual([]);

    await handOverVolume(handover(), id, buildId);
    expect(await ownerOf(id)).toBe(demoProjectId);
    expect(await pendingTransfers(id)).toEqual([]);
    expect((await demo().cinder.getVolume(id)).status).toBe('available');
  });

  it('the tenant renames it through the trust to <server>-sys; the tenant sees it under that name', async () => {
    const id = need(systemDisk, 'system disk');
    const renamed = await trustee().cinder.renameVolume(id, systemDiskName(server));
    expect(renamed).toMatchObject({ id, name: systemDiskName(server) });
    expect((await demo().cinder.getVolume(id)).name).toBe(systemDiskName(server));
    expect((await demo().cinder.listVolumes({ name: systemDiskName(server) })).map((v) => v.id)).toEqual([id]);
    expect((await findTenantVolume(demo(), systemDiskName(server)))?.id).toBe(id);
  });

  it("ensureTenantDisk makes the data disk in the tenant's project; again, the same volume", async () => {
    const { demoProjectId } = need(ids, 'ids');
    const request = { buildId, name: dataDiskName(server), sizeGb: 1, volumeType: IMAGE_SNAPSHOT.volumeType };
    const first = await ensureTenantDisk(trustee(), request);
    dataDisk = first.volumeId;
    made.add(first.volumeId);
    expect(['creating', 'available']).toContain(first.status);
    // A retry while cinder is still creating it (a worker lost the answer) finds it too.
    expect((await ensureTenantDisk(trustee(), request)).volumeId).toBe(first.volumeId);
    await waitStatus(demo(), first.volumeId, 'available');
    expect(await ensureTenantDisk(trustee(), request)).toEqual({ volumeId: first.volumeId, status: 'available' });
    const volume = await demo().cinder.getVolume(first.volumeId);
    expect(volume).toMatchObject({
      name: dataDiskName(server),
      size: 1,
      volume_type: IMAGE_SNAPSHOT.volumeType,
      snapshot_id: null,
      metadata: { [BUILD_METADATA_KEY]: buildId },
    });
    expect(await ownerOf(first.volumeId)).toBe(demoProjectId);
    // Another build's disk of the same name is not this build's.
    const other = await ensureTenantDisk(trustee(), { ...request, buildId: `${buildId}-other` });
    made.add(other.volumeId);
    expect(other.volumeId).not.toBe(first.volumeId);
    await waitStatus(demo(), other.volumeId, 'available');
    expect(await deleteVolumeIfPresent(trustee(), other.volumeId)).toBe('deleted');
    await waitGone(demo(), other.volumeId);
  });

  it("over the tenant's quota: TenantQuotaError, the admin's again; a retry replaces a stale transfer", async () => {
    const { adminProjectId } = need(ids, 'ids');
    const admin = need(adminRaw, 'admin raw api');
    const spare = await buildSpare('over-quota');
    try {
      const { volumes } = await usage(need(ids, 'ids').demoProjectId);
      expect((await admin.call('PUT', quotaPath(), { quota_set: { volumes } })).status).toBe(200);
      const refused = await handOverVolume(handover(), spare, `${buildId}-q`).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(TenantQuotaError);
      expect((refused as Error).message).toContain(
        `VolumeLimitExceeded: Maximum number of volumes allowed (${volumes}) exceeded for quota 'volumes'.`,
      );
    } finally {
      expect((await admin.call('DELETE', quotaPath())).status).toBe(200);
    }
    expect(await cc().admin.cinder.getVolume(spare)).toMatchObject({
      status: 'available',
      'os-vol-tenant-attr:tenant_id': adminProjectId,
    });
    expect(await pendingTransfers(spare)).toEqual([]);
    await expect(demo().cinder.getVolume(spare)).rejects.toBeInstanceOf(NotFoundError);

    // A retry after a lost attempt: the transfer it left (its key gone with it) is replaced.
    const stale = await cc().admin.cinder.createTransfer(spare, transferName(`${buildId}-q`));
    expect((await cc().admin.cinder.getVolume(spare)).status).toBe('awaiting-transfer');
    await handOverVolume(handover(), spare, `${buildId}-q`);
    expect(await ownerOf(spare)).toBe(need(ids, 'ids').demoProjectId);
    expect((await cc().admin.cinder.listTransfers()).map((t) => t.id)).not.toContain(stale.id);
    expect(await pendingTransfers(spare)).toEqual([]);
    expect(await deleteVolumeIfPresent(trustee(), spare)).toBe('deleted');
    await waitGone(demo(), spare);
  });

  it('clean-up: the tenant volumes deleted through the trust, the trust deleted; it no longer redeems', async () => {
    const c = cc();
    const id = need(trust, 'trust').id;
    for (const volumeId of [need(systemDisk, 'system disk'), need(dataDisk, 'data disk')]) {
      expect(await deleteVolumeIfPresent(trustee(), volumeId)).toBe('deleted');
      expect(['deleted', 'absent']).toContain(await deleteVolumeIfPresent(trustee(), volumeId));
      await waitGone(demo(), volumeId);
      expect(await deleteVolumeIfPresent(trustee(), volumeId)).toBe('absent');
    }
    expect(await c.tenant(SIMULATOR_TENANT).cinder.listVolumes({ name: systemDiskName(server) })).toEqual([]);
    const tokenOfTrust = (await trustee().session.authenticate()).token;

    await deleteTrustIfPresent(c, id);
    await deleteTrustIfPresent(c, id);
    await expect(getTrust(c.admin.session, id)).rejects.toBeInstanceOf(NotFoundError);
    // Keystone: the trust no longer redeems, and a token it issued no longer validates.
    await expect(c.trustee(id).session.authenticate()).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(validateToken(c.admin.session, tokenOfTrust)).rejects.toBeInstanceOf(NotFoundError);
    // Cinder is not asked with that token: the real one's keystonemiddleware caches a validation for up to
    // 5 minutes (token_cache_time), so it would still take it. A fresh trustee session cannot even start.
    c.dropTrustee(id);
    await expect(c.trustee(id).cinder.listVolumes()).rejects.toBeInstanceOf(UnauthorizedError);
    c.dropTrustee(id);
    trust = undefined;
  });
});
