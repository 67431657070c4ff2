// No secret in a whole run's log: the start command against a cloud that records the secrets it hands
// out, with debug logging, through auth (bearer and Keystone tokens, trusts), pool rounds, server builds
// whose system disks are handed over with transfer auth keys (pool hits and a fallback), a delete, and
// refused requests; then every byte the run printed and every log file in its data folder is searched.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorSeed } from '../../infra/stack';
import { readPoolConfig } from '../../pool/settings';
import { DEFAULT_USERS } from '../../openstack-sim';
import { waitForWith } from '../support/wait-for';
import { startRecordingCloud, type RecordingCloud } from './recording-cloud';
import { buildServer, demoToken, startBlockflow, type StartedBlockflow } from './start-command';

const waitFor = waitForWith({ timeoutMs: 90_000, intervalMs: 250 });
const ADMIN_PASSWORD = 'admin-secret';
const TENANT_PASSWORD = 'demo-secret';

let cloud: RecordingCloud;
let b: StartedBlockflow;
let dataLogs = '';
let output = '';

/** Every file under `dir` that looks like a log (the Temporal server's, PostgreSQL's, blockflow's). */
function logFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => /\.log$/.test(f) && statSync(f).isFile());
}

beforeAll(async () => {
  cloud = await startRecordingCloud({
    seed: simulatorSeed(readPoolConfig('config/pool.json')),
    users: DEFAULT_USERS,
    createDelayMs: 300,
    plainCreateDelayMs: 100,
    serverBootDelayMs: 200,
  });
  b = await startBlockflow({
    OS_AUTH_URL: cloud.authUrl,
    OS_ADMIN_USERNAME: 'admin',
    OS_ADMIN_PASSWORD: ADMIN_PASSWORD,
    OS_ADMIN_PROJECT: 'admin',
    MANAGED_NETWORKS: 'private',
    LOG_LEVEL: 'debug',
  });
  expect((await b.call('/v1/pool/rounds', { method: 'POST', body: { kind: 'replenish' } })).status).toBe(202);
  await waitFor('3 spares of ssd/Debian9 available', async () => {
    await b.call('/v1/pool/rounds', { method: 'POST', body: { kind: 'reconcile' } });
    const kinds = (await b.call('/v1/pool')).body.kinds as { volumeType: string; osName: string; available: number }[];
    return kinds.some((k) => k.volumeType === 'ssd' && k.osName === 'Debian9 64bit' && k.available >= 3);
  });
  await b.call('/v1/pool/schedules/pause', {
    method: 'POST',
    body: { note: 'no refill: the fourth build falls back' },
  });
  const token = await demoToken(b);
  // Builds drain the kind's spares (hits), then fall back to a create; a round that was already running
  // may still add a spare, so build until the fallback rather than counting on exactly three hits.
  const builds: { id: string; status: string; path: string }[] = [];
  while (!builds.some((x) => x.path === 'fallback') && builds.length < 8)
    builds.push(await buildServer(b, token, `s${builds.length + 1}`, 120_000));
  expect(builds.every((x) => x.status === 'active')).toBe(true);
  expect(builds.filter((x) => x.path === 'pool-hit').length).toBeGreaterThanOrEqual(3);
  expect(builds.at(-1)?.path).toBe('fallback');
  const del = await fetch(`${b.api}/v1/servers/${builds[0].id}`, {
    method: 'DELETE',
    headers: { 'X-Auth-Token': token },
  });
  expect(del.status).toBeLessThan(300);
  // Refused requests: a wrong bearer token, a wrong Keystone token, a body carrying a password.
  expect(
    (await fetch(`${b.api}/v1/pool/rounds`, { method: 'POST', headers: { Authorization: 'Bearer wrong-token-1234' } }))
      .status,
  ).toBe(401);
  expect(
    (await fetch(`${b.api}/v1/servers`, { headers: { 'X-Auth-Token': 'not-a-keystone-token-5678' } })).status,
  ).toBe(401);
  const bad = await fetch(`${b.api}/v1/servers`, {
    method: 'POST',
    headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'x', password: TENANT_PASSWORD }),
  });
  expect(bad.status).toBe(400);
  await b.call('/v1/pool/rounds', { method: 'POST', body: { kind: 'reconcile' } });
  await new Promise((r) => setTimeout(r, 2000)); // let the last round and the delete log what they log
  dataLogs = logFiles(b.dataDir)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  expect(await b.stop(), b.output().slice(-4000)).toBe(0);
  output = b.output();
}, 400_000);

afterAll(async () => {
  await b?.stop();
  await cloud?.stop();
});

describe('a whole run', () => {
  it('handled secrets of every kind', () => {
    expect(cloud.authKeys.size).toBeGreaterThanOrEqual(4); // one hand-over per build, at least 4 builds
    expect(cloud.tokens.size).toBeGreaterThanOrEqual(3); // admin, tenant, trust-scoped
  });

  it('logged what it did, one event per line', () => {
    expect(output).toMatch(/ INFO  api request method=POST path=\/v1\/servers status=202 ms=\d+/);
    expect(output).toMatch(/ (INFO |DEBUG) workflow \S/); // workflows' own log calls, through the same logger
    expect(output).toMatch(/ (INFO |DEBUG) (worker|activity) \S/);
    // No multi-line dumps: a line either starts a new event or is the start command's own line.
    const stray = output
      .split('\n')
      .filter((l) => l && !/^\d{4}-\d\d-\d\dT\S+Z (DEBUG|INFO |WARN |ERROR) \S/.test(l) && !/^\[blockflow\] /.test(l));
    expect(stray).toEqual([]);
  });

  it('printed no password, token or auth key, nor wrote one to a log file', () => {
    const secrets = [ADMIN_PASSWORD, TENANT_PASSWORD, b.apiToken, ...cloud.tokens, ...cloud.authKeys];
    const everything = `${output}\n${dataLogs}`;
    const leaked = secrets.filter((s) => everything.includes(s));
    expect(leaked).toEqual([]);
    expect(dataLogs.length).toBeGreaterThan(0);
    // Bytes would hide a secret from this search: payloads print as their size (observability/redact.ts).
    expect(output).not.toMatch(/\{"0":\d+,"1":\d+/);
    expect(output).toMatch(/\[\d+ bytes\]/);
  });
});
