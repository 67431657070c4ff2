// The operator suites run the real start command (bin/start.ts) in a child process, on free ports
// and a throw-away data folder, and read everything it prints; stop() ends it with SIGINT (it stops
// what it started, by PID) and removes the folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeystoneSession } from '../../openstack/keystone';
import { freePort } from '../setup/free-port';

const START = join(import.meta.dirname, '../../bin/start.ts');

export interface StartedBlockflow {
  api: string;
  /** Keystone's URL: the embedded simulator's, or OS_AUTH_URL when the run was given a cloud. */
  keystone: string;
  temporalUi: string;
  apiToken: string;
  /** The run's BLOCKFLOW_DATA_DIR (removed by stop()). */
  dataDir: string;
  /** Everything the process printed so far (stdout and stderr, in order). */
  output(): string;
  /** Calls the API with the bearer token; JSON body in and out. */
  call(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  stop(): Promise<number | null>;
}

export async function startBlockflow(env: Record<string, string> = {}): Promise<StartedBlockflow> {
  const dataDir = mkdtempSync(join(tmpdir(), 'blockflow-operator-'));
  const ports = {
    API_PORT: await freePort(),
    TEMPORAL_PORT: await freePort(),
    TEMPORAL_UI_PORT: await freePort(),
    POSTGRES_PORT: await freePort(),
    SIMULATOR_PORT: await freePort(),
  };
  const apiToken = `operator-${Date.now()}-token`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', START], {
    env: {
      ...process.env,
      BLOCKFLOW_DATA_DIR: dataDir,
      API_TOKEN: apiToken,
      // npm test runs at warn; the start command's own lines (and "ready") are info.
      LOG_LEVEL: 'info',
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "ready" within 180 s:\n${out}`)), 180_000);
    const poll = setInterval(() => {
      if (!out.includes('— Ctrl-C to stop')) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve();
    }, 100);
    void exited.then((code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`start exited ${code}:\n${out}`));
    });
  });
  const api = `http://127.0.0.1:${ports.API_PORT}`;
  return {
    api,
    keystone: env.OS_AUTH_URL ?? `http://127.0.0.1:${ports.SIMULATOR_PORT}/identity/v3`,
    temporalUi: `http://127.0.0.1:${ports.TEMPORAL_UI_PORT}`,
    apiToken,
    dataDir,
    output: () => out,
    async call(path, init = {}) {
      const res = await fetch(`${api}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          Authorization: `Bearer ${apiToken}`,
          ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const code = await exited;
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** The simulator's `demo` tenant (README's walk-through): a project-scoped Keystone token. */
export async function demoToken(b: StartedBlockflow): Promise<string> {
  const session = new KeystoneSession({
    authUrl: b.keystone,
    username: 'demo',
    password: 'demo-secret',
    projectName: 'demo',
    userDomainName: 'Default',
    projectDomainName: 'Default',
  });
  return (await session.authenticate()).token;
}

/** POST /v1/servers as the tenant, then polls until the build settles; returns the build. */
export async function buildServer(b: StartedBlockflow, token: string, name: string, timeoutMs = 60_000): Promise<any> {
  const headers = { 'X-Auth-Token': token, 'Content-Type': 'application/json' };
  const body = { name, osName: 'Debian9 64bit', volumeType: 'ssd', flavor: 'm1.small', swapGb: 1, dataGb: 1 };
  const res = await fetch(`${b.api}/v1/servers`, { method: 'POST', headers, body: JSON.stringify(body) });
  const started = (await res.json()) as { id: string };
  if (res.status !== 202) throw new Error(`POST /v1/servers: ${res.status} ${JSON.stringify(started)}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const build = (await (await fetch(`${b.api}/v1/servers/${started.id}`, { headers })).json()) as { status: string };
    if (build.status !== 'building') return build;
    if (Date.now() > deadline) throw new Error(`build ${started.id} still building: ${JSON.stringify(build)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
