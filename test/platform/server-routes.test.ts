// The tenant's server routes (issue 20): who may do what (finding 7), a build whose workflow could
// not be started (finding 11), and GET /v1/servers paged as Nova pages, deleted rows expiring (10).
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { validateToken } from '../../openstack/trusts';
import { BUILD_START_GRACE_MS, DELETED_RETENTION_MS } from '../../servers/builds';
import { startedIn } from '../../activities/servers/reaper';
import { reapServerBuilds } from '../../servers/trust-reaper';
import { reapServerBuilds as reapWorkflow } from '../../workflows';
import { API_TOKEN, type Platform } from './harness';
import { run } from './pool-fixture';
import { serverRequest, startServerPlatform, tenantApi, waitForBuild } from './server-fixture';
import { ROLE_USERS, trustsOf, userId, userToken } from './server-trusts-users';

let p: Platform;
let demo: string;
let reader: string;

beforeAll(async () => {
  p = await startServerPlatform({ sim: { users: ROLE_USERS } });
  [demo, reader] = await Promise.all([userToken(p, 'demo'), userToken(p, 'demo-reader')]);
});
afterAll(async () => p?.close());

const isStarted = (id: string) => startedIn(p.client)(id);
const reap = (now = Date.now(), started = isStarted) =>
  reapServerBuilds({ prisma: p.prisma, cloud: p.cloud, isStarted: started }, now);
const create = (name: string, headers?: Record<string, string>) =>
  tenantApi(p, '/v1/servers', { method: 'POST', token: demo, body: serverRequest(name), headers });

/** The API as it answers while Temporal cannot be reached (its frontend down for a moment). */
const apiWithoutTemporal = () =>
  apiWith(
    new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s', interceptors: [] }) }),
  );

/** The API as it answers while Temporal refuses every start (reads of workflows still answered). */
const apiRefusingStarts = () =>
  apiWith(
    new Client({
      connection: p.client.connection,
      namespace: p.client.options.namespace,
      interceptors: { workflow: [{ start: () => Promise.reject(new Error('start refused')) }] },
    }),
  );

function apiWith(temporal: Client) {
  const app = createApp({ temporal, taskQueue: p.taskQueue, prisma: p.prisma, cloud: p.cloud, apiToken: API_TOKEN });
  const call = async (method: string, path: string, body?: object, key?: string) => {
    const headers = {
      'Content-Type': 'application/json',
      'X-Auth-Token': demo,
      ...(key && { 'Idempotency-Key': key }),
    };
    const res = await app.request(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, headers: res.headers, body: JSON.parse(await res.text()) };
  };
  const post = (name: string, key?: string) => call('POST', '/v1/servers', serverRequest(name), key);
  return Object.assign(post, { del: (id: string) => call('DELETE', `/v1/servers/${id}`) });
}

describe('roles', () => {
  it('a reader may list and read a build but neither create nor delete it (403 naming member)', async () => {
    const made = await create('roles1');
    expect(made.status).toBe(202);
    await waitForBuild(p, demo, made.body.id);
    expect((await tenantApi(p, `/v1/servers/${made.body.id}`, { token: reader })).status).toBe(200);
    const listed = await tenantApi(p, '/v1/servers', { token: reader });
    expect(listed.body.servers.map((s: { id: string }) => s.id)).toContain(made.body.id);

    const refused = await tenantApi(p, `/v1/servers/${made.body.id}`, { method: 'DELETE', token: reader });
    expect(refused.status, JSON.stringify(refused.body)).toBe(403);
    expect(refused.body.message).toContain('"member"');
    expect(await trustsOf(p, await userId(p, 'demo-reader'))).toEqual([]);
    expect((await tenantApi(p, `/v1/servers/${made.body.id}`, { token: reader })).body.status).toBe('active');

    const deleted = await tenantApi(p, `/v1/servers/${made.body.id}`, { method: 'DELETE', token: demo });
    expect(deleted.status).toBe(202);
    expect(await waitForBuild(p, demo, made.body.id)).toMatchObject({ status: 'deleted' });
  });
});

