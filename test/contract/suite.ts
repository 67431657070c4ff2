// One contract target's set-up, shared by the suites built on check lists (trust-checks.ts, …):
// starts the cloud, connects the project's clients as admin and tenant, reads their ids, opens raw
// Cinder for both, and stops the cloud after. The checks read it all through the returned context.
import { afterAll, beforeAll } from 'vitest';
import { connectCloud, type CloudClients } from '../../openstack/cloud';
import { SIMULATOR_ADMIN, SIMULATOR_TENANT } from '../../infra/stack';
import type { ContractContext } from './context';
import { rawVolumeApi, type RawVolumeApi } from './raw';
import type { ShapeBook } from './shapes';
import type { Target } from './targets';

export function useContractTarget(target: string, start: () => Promise<Target>, shapes: ShapeBook): ContractContext {
  let cloud: Target | undefined;
  let clients: CloudClients | undefined;
  let admin: RawVolumeApi | undefined;
  let demo: RawVolumeApi | undefined;
  let ids: ReturnType<ContractContext['ids']> | undefined;
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error(`the ${target} cloud did not come up`);
    return value;
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

  return {
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
}
