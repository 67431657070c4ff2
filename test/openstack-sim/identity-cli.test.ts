/**
 * Setting up a tenant with the real Debian `openstack` client against the simulator, as an operator does it:
 * project create, user create, role add, then the new user works in its project. The same calls are checked
 * against the real Keystone, with refusals and conflicts, in test/contract/tenant-setup-checks.ts (each client call
 * here costs ~3 s of Python start-up, so this test keeps to the set-up itself).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../openstack-sim/index';
import { cliRunner, clientEnv, requireClients, run } from './cli-harness';
import { FAST, useSimulator } from './helpers';

describe('tenant set-up with the openstack CLI against the simulator', () => {
  const started = useSimulator(FAST);
  let sim: RunningSimulator;
  const { ok } = cliRunner(() => sim);
  const osc = async (...args: string[]) => JSON.parse(await ok('admin', 'openstack', [...args, '-f', 'json']));

  beforeAll(() => {
    requireClients(['openstack']);
    sim = started();
  });

  it('project create, user create, role add; the new user lists the volumes of its project', async () => {
    const project = await osc('project', 'create', '--description', 'a tenant', 'acme');
    expect(project).toMatchObject({ name: 'acme', description: 'a tenant', enabled: true, domain_id: 'default' });
    const user = await osc('user', 'create', '--password', 'acme-pw', '--project', 'acme', 'alice');
    expect(user).toMatchObject({ name: 'alice', default_project_id: project.id, enabled: true });
    expect(user).not.toHaveProperty('password');
    await ok('admin', 'openstack', ['role', 'add', '--project', 'acme', '--user', 'alice', 'member']);

    // The new user, with its own credentials.
    const env = { ...clientEnv(sim, 'alice'), OS_PASSWORD: 'acme-pw', OS_PROJECT_NAME: 'acme' };
    const listed = await run('openstack', ['volume', 'list', '-f', 'json'], { env, timeout: 60_000 });
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });
});
