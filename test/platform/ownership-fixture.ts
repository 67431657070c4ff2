// What the server-ownership tests share: volumes a tenant makes itself (the disks a build must
// leave alone), build rows as the API writes them, the tenant's volume quota, a delete through the API.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { ProjectClients } from '../../openstack/cloud';
import { insertBuild } from '../../servers/builds';
import type { Handover } from '../../servers/system-disk';
import { waitFor, type Platform } from './harness';
import { TENANTS, tenantApi, waitForBuild } from './server-fixture';

export const KIND = { volumeType: 'ssd', osName: 'Debian9 64bit' } as const;

/** A tenant's clients as the simulator's user of that project (to see and make what the tenant owns). */
export const clientsOf = (p: Platform, who: keyof typeof TENANTS = 'demo'): ProjectClients =>
  p.cloud.tenant(TENANTS[who]);

/** What takeSystemDisk hands a spare over with: the admin's clients, the tenant's and its project. */
export async function handoverTo(p: Platform, who: keyof typeof TENANTS = 'demo'): Promise<Handover> {
  const tenant = clientsOf(p, who);
  return { admin: p.cloud.admin, tenant, projectId: (await tenant.session.authenticate()).projectId };
}

/** A volume the tenant made itself, available (bootable on request: `os-set_bootable`, as the owner may). */
export async function tenantVolume(
  p: Platform,
  name: string,
  opts: { who?: keyof typeof TENANTS; bootable?: boolean; metadata?: Record<string, string> } = {},
): Promise<string> {
  const tenant = clientsOf(p, opts.who);
  const { id } = await tenant.cinder.createVolume({
    name,
    size: 1,
    volumeType: KIND.volumeType,
    metadata: opts.metadata,
  });
  await waitFor(`volume ${name} available`, async () => (await tenant.cinder.getVolume(id)).status === 'available');
  if (opts.bootable) {
    const action = { 'os-set_bootable': { bootable: true } };
    await tenant.session.request('volumev3', { method: 'POST', path: `/volumes/${id}/action`, body: action });
  }
  return id;
}

/** A build row, as the API writes it before the workflow starts. */
export async function newBuildRow(p: Platform, projectId: string, name: string): Promise<string> {
  const buildId = `server-${randomUUID()}`;
  const network = await p.prisma.managedNetwork.findFirstOrThrow();
  await insertBuild(p.prisma, {
    buildId,
    projectId,
    userId: 'u',
    name,
    ...KIND,
    flavorId: '1',
    swapGb: 0,
    dataGb: 0,
    networkId: network.id,
  });
  return buildId;
}

/** Cinder's os-quota-sets as the admin (-1 = unlimited). */
export async function setVolumeQuota(p: Platform, projectId: string, volumes: number): Promise<void> {
  await p.cloud.admin.session.request('volumev3', {
    method: 'PUT',
    path: `/os-quota-sets/${projectId}`,
    body: { quota_set: { volumes } },
  });
}

/** DELETE /v1/servers/{id}, then what GET shows once it settles. */
export async function deleteBuild(p: Platform, token: string, id: string, timeoutMs?: number) {
  const res = await tenantApi(p, `/v1/servers/${id}`, { method: 'DELETE', token });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return waitForBuild(p, token, id, timeoutMs);
}
