// The server-create flow's contract: Keystone trusts, users and token validation, and Cinder's
// quota on a transfer accepted through a trust plus the request bodies the CLIs send, run against
// the built-in simulator AND the real Keystone 22 + Cinder 21 (contract/). Codes, messages and
// JSON shapes are compared; the last suite asserts every shape the real cloud produced is the
// simulator's too. (Nova and Neutron are not in the real peer: test/openstack-sim covers them.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCloud, type CloudClients } from '../../openstack/cloud';
import { SIMULATOR_ADMIN, SIMULATOR_TENANT } from '../../infra/stack';
import { cinderBodyChecks } from './cinder-body-checks';
import type { ContractContext } from './context';
import { rawVolumeApi, type RawVolumeApi } from './raw';
import { ShapeBook } from './shapes';
import { startReal, startSim, type Target } from './targets';
import { trustChecks } from './trust-checks';

const shapes = new ShapeBook();
const TARGETS = [
  ['simulator', startSim],
  ['real', startReal],
] as const;

describe.each(TARGETS)('contract (trusts, quota, bodies): %s', (target, start) => {
  let cloud: Target | undefined;
  let clients: CloudClients | undefined;
  let admin: RawVolumeApi | undefined;
  let demo: RawVolumeApi | undefined;
  let ids: ReturnType<ContractContext['ids']> | undefined;
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error(`the ${target} cloud did not come up`);
    return value;
  };
  const ctx: ContractContext = {
    target,
    cloud: () => ready(cloud),
    clients: () => ready(clients),
    admin: () => ready(admin),
    demo: () => ready(demo),
    ids: () => ready(ids),
    async tokens() {
      const [a, d] = await Promise.all([
        ready(clients).admin.session.authenticate(),
        ready(clients).tenant(SIMULATOR_TENANT).session.authenticate(),
      ]);
      return { admin: a.token, demo: d.token };
    },
    record: (what, value) => shapes.record(target, what, value),
  };

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
    ids = {
      adminUserId: adminAuth.userId,
      adminProjectId: adminAuth.projectId,
      demoUserId: demoAuth.userId,
      demoProjectId: demoAuth.projectId,
    };
    admin = await rawVolumeApi(connected.admin.session);
    demo = await rawVolumeApi(connected.tenant(SIMULATOR_TENANT).session);
    clients = connected;
  }, 240_000);
  afterAll(async () => {
    await cloud?.stop();
  }, 60_000);

  describe('keystone: users, trusts, token validation', () => trustChecks(ctx));
  describe('cinder: quota on accept through a trust, request bodies', () => cinderBodyChecks(ctx));
});

describe('contract (trusts, quota, bodies): simulator vs real', () => {
  it("every JSON shape the real cloud answered with is the simulator's too", () => {
    const recorded = shapes.names('real');
    expect(recorded.length, 'the real cloud recorded no shapes (did it come up?)').toBeGreaterThan(8);
    expect(shapes.differences('real', 'simulator')).toEqual([]);
  });
});
