// Bad configuration stops `npm start` with one line naming the setting and no
// stack trace, before anything heavy (PostgreSQL, Temporal) is started.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../openstack-sim';
import { freePort } from '../setup/free-port';

const START = join(import.meta.dirname, '../../bin/start.ts');
let sim: RunningSimulator;
const dataDir = mkdtempSync(join(tmpdir(), 'blockflow-failfast-'));

let closedPort = 0;
beforeAll(async () => {
  sim = await startSimulator();
  closedPort = await freePort();
});
afterAll(async () => {
  await sim?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', START], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, BLOCKFLOW_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr: stderr.trim() })));
}

// Functions: the simulator's URL is known only once beforeAll has run.
const realCloud =
  (overrides: Record<string, string> = {}) =>
  () => ({
    OS_AUTH_URL: sim.authUrl,
    OS_ADMIN_USERNAME: 'admin',
    OS_ADMIN_PASSWORD: 'admin-secret',
    OS_ADMIN_PROJECT: 'admin',
    ...overrides,
  });

describe('start command with bad configuration', () => {
  it.each([
    [
      'unreachable auth URL',
      () => realCloud({ OS_AUTH_URL: `http://127.0.0.1:${closedPort}/v3` })(),
      /^blockflow: OS_AUTH_URL=http:\/\/127\.0\.0\.1:\d+\/v3: Keystone is unreachable there \(ECONNREFUSED\)$/,
    ],
    [
      'wrong password',
      realCloud({ OS_ADMIN_PASSWORD: 'not-the-password' }),
      /^blockflow: OS_ADMIN_PASSWORD: Keystone at .* rejected user "admin" \(401\)$/,
    ],
    [
      'missing password',
      realCloud({ OS_ADMIN_PASSWORD: '' }),
      /^blockflow: (missing|invalid) setting OS_ADMIN_PASSWORD/,
    ],
    [
      'malformed auth URL',
      realCloud({ OS_AUTH_URL: 'keystone-please' }),
      /^blockflow: invalid setting OS_AUTH_URL="keystone-please": /,
    ],
    ['non-numeric port', () => ({ API_PORT: 'eighty' }), /^blockflow: invalid setting API_PORT="eighty": /],
    [
      'bad database URL',
      () => ({ DATABASE_URL: 'mysql://x' }),
      /^blockflow: invalid setting DATABASE_URL="mysql:\/\/x": must be a postgresql:\/\/ URL$/,
    ],
    [
      'short API token',
      () => ({ API_TOKEN: 'short' }),
      /^blockflow: invalid setting API_TOKEN="short": must be at least 16 characters$/,
    ],
  ])('%s → one clear line, exit 1, nothing started', async (_name, env, expected) => {
    const { code, stderr } = await start(env());
    expect(code).toBe(1);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(expected);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(stderr).not.toContain('not-the-password'); // passwords never printed
    // Nothing heavy was started: no data of PostgreSQL or Temporal (how fast it stops is not asserted:
    // a time bound only measures the machine's load; it failed beside other test files at 16.6 s).
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