describe('a build whose workflow could not be started', () => {
  it('answers 503, not a dead 202; the retry with the same key starts it', async () => {
    const post = await apiWithoutTemporal();
    const first = await post('start1', 'start1-key');
    expect(first.status, JSON.stringify(first.body)).toBe(503);
    expect(first.headers.get('retry-after')).toBeTruthy();
    expect(first.body.message).toContain('Idempotency-Key');
    const retry = await create('start1', { 'Idempotency-Key': 'start1-key' });
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    expect(await waitForBuild(p, demo, retry.body.id)).toMatchObject({ status: 'active', name: 'start1' });
  });

  it('one nobody retries is failed by the reaper once the start grace has passed, its trust deleted', async () => {
    const post = await apiWithoutTemporal();
    expect((await post('start2')).status).toBe(503);
    const row = await p.prisma.serverBuild.findFirstOrThrow({ where: { name: 'start2' } });
    expect((await reap()).buildsFailed).not.toContain(row.id);
    const later = await reap(row.createdAt.getTime() + BUILD_START_GRACE_MS + 1_000);
    expect(later.buildsFailed).toContain(row.id);
    const seen = await tenantApi(p, `/v1/servers/${row.id}`, { token: demo });
    expect(seen.body).toMatchObject({ status: 'failed', step: 'accepted' });
    expect(seen.body.failureReason).toMatch(/never started/);
    expect(await trustsOf(p, await userId(p, 'demo'))).not.toContain(row.trustId);
  });

  it('a retry whose start fails again records its own trust; the first is deleted once a start succeeded', async () => {
    const post = apiRefusingStarts();
    expect((await post('start3', 'start3-key')).status).toBe(503);
    const first = await p.prisma.serverBuild.findFirstOrThrow({ where: { name: 'start3' } });
    expect((await post('start3', 'start3-key')).status).toBe(503);
    const second = await p.prisma.serverBuild.findUniqueOrThrow({ where: { id: first.id } });
    const held = await trustsOf(p, await userId(p, 'demo'));
    expect(second.trustId).not.toBe(first.trustId); // the row names the trust the latest start was given
    expect(held).toEqual(expect.arrayContaining([first.trustId, second.trustId]));
    const retry = await create('start3', { 'Idempotency-Key': 'start3-key' });
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    expect(await trustsOf(p, await userId(p, 'demo'))).not.toContain(second.trustId);
    expect(await waitForBuild(p, demo, first.id)).toMatchObject({ status: 'active' });
  });

  it('the reaper does not fail a build whose retry recorded a new trust meanwhile, nor delete its trust', async () => {
    expect((await apiRefusingStarts()('start4', 'start4-key')).status).toBe(503);
    const row = await p.prisma.serverBuild.findFirstOrThrow({ where: { name: 'start4' } });
    // The retry's write lands between the reaper's read of the row and its fail.
    const retried = async (id: string) => {
      if (id !== row.id) return isStarted(id);
      await p.prisma.serverBuild.update({ where: { id }, data: { trustId: 'retry-trust' } });
      return false;
    };
    const pass = await reap(row.createdAt.getTime() + BUILD_START_GRACE_MS + 1_000, retried);
    expect(pass.buildsFailed).not.toContain(row.id);
    const after = await p.prisma.serverBuild.findUniqueOrThrow({ where: { id: row.id } });
    expect(after).toMatchObject({ status: 'building', trustId: 'retry-trust' });
    expect(await trustsOf(p, await userId(p, 'demo'))).toContain(row.trustId);
    await p.prisma.serverBuild.update({ where: { id: row.id }, data: { status: 'failed', trustId: row.trustId } });
  });
});

describe('Idempotency-Key', () => {
  it('a retry with the key and another body: 422 naming the field, the first build untouched', async () => {
    const headers = { 'Idempotency-Key': 'idem1-key' };
    const made = await create('idem1', headers);
    expect(made.status).toBe(202);
    const other = await tenantApi(p, '/v1/servers', {
      method: 'POST',
      token: demo,
      body: serverRequest('idem1', { dataGb: 3 }),
      headers,
    });
    expect(other.status, JSON.stringify(other.body)).toBe(422);
    expect(other.body.field).toBe('dataGb');
    // Its start having failed, the retry still builds only what the first request asked.
    expect((await apiRefusingStarts()('idem2', 'idem2-key')).status).toBe(503);
    const renamed = await create('idem2-other', { 'Idempotency-Key': 'idem2-key' });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(422);
    expect(renamed.body.field).toBe('name');
    expect(await waitForBuild(p, demo, made.body.id)).toMatchObject({ status: 'active', request: { dataGb: 2 } });
  });
});

