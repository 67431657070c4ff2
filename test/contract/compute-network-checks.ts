// Neutron and Nova's network rules, run against both clouds: the shared network "private" and its
// subnet as a tenant sees them; a fixed IP the tenant's port holds (400), an unknown network (400), an
// address outside the network's subnets (202, then ERROR: the compute node aborts the build, deleting
// the delete_on_termination volumes) and one another project's port holds (202, then ERROR: the build
// is rescheduled with no host left, its volumes detached and none deleted until the server is).
import { expect, it } from 'vitest';
import {
  bootBody,
  computeApis,
  privateNetworkId,
  settledServer,
  tenantVolume,
  volumeOf,
  waitForVolume,
  waitLong,
  waitServerGone,
  type ComputeApis,
} from './compute-apis';
import { IMAGE_SNAPSHOT } from '../../contract/accounts';
import type { ContractContext } from './context';

const HELD_IP = '10.0.0.202';
const OUTSIDE_IP = '192.168.77.5';
const OTHER_IP = '10.0.0.203';
const UNKNOWN_NETWORK = '3c1a9a53-0d8e-4f0e-9a43-5d7b0c1e2f00';

export function computeNetworkChecks(ctx: ContractContext): void {
  const run = `net-${ctx.target}-${Date.now().toString(36)}`;
  let apis: ComputeApis | undefined;
  const api = () => {
    if (!apis) throw new Error(`the ${ctx.target} cloud's compute APIs are not known (did it come up?)`);
    return apis;
  };
  let networkId = '';
  let holder: string | undefined;
  let spare: string | undefined;

  it('networks: the tenant sees "private" (shared, one subnet 10.0.0.0/24, gateway .1); unknown is 404', async () => {
    apis = await computeApis(ctx);
    const { demo } = api().neutron;
    networkId = await privateNetworkId(demo);
    const list = await demo.call('GET', `/networks?name=private`);
    ctx.record('GET /networks', list.body);
    const show = await demo.call('GET', `/networks/${networkId}`);
    expect(show.status).toBe(200);
    ctx.record('GET /networks/{id}', show.body);
    expect(show.body.network).toMatchObject({ id: networkId, name: 'private', shared: true, status: 'ACTIVE' });
    expect(show.body.network.subnets).toHaveLength(1);
    const subnets = await demo.call('GET', `/subnets?network_id=${networkId}`);
    expect(subnets.status).toBe(200);
    ctx.record('GET /subnets', subnets.body);
    expect(subnets.body.subnets).toEqual([
      expect.objectContaining({
        id: show.body.network.subnets[0],
        network_id: networkId,
        ip_version: 4,
        cidr: '10.0.0.0/24',
        gateway_ip: '10.0.0.1',
        allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.254' }],
      }),
    ]);
    const missing = await demo.call('GET', `/networks/${UNKNOWN_NETWORK}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      NeutronError: {
        type: 'NetworkNotFound',
        message: `Network ${UNKNOWN_NETWORK} could not be found.`,
        detail: '',
      },
    });
  });

  it("a fixed IP the tenant's server holds is 400 naming it; unknown network 400; neither takes a volume", async () => {
    const { demo } = api().nova;
    const [first, second] = await Promise.all(['a', 'b'].map((d) => tenantVolume(ctx, `${run}-${d}`, true)));
    spare = second;
    const boot = await demo.call(
      'POST',
      '/servers',
      bootBody(`${run}-holder`, [{ id: first, bootIndex: 0, deleteOnTermination: true }], {
        uuid: networkId,
        fixed_ip: HELD_IP,
      }),
    );
    expect(boot.status, JSON.stringify(boot.body)).toBe(202);
    holder = boot.body.server.id;
    expect((await settledServer(demo, holder!)).status).toBe('ACTIVE');

    const disk = [{ id: second, bootIndex: 0, deleteOnTermination: false }];
    const taken = await demo.call(
      'POST',
      '/servers',
      bootBody(`${run}-taken`, disk, { uuid: networkId, fixed_ip: HELD_IP }),
    );
    expect(taken.status).toBe(400);
    expect(taken.body).toEqual({
      badRequest: { code: 400, message: `Fixed IP address ${HELD_IP} is already in use on instance ${holder}.` },
    });
    const unknown = await demo.call('POST', '/servers', bootBody(`${run}-unknown`, disk, { uuid: UNKNOWN_NETWORK }));
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      badRequest: { code: 400, message: `Network ${UNKNOWN_NETWORK} could not be found.` },
    });
    expect((await volumeOf(ctx, second))?.status).toBe('available');
    const listed = await demo.call('GET', `/servers?name=${encodeURIComponent(`${run}-(taken|unknown)`)}`);
    expect(listed.body.servers).toEqual([]);
  });

  it('an address outside the subnets: 202, then ERROR, fault; delete_on_termination volumes deleted', async () => {
    const { demo } = api().nova;
    const keep = spare!;
    const lose = await tenantVolume(ctx, `${run}-lose`, true);
    const boot = await demo.call(
      'POST',
      '/servers',
      bootBody(
        `${run}-outside`,
        [
          { id: lose, bootIndex: 0, deleteOnTermination: true },
          { id: keep, bootIndex: null, deleteOnTermination: false },
        ],
        { uuid: networkId, fixed_ip: OUTSIDE_IP },
      ),
    );
    expect(boot.status, JSON.stringify(boot.body)).toBe(202);
    const id: string = boot.body.server.id;
    const server = await settledServer(demo, id);
    ctx.record('GET /servers/{id} (ERROR)', { server });
    expect(server.status).toBe('ERROR');
    expect(server['OS-EXT-STS:vm_state']).toBe('error');
    expect(server.fault).toMatchObject({
      code: 500,
      message:
        `Build of instance ${id} aborted: Invalid input received: ` +
        `Fixed IP ${OUTSIDE_IP} is not a valid ip address for network ${networkId}.`,
    });
    expect(server.addresses).toEqual({});
    expect((await api().neutron.demo.call('GET', `/ports?device_id=${id}`)).body.ports).toEqual([]);
    // Real nova's _cleanup_volumes on a build abort: delete_on_termination volumes are deleted.
    await waitForVolume(ctx, lose, 'gone');
    await waitForVolume(ctx, keep, 'available');
    expect((await volumeOf(ctx, keep))?.attachments).toEqual([]);

    expect((await demo.call('DELETE', `/servers/${id}`)).status).toBe(204);
    await waitServerGone(demo, id);
    expect((await volumeOf(ctx, keep))?.status).toBe('available');
  });

  it("an address another project's server holds: 202, then ERROR (rescheduled, no host); volumes kept", async () => {
    const { admin, demo } = api().nova;
    // The admin project's server on OTHER_IP, booted from a clone of the OS image snapshot (bootable).
    const snapshots = await ctx.admin().call('GET', `/snapshots?name=${encodeURIComponent(IMAGE_SNAPSHOT.name)}`);
    const made = await ctx.admin().call('POST', '/volumes', {
      volume: { name: `${run}-admin`, size: IMAGE_SNAPSHOT.sizeGb, snapshot_id: snapshots.body.snapshots[0].id },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(202);
    await waitLong('the admin volume available', async () => {
      const reply = await ctx.admin().call('GET', `/volumes/${made.body.volume.id}`);
      return reply.body.volume.status === 'available';
    });
    const other = await admin.call(
      'POST',
      '/servers',
      bootBody(`${run}-other`, [{ id: made.body.volume.id, bootIndex: 0, deleteOnTermination: true }], {
        uuid: networkId,
        fixed_ip: OTHER_IP,
      }),
    );
    expect(other.status, JSON.stringify(other.body)).toBe(202);
    expect((await settledServer(admin, other.body.server.id)).status).toBe('ACTIVE');

    // The tenant cannot see that port, so nova's API lets the boot through; neutron refuses the port on the
    // compute node, nova reschedules, and with no other host the build ends in ERROR.
    const mine = await tenantVolume(ctx, `${run}-mine`, true);
    const boot = await demo.call(
      'POST',
      '/servers',
      bootBody(`${run}-clash`, [{ id: mine, bootIndex: 0, deleteOnTermination: true }], {
        uuid: networkId,
        fixed_ip: OTHER_IP,
      }),
    );
    expect(boot.status, JSON.stringify(boot.body)).toBe(202);
    const id: string = boot.body.server.id;
    const server = await settledServer(demo, id);
    expect(server.status).toBe('ERROR');
    expect(server.fault).toMatchObject({
      code: 500,
      message:
        'Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures ' +
        `for instance ${id}.`,
    });
    expect((await api().neutron.demo.call('GET', `/ports?device_id=${id}`)).body.ports).toEqual([]);
    // Unlike an abort, a reschedule detaches the volumes and deletes none, delete_on_termination or not.
    await waitForVolume(ctx, mine, 'available');
    expect((await volumeOf(ctx, mine))?.attachments).toEqual([]);

    // The build kept its block device mappings: deleting the ERROR server deletes the detached volume after all.
    for (const [nova, serverId] of [
      [demo, id],
      [admin, other.body.server.id as string],
    ] as const) {
      expect((await nova.call('DELETE', `/servers/${serverId}`)).status).toBe(204);
      await waitServerGone(nova, serverId);
    }
    await waitForVolume(ctx, mine, 'gone');
  });

  it('clean-up: the holder deleted with its volume, the spare volume deleted', async () => {
    const { demo } = api().nova;
    expect((await demo.call('DELETE', `/servers/${holder}`)).status).toBe(204);
    await waitServerGone(demo, holder!);
    expect((await ctx.demo().call('DELETE', `/volumes/${spare}`)).status).toBe(202);
    await waitForVolume(ctx, spare!, 'gone');
  });
}
