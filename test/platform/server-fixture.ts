// What the server-build platform tests share: a pool filled with available spares, the
// simulator's "private" network managed by blockflow, tenants' Keystone tokens, and calls of
// the tenant routes with them.
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { KeystoneSession } from '../../openstack/keystone';
import { DEFAULT_USERS, type SimulatorOptions } from '../../openstack-sim';
import type { PoolConfig } from '../../pool/settings';
import { reconcilePool, replenishPool } from '../../workflows';
import { waitFor, type Platform } from './harness';
import { run, startPool, testPoolConfig } from './pool-fixture';

export const TENANTS = {
  demo: { username: 'demo', password: 'demo-secret', project: 'demo' },
  alt: { username: 'alt', password: 'alt-secret', project: 'alt' },
} as const;

export const SERVER_USERS = [
  ...DEFAULT_USERS,
  { name: 'alt', password: 'alt-secret', project: 'alt', role: 'member' as const },
];

export interface ServerPlatformOptions {
  config?: Partial<PoolConfig>;
  sim?: SimulatorOptions;
  unsafeNoLocking?: boolean;
  /** Addresses of "private" blockflow keeps back besides the gateway (POST /v1/networks `reserved`). */
  reserved?: string[];
  /**
   * false: the in-process worker only sets the pool up (catalog, fill) and is stopped before this
   * returns, so workers the test runs itself (child processes) are the only ones on the queue.
   */
  worker?: boolean;
}

/** The pool filled to its targets (every spare available), "private" managed, both tenants able to log in. */
export async function startServerPlatform(opts: ServerPlatformOptions = {}): Promise<Platform> {
  const config = testPoolConfig({ targetHighDemand: 2, targetLowDemand: 2, ...opts.config });
  const p = await startPool(config, { users: SERVER_USERS, ...opts.sim }, { unsafeNoLocking: opts.unsafeNoLocking });
  await resetServerTables(p);
  await fillPool(p);
  const res = await p.api('/v1/networks', { method: 'POST', body: { network: 'private', reserved: opts.reserved } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  if (opts.worker === false) await p.stopWorker();
  return p;
}

/**
 * A test file's server platform and the demo tenant's token: started before its tests (handed to
 * `use`), closed after them. `fillEachTest`: each test starts with no injected fault left over from
 * the one before and the pool filled again (every build takes a spare: each starts from a pool hit).
 */
export function useServerPlatform(
  use: (p: Platform, demoToken: string) => void,
  opts: ServerPlatformOptions & { fillEachTest?: boolean } = {},
) {
  let p: Platform | undefined;
  beforeAll(async () => {
    p = await startServerPlatform(opts);
    use(p, await tenantToken(p, 'demo'));
  });
  if (opts.fillEachTest)
    beforeEach(async () => {
      expect(p!.sim.faults.pendingCreateFailures()).toBe(0);
      expect(p!.sim.faults.pendingRequestFailures()).toBe(0);
      await fillPool(p!);
    });
  afterAll(async () => p?.close());
}

export async function resetServerTables(p: Platform): Promise<void> {
  await p.prisma.$executeRaw`TRUNCATE server_builds, system_disk_handouts, managed_networks, fixed_ips`;
}

/** Replenish, then reconcile until every spare is available. */
export async function fillPool(p: Platform): Promise<void> {
  await run(p, replenishPool);
  await waitFor('every spare available', async () => {
    await run(p, reconcilePool);
    return (await p.prisma.spareVolume.count({ where: { status: { not: 'available' } } })) === 0;
  });
}

/** A fresh project-scoped Keystone token of a tenant user, from the simulator's Keystone. */
export async function tenantToken(p: Platform, who: keyof typeof TENANTS = 'demo'): Promise<string> {
  const { username, password, project } = TENANTS[who];
  const session = new KeystoneSession({
    authUrl: p.sim.authUrl,
    username,
    password,
    projectName: project,
    userDomainName: 'Default',
    projectDomainName: 'Default',
  });
  return (await session.authenticate()).token;
}

export interface TenantCall {
  method?: string;
  body?: unknown;
  token: string | null;
  headers?: Record<string, string>;
}

/** A tenant route called with a Keystone token (and no operator token). */
export async function tenantApi(p: Platform, path: string, call: TenantCall) {
  const res = await fetch(`${p.apiUrl}${path}`, {
    method: call.method ?? 'GET',
    headers: {
      ...(call.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(call.token ? { 'X-Auth-Token': call.token } : {}),
      ...call.headers,
    },
    body: call.body !== undefined ? JSON.stringify(call.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

export const serverRequest = (name: string, overrides: Record<string, unknown> = {}) => ({
  name,
  osName: 'Debian9 64bit',
  volumeType: 'ssd',
  flavor: 'm1.small',
  swapGb: 1,
  dataGb: 2,
  ...overrides,
});

/** Polls GET /v1/servers/{id} until the build is no longer `building` (or `deleting`). */
export async function waitForBuild(p: Platform, token: string, id: string, timeoutMs = 60_000) {
  return waitFor(
    `build ${id} to settle`,
    async () => {
      const res = await tenantApi(p, `/v1/servers/${id}`, { token });
      expect(res.status).toBe(200);
      return res.body.status !== 'building' && res.body.status !== 'deleting' && res.body;
    },
    timeoutMs,
  );
}