describe('DELETE /v1/servers/{id}', () => {
  it('while Temporal cannot be reached: 503 with Retry-After, the build as it was', async () => {
    const made = await create('del1');
    expect(await waitForBuild(p, demo, made.body.id)).toMatchObject({ status: 'active' });
    const res = await apiWithoutTemporal().del(made.body.id);
    expect(res.status, JSON.stringify(res.body)).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect((await tenantApi(p, `/v1/servers/${made.body.id}`, { token: demo })).body.status).toBe('active');
    const deleted = await tenantApi(p, `/v1/servers/${made.body.id}`, { method: 'DELETE', token: demo });
    expect(deleted.status).toBe(202);
    expect(await waitForBuild(p, demo, made.body.id)).toMatchObject({ status: 'deleted' });
  });
});

describe('GET /v1/servers', () => {
  let projectId: string;
  const ids = ['page-a', 'page-b', 'page-c', 'page-d', 'page-e'];
  beforeAll(async () => {
    projectId = (await validateToken(p.cloud.admin.session, await userToken(p, 'alt'))).projectId;
    const base = Date.parse('2026-01-01T00:00:00Z');
    // Two rows share a creation time: the id breaks the tie, so a page boundary between them holds.
    const at = [base + 4, base + 3, base + 3, base + 1, base];
    await p.prisma.serverBuild.createMany({
      data: ids.map((id, i) => ({ ...row(id, projectId), createdAt: new Date(at[i]) })),
    });
  });

  it('pages as Nova does: limit, marker, a next link while a page is full', async () => {
    const alt = await userToken(p, 'alt');
    const seen: string[] = [];
    let next: string | undefined = '/v1/servers?limit=2';
    while (next) {
      const res = await tenantApi(p, next, { token: alt });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      seen.push(...res.body.servers.map((s: { id: string }) => s.id));
      next = res.body.servers_links?.find((l: { rel: string }) => l.rel === 'next')?.href;
      expect(res.body.servers.length).toBeLessThanOrEqual(2);
    }
    expect(seen).toEqual(['page-a', 'page-c', 'page-b', 'page-d', 'page-e']);
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=x', 'limit'],
      ['marker=nonesuch', 'marker'],
    ]) {
      const bad = await tenantApi(p, `/v1/servers?${query}`, { token: alt });
      expect(bad.status, query).toBe(400);
      expect(bad.body.field).toBe(field);
    }
  });

  it('a deleted build is listed for the retention period, then neither listed nor kept', async () => {
    const alt = await userToken(p, 'alt');
    const old = new Date(Date.now() - DELETED_RETENTION_MS - 60_000);
    const recent = new Date(Date.now() - 60_000);
    await p.prisma.serverBuild.createMany({
      data: [
        { ...row('gone-old', projectId), status: 'deleted', finishedAt: old },
        { ...row('gone-new', projectId), status: 'deleted', finishedAt: recent },
      ],
    });
    // What else a build id keys goes with the row: a new POST with the same key must not find it.
    await p.prisma.systemDiskHandout.createMany({ data: ['gone-old', 'gone-new'].map(handout) });
    const listed = (await tenantApi(p, '/v1/servers', { token: alt })).body.servers.map((s: { id: string }) => s.id);
    expect(listed).toContain('gone-new');
    expect(listed).not.toContain('gone-old');
    await run(p, reapWorkflow);
    expect(
      await p.prisma.serverBuild.findMany({ where: { id: { startsWith: 'gone-' } }, select: { id: true } }),
    ).toEqual([{ id: 'gone-new' }]);
    const handouts = await p.prisma.systemDiskHandout.findMany({ where: { buildId: { startsWith: 'gone-' } } });
    expect(handouts.map((h) => h.buildId)).toEqual(['gone-new']);
  });
});

const row = (id: string, projectId: string) => ({
  id,
  projectId,
  userId: 'u',
  name: id,
  osName: 'Debian9 64bit',
  volumeType: 'ssd',
  flavorId: '1',
  swapGb: 0,
  dataGb: 0,
  networkId: 'n',
  status: 'active',
  step: 'active',
});
const handout = (buildId: string) => ({
  buildId,
  volumeId: `vol-${buildId}`,
  volumeType: 'ssd',
  osName: 'Debian9 64bit',
  snapshotId: 's',
  path: 'pool-hit',
  handoverMs: 1,
});
