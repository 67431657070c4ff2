// Scale-out as an operator does it when one machine is not enough: PostgreSQL and Temporal are the
// shared engines, blockflow's processes are stateless — here three `--role worker` and two
// `--role api` processes of the start command against one of each. Both API replicas start at once
// (start-up work is done once), either serves what the other accepted, and a worker SIGKILLed
// while it runs a replenish round leaves the round to the other two.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { startEphemeralServices, type EphemeralServices } from '../../infra/ephemeral';
import { joinSimulatedDeployment, SIMULATOR_ADMIN, SIMULATOR_TENANT, simulatorSeed } from '../../infra/stack';
import { startSimulator, type RunningSimulator } from '../../openstack-sim';
import { SYNC_OS_WORKFLOW_ID } from '../../pool/schedules';
import { freePort } from '../setup/free-port';
import { waitForWith } from '../support/wait-for';
import { connectCloud } from '../../openstack/cloud';
import { KeystoneSession } from '../../openstack/keystone';

const waitFor = waitForWith({ timeoutMs: 60_000, intervalMs: 200 });
const when = <T>(value: T, ok: (v: T) => boolean) => (ok(value) ? value : undefined);
type Kind = { status: string; available: number; creating: number };

const START = join(import.meta.dirname, '../../bin/start.ts');
const API_TOKEN = 'scale-out-token-0123456789';
// 2 types × 2 OSes × 3 spares, created 1 s apart: a round of ~12 s to kill a worker in.
const POOL = {
  volumeTypes: ['sas', 'ssd'],
  osHighDemand: ['Debian9 64bit'],
  osLowDemand: ['Centos7.3 64bit'],
  targetHighDemand: 3,
  targetLowDemand: 3,
  replenishIntervalSeconds: 3600,
  reconcileIntervalSeconds: 3600,
  createIntervalSeconds: 1,
  throttleMode: 'fixed' as const,
  snapshotNamePattern: '^sysdisk-(?<type>[a-z0-9]+)-(?<os>.+)$',
};
const TARGET_TOTAL = 12;

interface Started {
  child: ChildProcess;
  output: () => string;
}

let services: EphemeralServices;
let sim: RunningSimulator;
let temporal: Client;
let dir: string;
const children: ChildProcess[] = [];
const apis: string[] = [];
const workers = new Map<number, Started>();

/** One process of the start command in `role`; resolves once it says it is ready. */
function startRole(role: 'api' | 'worker', env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', START, '--role', role], {
    env: {
      ...process.env,
      BLOCKFLOW_DATA_DIR: join(dir, `${role}-${children.length}`),
      LOG_LEVEL: 'info', // its start-up lines, which npm test's LOG_LEVEL=warn would hide
      ...joinSimulatedDeployment({ ...services, taskQueue: 'scale-out', authUrl: sim.authUrl }),
      API_TOKEN,
      POOL_CONFIG_FILE: join(dir, 'pool.json'),
      MANAGED_NETWORKS: 'private',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  const collect = (d: Buffer) => (out += d);
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role}: not ready in 150 s:\n${out}`)), 150_000);
    child.stdout!.on('data', () => {
      if (!out.includes('— Ctrl-C to stop')) return;
      clearTimeout(timer);
      resolve({ child, output: () => out });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${role} exited (${code ?? signal}) before ready:\n${out}`));
    });
  });
}

async function api(base: string, path: string, init: { method?: string; body?: unknown; headers?: object } = {}) {
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'blockflow-scale-out-'));
  writeFileSync(join(dir, 'pool.json'), JSON.stringify(POOL));
  services = await startEphemeralServices({ name: 'scale-out' });
  sim = await startSimulator({
    createDelayMs: 500,
    plainCreateDelayMs: 100,
    serverBootDelayMs: 200,
    deleteDelayMs: 50,
    seed: simulatorSeed(POOL, { omitLast: false }),
  });
  temporal = new Client({ connection: await Connection.connect({ address: services.temporalAddress }) });
  const ports = [await freePort(), await freePort()];
  // Everything at once, as an orchestrator starts replicas: the start-up work must happen once.
  const started = await Promise.all([
    ...ports.map((port) => startRole('api', { API_PORT: String(port) })),
    startRole('worker'),
    startRole('worker'),
    startRole('worker'),
  ]);
  apis.push(...ports.map((port) => `http://127.0.0.1:${port}`));
  for (const s of started.slice(2)) workers.set(s.child.pid!, s);
}, 300_000);

