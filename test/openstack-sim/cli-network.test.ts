/**
 * The simulator's neutron and nova driven by the Debian clients: `openstack network list`,
 * `nova boot` from a volume with a fixed IP, `openstack port list --server`, and the rename the
 * `openstack volume set --name` sends (display_name).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_NETWORK_ID, type RunningSimulator } from '../../openstack-sim/index';
import { useSimulator, waitFor } from './helpers';
import { cliRunner, properties, requireClients } from './cli-harness';

describe('openstack/nova CLIs: networks, boot with a fixed IP, ports', () => {
  const started = useSimulator({
    plainCreateDelayMs: 50,
    serverBootDelayMs: 200,
    serverDeleteDelayMs: 50,
    deleteDelayMs: 50,
  });
  let sim: RunningSimulator;
  const { cli, ok } = cliRunner(() => sim);
  const json = async (user: string, args: string[]) => JSON.parse(await ok(user, 'openstack', [...args, '-f', 'json']));
  const cinder = (...args: string[]) => ok('demo', 'cinder', args);

  beforeAll(() => {
    requireClients(['openstack', 'cinder', 'nova']);
    sim = started();
  });

  /** A 1 GB volume of the demo tenant, available. */
  const volume = async (name: string): Promise<string> => {
    const id = properties(await cinder('create', '--name', name, '1')).id;
    await waitFor(`${name} available`, async () => properties(await cinder('show', id)).status === 'available', 20_000);
    // nova boots only from a volume cinder calls bootable (an empty one is not).
    await cinder('set-bootable', id, 'true');
    return id;
  };
  const bootArgs = (volumeId: string, nic: string, name: string) => [
    'boot',
    '--flavor',
    '1',
    '--block-device',
    `source=volume,id=${volumeId},dest=volume,bootindex=0,shutdown=remove`,
    '--nic',
    nic,
    name,
  ];

  it('openstack network list / subnet list show the seeded private network', async () => {
    const networks = await json('demo', ['network', 'list']);
    expect(networks).toEqual([expect.objectContaining({ ID: DEFAULT_NETWORK_ID, Name: 'private' })]);
    const subnets = await json('demo', ['subnet', 'list', '--network', DEFAULT_NETWORK_ID]);
    expect(subnets).toEqual([expect.objectContaining({ Network: DEFAULT_NETWORK_ID, Subnet: '10.0.0.0/24' })]);
  });

  it('nova boot --nic net-id=…,v4-fixed-ip=… boots from the volume; port list --server finds its port', async () => {
    const bootVolume = await volume('cli-boot');
    const booted = properties(
      await ok('demo', 'nova', bootArgs(bootVolume, `net-id=${DEFAULT_NETWORK_ID},v4-fixed-ip=10.0.0.23`, 'cli-vm')),
    );
    expect(booted).toMatchObject({ name: 'cli-vm', status: 'BUILD', 'private network': '10.0.0.23' });
    const id = booted.id;
    await waitFor(
      'cli-vm ACTIVE',
      async () => properties(await ok('demo', 'nova', ['show', id])).status === 'ACTIVE',
      20_000,
    );

    const ports = await json('demo', ['port', 'list', '--server', id]);
    expect(ports).toEqual([
      expect.objectContaining({
        Status: 'ACTIVE',
        'Fixed IP Addresses': [expect.objectContaining({ ip_address: '10.0.0.23' })],
      }),
    ]);

    const taken = await cli(
      'demo',
      'nova',
      bootArgs(await volume('cli-boot-2'), `net-id=${DEFAULT_NETWORK_ID},v4-fixed-ip=10.0.0.23`, 'cli-vm2'),
    );
    expect(taken.ok).toBe(false);
    expect(taken.stderr).toContain(`Fixed IP address 10.0.0.23 is already in use on instance ${id}. (HTTP 400)`);

    await ok('demo', 'nova', ['delete', id]);
    await waitFor('cli-vm gone', async () => !(await cli('demo', 'nova', ['show', id])).ok, 20_000);
    expect(await json('demo', ['port', 'list', '--device-id', id])).toEqual([]);
  });

  it('openstack volume set --name (display_name on the wire) renames', async () => {
    const id = await volume('cli-rename');
    await ok('demo', 'openstack', [
      'volume',
      'set',
      '--name',
      'cli-renamed',
      '--description',
      'via display_description',
      id,
    ]);
    expect(properties(await cinder('show', id))).toMatchObject({
      name: 'cli-renamed',
      description: 'via display_description',
    });
  });
});
