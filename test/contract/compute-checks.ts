// Nova checks of the server-create flow, run against both clouds: flavors; a boot from three tenant
// volumes with BDM v2 (system disk at boot index 0, swap and data without one; delete_on_termination
// true for two, false for the data disk) and a fixed IP; show, list, attachments, the server's port;
// the volumes on each side of a delete.
import { expect, it } from 'vitest';
import { FLAVORS } from '../../openstack-sim/nova/flavors';
import {
  bootBody,
  computeApis,
  privateNetworkId,
  serverOf,
  setBootable,
  settledServer,
  tenantVolume,
  volumeOf,
  waitForVolume,
  waitLong,
  waitServerGone,
  type ComputeApis,
  type Disk,
} from './compute-apis';
import type { ContractContext } from './context';

/** An address of "private" this suite alone uses (blockflow allocates from the low end). */
export const FIXED_IP = '10.0.0.201';

export function computeChecks(ctx: ContractContext): void {
  const run = `vm-${ctx.target}-${Date.now().toString(36)}`;
  let apis: ComputeApis | undefined;
  const api = () => {
    if (!apis) throw new Error(`the ${ctx.target} cloud's compute APIs are not known (did it come up?)`);
    return apis;
  };
  let disks: { sys: Disk; swap: Disk; data: Disk } | undefined;
  let serverId: string | undefined;
  let networkId: string | undefined;

  it('flavors: the classic four by id and name, detail and show; an unknown id is 404 in nova words', async () => {
    apis = await computeApis(ctx);
    const { demo } = api().nova;
    const list = await demo.call('GET', '/flavors');
    expect(list.status).toBe(200);
    ctx.record('GET /flavors', list.body);
    const byId = (list.body.flavors as { id: string; name: string }[]).map((f) => [f.id, f.name]);
    expect(byId).toEqual(FLAVORS.map((f) => [f.id, f.name]));
    const detail = await demo.call('GET', '/flavors/detail');
    ctx.record('GET /flavors/detail', detail.body);
    const small = await demo.call('GET', '/flavors/2');
    expect(small.status).toBe(200);
    ctx.record('GET /flavors/{id}', small.body);
    expect(small.body.flavor).toMatchObject({ id: '2', name: 'm1.small', ram: 2048, vcpus: 1, disk: 20 });
    const missing = await demo.call('GET', '/flavors/999');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ itemNotFound: { code: 404, message: 'Flavor 999 could not be found.' } });
  });

  it('boot from 3 volumes (BDM v2), a fixed IP: not bootable 400; bootable 202, ACTIVE, volumes in-use', async () => {
    const { demo } = api().nova;
    networkId = await privateNetworkId(api().neutron.demo);
    const [sys, swap, data] = await Promise.all(['sys', 'swap', 'data'].map((d) => tenantVolume(ctx, `${run}-${d}`)));
    disks = {
      sys: { id: sys, bootIndex: 0, deleteOnTermination: true },
      swap: { id: swap, bootIndex: null, deleteOnTermination: true },
      data: { id: data, bootIndex: null, deleteOnTermination: false },
    };
    const body = bootBody(run, [disks.sys, disks.swap, disks.data], { uuid: networkId, fixed_ip: FIXED_IP });
    // A plain volume is not bootable (cinder's flag): nova refuses it at boot index 0 and takes nothing.
    const refused = await demo.call('POST', '/servers', body);
    expect(refused.body).toEqual({ badRequest: { code: 400, message: `Block Device ${sys} is not bootable.` } });
    expect((await volumeOf(ctx, sys))?.status).toBe('available');
    await setBootable(ctx, sys);
    const created = await demo.call('POST', '/servers', body);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    ctx.record('POST /servers', created.body);
    serverId = created.body.server.id;
    expect(created.headers.get('location')).toMatch(new RegExp(`/servers/${serverId}$`));
    // Nova reserves each volume (an attachment in cinder) before it answers.
    for (const id of [sys, swap, data])
      expect(['reserved', 'attaching', 'in-use']).toContain((await volumeOf(ctx, id))?.status);

    const server = await settledServer(demo, serverId!);
    ctx.record('GET /servers/{id}', { server });
    expect(server).toMatchObject({
      id: serverId,
      name: run,
      status: 'ACTIVE',
      image: '',
      metadata: { 'contract:run': run },
      flavor: { id: '2' },
      'OS-EXT-STS:vm_state': 'active',
      'OS-EXT-STS:task_state': null,
      'OS-EXT-STS:power_state': 1,
    });
    expect(server.fault).toBeUndefined();
    expect(server.addresses).toEqual({
      private: [expect.objectContaining({ addr: FIXED_IP, version: 4, 'OS-EXT-IPS:type': 'fixed' })],
    });
    const attached = (server['os-extended-volumes:volumes_attached'] as { id: string }[]).map((v) => v.id);
    expect([...attached].sort()).toEqual([sys, swap, data].sort());
    for (const id of [sys, swap, data]) {
      await waitForVolume(ctx, id, 'in-use');
      const volume = await volumeOf(ctx, id);
      expect(volume?.attachments).toEqual([expect.objectContaining({ server_id: serverId, volume_id: id })]);
    }
    // Device names are the hypervisor's: libvirt's virtio disks are /dev/vda… (the simulator's), nova's fake
    // driver says /dev/sda…; either way the boot volume comes first.
    const devices = await Promise.all(
      [sys, swap, data].map(async (id) => (await volumeOf(ctx, id))?.attachments[0].device),
    );
    expect(devices[0]).toMatch(/^\/dev\/[sv]da$/);
    expect(new Set(devices).size).toBe(3);
  });

  it('show at 2.3+ tells delete_on_termination; os-volume_attachments lists the three devices', async () => {
    const { demo } = api().nova;
    const { sys, swap, data } = disks!;
    const show = await demo.call('GET', `/servers/${serverId}`, undefined, { 'OpenStack-API-Version': 'compute 2.79' });
    expect(show.status).toBe(200);
    const byId = Object.fromEntries(
      (
        show.body.server['os-extended-volumes:volumes_attached'] as { id: string; delete_on_termination: boolean }[]
      ).map((v) => [v.id, v.delete_on_termination]),
    );
    expect(byId).toEqual({ [sys.id]: true, [swap.id]: true, [data.id]: false });
    const attachments = await demo.call('GET', `/servers/${serverId}/os-volume_attachments`);
    expect(attachments.status).toBe(200);
    ctx.record('GET /servers/{id}/os-volume_attachments', attachments.body);
    const devices = Object.fromEntries(
      (attachments.body.volumeAttachments as { volumeId: string; device: string; serverId: string }[]).map((a) => [
        a.volumeId,
        a.device,
      ]),
    );
    expect(devices[sys.id]).toMatch(/^\/dev\/[sv]da$/);
    expect(Object.keys(devices).sort()).toEqual([sys.id, swap.id, data.id].sort());
  });

  it('list and list detail find it by name (a regular expression); the summary is id, name, links', async () => {
    const { demo } = api().nova;
    const list = await demo.call('GET', `/servers?name=${encodeURIComponent(`^${run}$`)}`);
    expect(list.status).toBe(200);
    ctx.record('GET /servers', list.body);
    expect(list.body.servers.map((s: { id: string }) => s.id)).toEqual([serverId]);
    expect(Object.keys(list.body.servers[0]).sort()).toEqual(['id', 'links', 'name']);
    const detail = await demo.call('GET', `/servers/detail?name=${encodeURIComponent(run)}`);
    expect(detail.body.servers.map((s: { id: string }) => s.id)).toEqual([serverId]);
    const none = await demo.call('GET', `/servers/detail?name=${encodeURIComponent(`${run}-nobody`)}`);
    expect(none.body.servers).toEqual([]);
  });

  it("the server's port: port list --device-id finds one on private at the fixed IP, compute:nova", async () => {
    const ports = await api().neutron.demo.call('GET', `/ports?device_id=${serverId}`);
    expect(ports.status).toBe(200);
    ctx.record('GET /ports?device_id', ports.body);
    expect(ports.body.ports).toHaveLength(1);
    const [port] = ports.body.ports;
    expect(port).toMatchObject({ network_id: networkId, device_id: serverId, device_owner: 'compute:nova' });
    expect(port.fixed_ips).toEqual([{ subnet_id: expect.any(String), ip_address: FIXED_IP }]);
    const byIp = await api().neutron.demo.call('GET', `/ports?fixed_ips=ip_address%3D${FIXED_IP}`);
    expect(byIp.body.ports.map((p: { id: string }) => p.id)).toEqual([port.id]);
  });

  it('delete: 204; server and port go, delete_on_termination volumes go, the data disk is available', async () => {
    const { demo } = api().nova;
    const { sys, swap, data } = disks!;
    const deleted = await demo.call('DELETE', `/servers/${serverId}`);
    expect(deleted.status).toBe(204);
    await waitServerGone(demo, serverId!);
    const gone = await demo.call('GET', `/servers/${serverId}`);
    expect(gone.body).toEqual({ itemNotFound: { code: 404, message: `Instance ${serverId} could not be found.` } });
    await waitForVolume(ctx, data.id, 'available');
    expect((await volumeOf(ctx, data.id))?.attachments).toEqual([]);
    for (const id of [sys.id, swap.id]) await waitForVolume(ctx, id, 'gone');
    await waitLong('the port gone', async () => {
      const ports = await api().neutron.demo.call('GET', `/ports?device_id=${serverId}`);
      return ports.body.ports.length === 0;
    });
    expect((await ctx.demo().call('DELETE', `/volumes/${data.id}`)).status).toBe(202);
    await waitForVolume(ctx, data.id, 'gone');
    expect(await serverOf(demo, serverId!)).toBeUndefined();
  });
}
