// The README's start command, for real: it comes up (Temporal with its Web UI, PostgreSQL, the
// simulator, worker, API), reports healthy, stops everything it started on SIGINT, and a second
// start finds the workflow history and the database rows of the first.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { isAlive } from '../../infra/processes';
import { freePort } from '../setup/free-port';

const START = join(import.meta.dirname, '../../bin/start.ts');
const dataDir = mkdtempSync(join(tmpdir(), 'blockflow-restart-'));
let running: ChildProcess | undefined;
afterAll(() => {
  if (running?.exitCode === null) running.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const getJson = async (url: string, token?: string): Promise<any> =>
  (await fetch(url, token ? { headers: { Authorization: `Bearer ${token}` } } : {})).json();
// The operator's token for reads that start work (the inventory runs a workflow).
const API_TOKEN = 'start-restart-test-token';

async function ports() {
  return {
    API_PORT: await freePort(),
    TEMPORAL_PORT: await freePort(),
    TEMPORAL_UI_PORT: await freePort(),
    POSTGRES_PORT: await freePort(),
    SIMULATOR_PORT: await freePort(),
    API_TOKEN,
  };
}

/** Starts bin/start.ts and resolves with its output once it prints "ready". */
function start(env: Record<string, number | string>): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', START], {
    env: {
      ...process.env,
      BLOCKFLOW_DATA_DIR: dataDir,
      LOG_LEVEL: 'info', // its start-up lines, which npm test's LOG_LEVEL=warn would hide
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running = child;
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "ready" within 120 s:\n${out}`)), 120_000);
    child.stdout!.on('data', () => {
      if (out.includes('— Ctrl-C to stop')) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`start exited ${code}:\n${out}`));
    });
  });
}

async function stop(child: ChildProcess, output: () => string): Promise<void> {
  const pids = [...output().matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
  expect(pids.length).toBeGreaterThanOrEqual(2); // PostgreSQL and Temporal
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  for (const pid of pids) expect(isAlive(pid), `pid ${pid} still running`).toBe(false);
  expect(output()).toContain('stopped PostgreSQL');
  expect(output()).toContain('stopped Temporal server');
  expect(output()).not.toContain('failed');
}

describe('npm start', () => {
  it('comes up healthy, stops by PID on Ctrl-C, and keeps history and rows across a restart', async () => {
    const env = await ports();
    const api = `http://127.0.0.1:${env.API_PORT}`;
    const first = await start(env);
    const health = await getJson(`${api}/healthz`);
    expect(health).toMatchObject({ status: 'ok', temporal: { up: true }, database: { up: true }, cloud: { up: true } });
    const ui = await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('<html');
    const inventory = await getJson(`${api}/v1/cloud/inventory`, API_TOKEN);
    const catalogBefore = (await getJson(`${api}/v1/pool/catalog`)).images;
    expect(catalogBefore.length).toBeGreaterThan(0);
    await stop(first.child, first.output);

    const second = await start(env);
    expect(second.output()).toMatch(/database migrated: 0 applied, \d+ already there/);
    expect(second.output()).not.toContain('pool settings loaded'); // seeded once, kept
    const catalogAfter = (await getJson(`${api}/v1/pool/catalog`)).images;
    expect(catalogAfter).toEqual(catalogBefore);
    const connection = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_PORT}` });
    try {
      const described = await new Client({ connection }).workflow.getHandle(inventory.workflowId).describe();
      expect(described.status.name).toBe('COMPLETED');
    } finally {
      await connection.close();
    }
    await stop(second.child, second.output);
  });
});
