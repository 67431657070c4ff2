import { describe, expect, it } from 'vitest';
import { DEFAULT_NETWORK_ID, type RunningSimulator } from '../../openstack-sim/index';
import { call, createVolume, FAST, type Session, useCloud, waitFor, waitForVolume } from './helpers';

describe('nova v2.1 servers', () => {
  let sim: RunningSimulator;
  let admin: Session;
  let demo: Session;
  useCloud((cloud) => ({ sim, admin, demo } = cloud));

  const bootBody = (bootVolume: string, extra: Record<string, unknown> = {}, fixedIp?: string) => ({
    server: {
      name: 'vm',
      flavorRef: '2',
      block_device_mapping_v2: [
        {
          boot_index: 0,
          uuid: bootVolume,
          source_type: 'volume',
          destination_type: 'volume',
          delete_on_termination: true,
        },
      ],
      networks: [{ uuid: DEFAULT_NETWORK_ID, ...(fixedIp ? { fixed_ip: fixedIp } : {}) }],
      ...extra,
    },
  });

  const serverState = async (id: string) => {
    const reply = await admin.compute.get(`/servers/${id}`);
    return reply.status === 404 ? 'gone' : (reply.body.server.status as string);
  };

  it('serves version documents without a token', async () => {
    const root = await call('GET', `${sim.url}/compute/`);
    expect(root.body.versions.map((v: { id: string }) => v.id)).toEqual(['v2.0', 'v2.1']);
    const v21 = await call('GET', `${sim.url}/compute/v2.1`);
    expect(v21.status).toBe(200);
    expect(v21.body.version).toMatchObject({ id: 'v2.1', status: 'CURRENT', min_version: '2.1' });
  });

  it('lists and shows flavors', async () => {
    const list = await demo.compute.get('/flavors');
    expect(list.body.flavors.map((f: { name: string }) => f.name)).toContain('m1.small');
    const small = await demo.compute.get('/flavors/2');
    expect(small.body.flavor).toMatchObject({ id: '2', name: 'm1.small', ram: 2048, vcpus: 1, disk: 20 });
    expect((await demo.compute.get('/flavors/detail')).body.flavors[0].ram).toBeGreaterThan(0);
    expect((await demo.compute.get('/flavors/99')).status).toBe(404);
  });

  const bootTitle =
    'boots from volumes: BUILD -> ACTIVE, volumes reserved -> in-use; delete honours delete_on_termination';
  it(bootTitle, async () => {
    const boot = await createVolume(admin, { name: 'boot' });
    const data = (await admin.volume.post('/volumes', { volume: { size: 1, name: 'data' } })).body.volume.id;
    await waitForVolume(admin, data, 'available');
    const body = bootBody(boot, {}, '10.0.0.50');
    body.server.block_device_mapping_v2.push({
      boot_index: 1,
      uuid: data,
      source_type: 'volume',
      destination_type: 'volume',
      delete_on_termination: false,
    });
    const created = await admin.compute.post('/servers', body);
    expect(created.status).toBe(202);
    const { id, links, adminPass } = created.body.server;
    expect(adminPass).toEqual(expect.any(String));
    expect(links[0].href).toBe(`${sim.url}/compute/v2.1/servers/${id}`);
    expect(created.headers.get('location')).toBe(links[0].href);

    const building = (await admin.compute.get(`/servers/${id}`)).body.server;
    expect(building).toMatchObject({
      status: 'BUILD',
      'OS-EXT-STS:vm_state': 'building',
      'OS-EXT-STS:task_state': 'spawning',
    });
    expect((await admin.volume.get(`/volumes/${boot}`)).body.volume).toMatchObject({
      status: 'reserved',
      attachments: [],
    });

    await waitFor('server ACTIVE', async () => (await serverState(id)) === 'ACTIVE');
    const active = (await admin.compute.get(`/servers/${id}`, { 'OpenStack-API-Version': 'compute 2.79' })).body.server;
    expect(active.addresses.private[0]).toMatchObject({ addr: '10.0.0.50', version: 4, 'OS-EXT-IPS:type': 'fixed' });
    expect(active['os-extended-volumes:volumes_attached']).toEqual([
      { id: boot, delete_on_termination: true },
      { id: data, delete_on_termination: false },
    ]);
    const bootVolume = (await admin.volume.get(`/volumes/${boot}`)).body.volume;
    expect(bootVolume.status).toBe('in-use');
    expect(bootVolume.attachments[0]).toMatchObject({ server_id: id, device: '/dev/vda', volume_id: boot });
    const attachments = (await admin.compute.get(`/servers/${id}/os-volume_attachments`)).body.volumeAttachments;
    expect(attachments.map((a: { device: string }) => a.device)).toEqual(['/dev/vda', '/dev/vdb']);

    expect((await admin.compute.get('/servers')).body.servers).toContainEqual({
      id,
      name: 'vm',
      links: expect.any(Array),
    });
    expect((await admin.compute.get('/servers/detail?name=^vm$')).body.servers[0].id).toBe(id);
    expect((await demo.compute.get(`/servers/${id}`)).body).toEqual({
      itemNotFound: { code: 404, message: `Instance ${id} could not be found.` },
    });

    expect((await admin.compute.del(`/servers/${id}`)).status).toBe(204);
    await waitFor('server gone', async () => (await serverState(id)) === 'gone');
    await waitForVolume(admin, boot, 'gone');
    const kept = (await admin.volume.get(`/volumes/${data}`)).body.volume;
    expect(kept).toMatchObject({ status: 'available', attachments: [] });
  });

  it('refuses a fixed IP another server holds (nova: 400 FixedIpAlreadyInUse)', async () => {
    const first = await admin.compute.post('/servers', bootBody(await createVolume(admin), {}, '10.0.0.77'));
    expect(first.status).toBe(202);
    const second = await admin.compute.post('/servers', bootBody(await createVolume(admin), {}, '10.0.0.77'));
    // nova names the device of the port holding the address (checked against nova 26).
    const message = `Fixed IP address 10.0.0.77 is already in use on instance ${first.body.server.id}.`;
    expect(second.body).toEqual({ badRequest: { code: 400, message } });
    // once the holder is gone the address is free again
    await admin.compute.del(`/servers/${first.body.server.id}`);
    await waitFor('server gone', async () => (await serverState(first.body.server.id)) === 'gone');
    expect((await admin.compute.post('/servers', bootBody(await createVolume(admin), {}, '10.0.0.77'))).status).toBe(
      202,
    );
  });

  it('validates requests with nova’s 400s', async () => {
    const volume = await createVolume(admin);
    const inUse = await createVolume(admin);
    sim.faults.takeVolume(inUse, { kind: 'attach' });
    const cases: [unknown, string][] = [
      [
        { server: { flavorRef: '1' } },
        "Invalid input for field/attribute server. Value: {'flavorRef': '1'}. 'name' is a required property",
      ],
      [bootBody(volume, { flavorRef: '99' }), 'Invalid flavorRef provided.'],
      [bootBody('nope'), 'Block Device Mapping is Invalid: failed to get volume nope.'],
      [bootBody(inUse), `Invalid volume: volume '${inUse}' status must be 'available'. Currently in 'in-use'`],
      [bootBody(volume, { networks: [{ uuid: 'no-such-net' }] }), 'Network no-such-net could not be found.'],
      [
        bootBody(volume, { networks: [{ uuid: DEFAULT_NETWORK_ID, fixed_ip: '10.0.0' }] }),
        "Invalid input for field/attribute fixed_ip. Value: 10.0.0. '10.0.0' is not a 'ipv4'",
      ],
      [
        bootBody(volume, {
          block_device_mapping_v2: [{ boot_index: 1, uuid: volume, source_type: 'volume', destination_type: 'volume' }],
        }),
        'Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping ' +
          'combination is not valid.',
      ],
    ];
    for (const [body, message] of cases) {
      const reply = await admin.compute.post('/servers', body);
      expect(reply.body, JSON.stringify(body)).toEqual({ badRequest: { code: 400, message } });
    }
    const noNetworks = await admin.compute.post('/servers', bootBody(volume, { networks: undefined }), {
      'OpenStack-API-Version': 'compute 2.37',
    });
    expect(noNetworks.body.badRequest.message).toMatch(/'networks' is a required property$/);
    // another project's volume is invisible to nova on the caller's behalf
    expect((await demo.compute.post('/servers', bootBody(volume))).body.badRequest.message).toBe(
      `Block Device Mapping is Invalid: failed to get volume ${volume}.`,
    );
    expect((await admin.volume.get(`/volumes/${volume}`)).body.volume.status).toBe('available');
  });

  it('a fixed IP outside the subnets is 202, then ERROR; the build deletes delete_on_termination volumes', async () => {
    const boot = await createVolume(admin);
    const kept = await createVolume(admin);
    const body = bootBody(boot, {}, '10.9.0.5');
    body.server.block_device_mapping_v2.push({
      boot_index: 1,
      uuid: kept,
      source_type: 'volume',
      destination_type: 'volume',
      delete_on_termination: false,
    });
    const created = await admin.compute.post('/servers', body);
    expect(created.status).toBe(202);
    const id = created.body.server.id;
    await waitFor('server ERROR', async () => (await serverState(id)) === 'ERROR');
    const server = (await admin.compute.get(`/servers/${id}`)).body.server;
    expect(server.fault).toMatchObject({
      code: 500,
      message:
        `Build of instance ${id} aborted: Invalid input received: ` +
        `Fixed IP 10.9.0.5 is not a valid ip address for network ${DEFAULT_NETWORK_ID}.`,
    });
    expect(server.addresses).toEqual({});
    // real nova deletes the delete_on_termination volumes of a failed build, even ones the tenant had before
    await waitForVolume(admin, boot, 'gone');
    const survivor = (await admin.volume.get(`/volumes/${kept}`)).body.volume;
    expect(survivor).toMatchObject({ status: 'available', attachments: [] });
    // the ERROR server can still be deleted; its volumes are no longer its business
    expect((await admin.compute.del(`/servers/${id}`)).status).toBe(204);
    await waitFor('server gone', async () => (await serverState(id)) === 'gone');
    expect((await admin.volume.get(`/volumes/${kept}`)).body.volume.status).toBe('available');
  });

  it('an injected compute failure aborts the next build: fault; port, delete_on_termination volumes gone', async () => {
    sim.faults.failNextBoots(1);
    expect(sim.faults.pendingBootFailures()).toBe(1);
    const volume = await createVolume(admin);
    const id = (await admin.compute.post('/servers', bootBody(volume, {}, '10.0.0.88'))).body.server.id;
    expect(sim.faults.pendingBootFailures()).toBe(0);
    const ports = `${sim.url}/networking/v2.0/ports?device_id=${id}`;
    await waitFor('server ERROR', async () => (await serverState(id)) === 'ERROR');
    const server = (await admin.compute.get(`/servers/${id}`)).body.server;
    expect(server.fault.message).toBe(
      `Build of instance ${id} aborted: Failed to allocate the network(s), not rescheduling.`,
    );
    expect((await call('GET', ports, undefined, { 'X-Auth-Token': admin.token })).body.ports).toEqual([]);
    await waitForVolume(admin, volume, 'gone');
    // the next build is fine again
    const next = (await admin.compute.post('/servers', bootBody(await createVolume(admin)))).body.server.id;
    await waitFor('server ACTIVE', async () => (await serverState(next)) === 'ACTIVE');
    // and over HTTP, with a reason of one's own
    const reason = { count: 1, reason: 'No valid host was found.' };
    const injected = await call('POST', `${sim.url}/_sim/fail-boots`, reason, { 'X-Auth-Token': admin.token });
    expect(injected.status).toBe(204);
    const third = (await admin.compute.post('/servers', bootBody(await createVolume(admin)))).body.server.id;
    await waitFor('server ERROR', async () => (await serverState(third)) === 'ERROR');
    expect((await admin.compute.get(`/servers/${third}`)).body.server.fault.message).toBe(
      `Build of instance ${third} aborted: No valid host was found.`,
    );
  });

  it('puts a server in ERROR when its volume vanishes during the build', async () => {
    const volume = await createVolume(admin);
    const id = (await admin.compute.post('/servers', bootBody(volume))).body.server.id;
    sim.faults.vanishVolume(volume);
    await waitFor('server ERROR', async () => (await serverState(id)) === 'ERROR');
    const server = (await admin.compute.get(`/servers/${id}`)).body.server;
    expect(server.fault).toMatchObject({
      code: 500,
      message: expect.stringContaining(`Volume ${volume} could not be found`),
    });
  });

  // A boot held 2 s, not FAST's 150 ms: the port is read while the build runs, which 150 ms did not
  // leave room for when the machine ran other test files beside this one.
  describe('an aborted build, boot held 2 s', () => {
    let slow: RunningSimulator;
    let slowAdmin: Session;
    useCloud((cloud) => ({ sim: slow, admin: slowAdmin } = cloud), { ...FAST, serverBootDelayMs: 2_000 });

    it('has its port while it builds, none once aborted', async () => {
      slow.faults.failNextBoots(1);
      const volume = await createVolume(slowAdmin);
      const id = (await slowAdmin.compute.post('/servers', bootBody(volume, {}, '10.0.0.88'))).body.server.id;
      const ports = `${slow.url}/networking/v2.0/ports?device_id=${id}`;
      const auth = { 'X-Auth-Token': slowAdmin.token };
      expect((await call('GET', ports, undefined, auth)).body.ports).toHaveLength(1);
      expect((await slowAdmin.compute.get(`/servers/${id}`)).body.server.status).toBe('BUILD');
      await waitFor('no port', async () => (await call('GET', ports, undefined, auth)).body.ports.length === 0);
      expect((await slowAdmin.compute.get(`/servers/${id}`)).body.server.status).toBe('ERROR');
    });
  });
});