afterAll(async () => {
  await Promise.all(
    children
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map((c) => new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGTERM')))),
  );
  await temporal?.connection.close();
  await sim?.stop();
  await services?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('scale-out: 3 workers and 2 API replicas on one PostgreSQL and one Temporal', () => {
  it('both replicas serve the same deployment; one bootstrap, one catalog, one set of schedules', async () => {
    const catalog = await waitFor('the first image-catalog sync, run by a worker', async () =>
      when(await api(apis[1]!, '/v1/pool'), (r) => r.body.kinds?.every((k: Kind) => k.status === 'ok')),
    );
    expect(catalog.body.kinds).toHaveLength(4);
    await temporal.workflow.getHandle(SYNC_OS_WORKFLOW_ID).result(); // it resumes replenishment when done
    const [a, b] = await Promise.all(apis.map((base) => api(base, '/v1/pool')));
    expect(a!.body.kinds).toEqual(b!.body.kinds);
    const schedules = [];
    for await (const s of temporal.schedule.list()) schedules.push(s.scheduleId);
    expect(schedules.sort()).toEqual(['pool-reconcile', 'pool-replenish', 'server-reaper']);
  });

  it('a worker SIGKILLed while it runs a replenish round: the other two finish it', async () => {
    expect((await api(apis[0]!, '/v1/pool/rounds', { method: 'POST', body: { kind: 'replenish' } })).status).toBe(202);
    const roundId = await waitFor('the triggered round', async () => {
      for await (const w of temporal.workflow.list({
        query: "WorkflowType='replenishPool' AND ExecutionStatus='Running'",
      }))
        return w.workflowId;
      return undefined;
    });
    const round = temporal.workflow.getHandle(roundId);
    // Mid-round: a few spares made, the round's worker between two creates.
    const made = (r: { body: { kinds: Kind[] } }) => r.body.kinds.reduce((n, k) => n + k.creating + k.available, 0);
    await waitFor('3 spares of the round', async () => when(await api(apis[1]!, '/v1/pool'), (r) => made(r) >= 3));
    const before = await taskIdentities(round);
    const runner = Number(before.at(-1)!.split('@')[0]);
    expect(workers.has(runner)).toBe(true); // the round really runs on one of the three
    workers.get(runner)!.child.kill('SIGKILL');

    const result = (await round.result()) as { created: number };
    const after = (await taskIdentities(round)).slice(before.length);
    expect(after.length).toBeGreaterThan(0);
    // Finished by the others (the killed one may have taken a task just before it died: that one timed out).
    expect(after.at(-1)!.startsWith(`${runner}@`)).toBe(false);
    expect(result.created).toBeGreaterThan(0);

    // Every kind at its target, each spare tracked once, none twice in Cinder.
    // The round leaves its last creates to reconcile, which a replica runs now.
    expect((await api(apis[1]!, '/v1/pool/rounds', { method: 'POST', body: { kind: 'reconcile' } })).status).toBe(202);
    const full = (r: { body: { kinds: Kind[] } }) => r.body.kinds.every((k) => k.available === 3);
    const pool = await waitFor('every kind at its target', async () => {
      const seen = await api(apis[0]!, '/v1/pool');
      if (full(seen)) return seen;
      await api(apis[1]!, '/v1/pool/rounds', { method: 'POST', body: { kind: 'reconcile' } });
      return undefined;
    });
    expect(full(pool)).toBe(true);
    const admin = connectCloud({
      authUrl: sim.authUrl,
      admin: SIMULATOR_ADMIN,
      userDomainName: 'Default',
      projectDomainName: 'Default',
      timeoutMs: 10_000,
    }).admin;
    const spares = (await admin.cinder.listVolumes()).filter((v) => v.name?.startsWith('spare-'));
    expect(new Set(spares.map((v) => v.name)).size).toBe(spares.length);
    expect(spares.length).toBe(TARGET_TOTAL);
  });

  it('a server asked for on one replica is shown, and deleted, through the other', async () => {
    const token = await tenantToken();
    const body = {
      name: 'scaled',
      osName: 'Debian9 64bit',
      volumeType: 'ssd',
      flavor: 'm1.small',
      swapGb: 1,
      dataGb: 1,
    };
    const created = await api(apis[0]!, '/v1/servers', { method: 'POST', body, headers: { 'X-Auth-Token': token } });
    expect(created.status).toBe(202);
    const show = (base: string) => api(base, `/v1/servers/${created.body.id}`, { headers: { 'X-Auth-Token': token } });
    const shown = await waitFor('the build to end', async () =>
      when(await show(apis[1]!), (r) => r.body.status !== 'building'),
    );
    expect(shown.body.status).toBe('active');
    expect(shown.body.path).toBe('pool-hit');
    const del = await api(apis[1]!, `/v1/servers/${created.body.id}`, {
      method: 'DELETE',
      headers: { 'X-Auth-Token': token },
    });
    expect(del.status).toBe(202);
    const gone = await waitFor('the delete', async () =>
      when(await show(apis[0]!), (r) => r.body.status === 'deleted'),
    );
    expect(gone.body.status).toBe('deleted');
  });
});

/** Who ran each of a workflow's tasks, in order (a worker's identity is `<pid>@<host>`). */
async function taskIdentities(handle: ReturnType<Client['workflow']['getHandle']>): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((e) => e.workflowTaskStartedEventAttributes?.identity)
    .filter((id): id is string => !!id);
}

async function tenantToken(): Promise<string> {
  const { username, password, project: projectName } = SIMULATOR_TENANT;
  const session = new KeystoneSession({
    authUrl: sim.authUrl,
    username,
    password,
    projectName,
    userDomainName: 'Default',
    projectDomainName: 'Default',
  });
  return (await session.authenticate()).token;
}
