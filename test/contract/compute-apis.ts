// Raw Nova and Neutron of the admin and the tenant, and the steps the compute checks repeat: plain
// volumes, a boot from them, waits on server and volume states. Authenticated with the clients' own
// sessions (as raw.ts does for Cinder), so both targets are reached through their catalogs.
import { expect } from 'vitest';
import type { KeystoneSession } from '../../openstack/keystone';
import { SIMULATOR_TENANT } from '../../infra/stack';
import { call, type Reply } from '../openstack-sim/helpers';
import { waitForWith } from '../support/wait-for';
import type { ContractContext } from './context';

export interface RawApi {
  url: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
}

async function rawApi(session: KeystoneSession, type: 'compute' | 'network'): Promise<RawApi> {
  const { token } = await session.authenticate();
  const endpoint = await session.endpoint(type);
  const url = type === 'network' && !endpoint.endsWith('/v2.0') ? `${endpoint}/v2.0` : endpoint;
  return {
    url,
    call: (method, path, body, headers = {}) =>
      call(method, `${url}${path}`, body, { 'X-Auth-Token': token, ...headers }),
  };
}

export interface ComputeApis {
  nova: { admin: RawApi; demo: RawApi };
  neutron: { admin: RawApi; demo: RawApi };
}

export async function computeApis(ctx: ContractContext): Promise<ComputeApis> {
  const admin = ctx.clients().admin.session;
  const demo = ctx.clients().tenant(SIMULATOR_TENANT).session;
  const [novaAdmin, novaDemo, neutronAdmin, neutronDemo] = await Promise.all([
    rawApi(admin, 'compute'),
    rawApi(demo, 'compute'),
    rawApi(admin, 'network'),
    rawApi(demo, 'network'),
  ]);
  return { nova: { admin: novaAdmin, demo: novaDemo }, neutron: { admin: neutronAdmin, demo: neutronDemo } };
}

/** The real peer boots in 2–4 s and deletes in ~1 s on an idle machine; CI shares its cores. */
export const waitLong = waitForWith({ timeoutMs: 90_000, intervalMs: 200 });

/** A plain 1 GB volume of the tenant, available; `bootable` as `cinder set-bootable` makes it (nova needs it). */
export async function tenantVolume(ctx: ContractContext, name: string, bootable = false): Promise<string> {
  const reply = await ctx.demo().call('POST', '/volumes', { volume: { size: 1, name } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(202);
  const id: string = reply.body.volume.id;
  await waitForVolume(ctx, id, 'available');
  if (bootable) await setBootable(ctx, id);
  return id;
}

export async function setBootable(ctx: ContractContext, id: string): Promise<void> {
  const set = await ctx.demo().call('POST', `/volumes/${id}/action`, { 'os-set_bootable': { bootable: true } });
  expect(set.status, JSON.stringify(set.body)).toBe(200);
}

export async function volumeOf(ctx: ContractContext, id: string): Promise<Record<string, any> | undefined> {
  const reply = await ctx.demo().call('GET', `/volumes/${id}`);
  if (reply.status === 404) return undefined;
  expect(reply.status).toBe(200);
  return reply.body.volume;
}

export async function waitForVolume(ctx: ContractContext, id: string, status: string | 'gone'): Promise<void> {
  await waitLong(`volume ${id} ${status}`, async () => {
    const volume = await volumeOf(ctx, id);
    return status === 'gone' ? volume === undefined : volume?.status === status;
  });
}

export interface Disk {
  id: string;
  bootIndex: number | null;
  deleteOnTermination: boolean;
}

/** blockflow's boot body (openstack/nova.ts): imageRef "", BDM v2 from volumes, one NIC. */
export function bootBody(name: string, disks: Disk[], network: Record<string, string>, flavorRef = '2') {
  return {
    server: {
      name,
      flavorRef,
      imageRef: '',
      metadata: { 'contract:run': name },
      block_device_mapping_v2: disks.map((d) => ({
        uuid: d.id,
        source_type: 'volume',
        destination_type: 'volume',
        boot_index: d.bootIndex,
        delete_on_termination: d.deleteOnTermination,
      })),
      networks: [network],
    },
  };
}

export async function serverOf(nova: RawApi, id: string): Promise<Record<string, any> | undefined> {
  const reply = await nova.call('GET', `/servers/${id}`);
  if (reply.status === 404) return undefined;
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.server;
}

/** Waits until the server leaves BUILD; returns it. */
export async function settledServer(nova: RawApi, id: string): Promise<Record<string, any>> {
  let server: Record<string, any> | undefined;
  await waitLong(`server ${id} out of BUILD`, async () => {
    server = await serverOf(nova, id);
    return server !== undefined && server.status !== 'BUILD';
  });
  return server!;
}

export async function waitServerGone(nova: RawApi, id: string): Promise<void> {
  await waitLong(`server ${id} gone`, async () => (await serverOf(nova, id)) === undefined);
}

/** The tenant's id of the shared network "private" (the simulator's seeded one, the peer's created one). */
export async function privateNetworkId(neutron: RawApi): Promise<string> {
  const reply = await neutron.call('GET', '/networks?name=private');
  expect(reply.status).toBe(200);
  expect(reply.body.networks).toHaveLength(1);
  return reply.body.networks[0].id;
}
