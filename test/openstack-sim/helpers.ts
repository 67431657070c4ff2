import { afterAll, beforeAll } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../openstack-sim/index';
import { waitForWith } from '../support/wait-for';

/** Short delays so state machines settle within a test, but still observable as transient states. */
export const FAST: SimulatorOptions = {
  createDelayMs: 150,
  plainCreateDelayMs: 60,
  deleteDelayMs: 60,
  serverBootDelayMs: 150,
  serverDeleteDelayMs: 60,
};

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

export interface Session {
  token: string;
  projectId: string;
  userId: string;
  catalog: any[];
  volume: Api;
  compute: Api;
}

export interface Api {
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  put(path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  del(path: string, headers?: Record<string, string>): Promise<Reply>;
}

export async function call(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    // A server that never answers fails the call, not the whole test by its timeout.
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export function api(baseUrl: string, token: string): Api {
  const auth = (h?: Record<string, string>) => ({ 'X-Auth-Token': token, ...h });
  return {
    get: (path, h) => call('GET', baseUrl + path, undefined, auth(h)),
    post: (path, body, h) => call('POST', baseUrl + path, body ?? {}, auth(h)),
    put: (path, body, h) => call('PUT', baseUrl + path, body ?? {}, auth(h)),
    del: (path, h) => call('DELETE', baseUrl + path, undefined, auth(h)),
  };
}

export function passwordAuth(user: string, password: string, project: string | undefined) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
      ...(project ? { scope: { project: { name: project, domain: { id: 'default' } } } } : {}),
    },
  };
}

/** Logs in as one of the default users and finds the service URLs in the catalog, as a client would. */
export async function login(
  sim: RunningSimulator,
  user = 'admin',
  password = `${user}-secret`,
  project = user,
): Promise<Session> {
  const reply = await call('POST', `${sim.authUrl}/auth/tokens`, passwordAuth(user, password, project));
  if (reply.status !== 201) throw new Error(`login ${user} failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  const token = reply.headers.get('x-subject-token')!;
  const catalog = reply.body.token.catalog as any[];
  const endpoint = (type: string) =>
    catalog.find((s) => s.type === type).endpoints.find((e: any) => e.interface === 'public').url as string;
  return {
    token,
    projectId: reply.body.token.project.id,
    userId: reply.body.token.user.id,
    catalog,
    volume: api(endpoint('volumev3'), token),
    compute: api(endpoint('compute'), token),
  };
}

/** Polls every 20 ms, 5 s unless told: the simulator's FAST transitions settle well within that. */
export const waitFor = waitForWith({ timeoutMs: 5000, intervalMs: 20 });

export async function volumeStatus(s: Session, id: string): Promise<string | undefined> {
  const reply = await s.volume.get(`/volumes/${id}`);
  return reply.status === 404 ? undefined : reply.body.volume.status;
}

/** Waits until the volume reaches `status` ("gone" = 404) and returns it. */
export async function waitForVolume(s: Session, id: string, status: string, timeoutMs = 5000): Promise<string> {
  return waitFor(
    `volume ${id} ${status}`,
    async () => ((await volumeStatus(s, id)) ?? 'gone') === status && status,
    timeoutMs,
  );
}

export async function snapshotByName(s: Session, name: string): Promise<any> {
  const reply = await s.volume.get(`/snapshots/detail?name=${encodeURIComponent(name)}`);
  return reply.body.snapshots[0];
}

/** Creates an available volume from the seeded ubuntu snapshot; returns its id. */
export async function createVolume(s: Session, extra: Record<string, unknown> = {}): Promise<string> {
  const snapshot = await snapshotByName(s, 'ubuntu-24.04');
  const reply = await s.volume.post('/volumes', {
    volume: { snapshot_id: snapshot?.id, volume_type: 'ssd', ...extra },
  });
  if (reply.status !== 202) throw new Error(`create failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  await waitForVolume(s, reply.body.volume.id, 'available');
  return reply.body.volume.id;
}

/** Starts a simulator for the file's tests and stops it afterwards. */
export function useSimulator(options: SimulatorOptions = FAST): () => RunningSimulator {
  let sim: RunningSimulator | undefined;
  beforeAll(async () => {
    sim = await startSimulator(options);
  });
  afterAll(async () => {
    await sim?.stop();
  });
  return () => {
    if (!sim) throw new Error('simulator not started');
    return sim;
  };
}

export interface TestCloud {
  sim: RunningSimulator;
  admin: Session;
  demo: Session;
}

/** Starts a simulator for the file's tests with admin and demo logged in; `assign` receives them. */
export function useCloud(assign: (cloud: TestCloud) => void, options: SimulatorOptions = FAST): void {
  const started = useSimulator(options);
  beforeAll(async () => {
    const sim = started();
    assign({ sim, admin: await login(sim), demo: await login(sim, 'demo') });
  });
}
