// Issue 20, finding 8: what a caller without credentials may read. Nothing unauthenticated starts
// work (a workflow) or names a tenant's resources; the operator reads everything with the API
// token as a Bearer token (scripts), and what starts nothing also as the password of HTTP Basic (the
// dashboard in a browser, whose cached credentials go along with another site's requests too).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { API_TOKEN, startPlatform, type Platform } from './harness';

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(async () => {
  await p?.close();
});

const basic = (password: string) => `Basic ${Buffer.from(`operator:${password}`).toString('base64')}`;

/** A raw call: `auth` is the whole Authorization header, or none. */
async function call(path: string, auth?: string, init: RequestInit = {}) {
  const res = await fetch(`${p.apiUrl}${path}`, {
    ...init,
    redirect: 'manual',
    headers: { ...(auth ? { Authorization: auth } : {}), ...(init.headers as Record<string, string>) },
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: the page or a redirect */
  }
  return { status: res.status, headers: res.headers, body };
}

/** Workflows of a type started on this test's task queue. */
async function started(type: string): Promise<number> {
  let n = 0;
  const query = `WorkflowType = '${type}' AND TaskQueue = '${p.taskQueue}'`;
  for await (const _ of p.client.workflow.list({ query })) n++;
  return n;
}

describe('reads without credentials', () => {
  it('start no workflow: a volume view and the cloud inventory need the operator token', async () => {
    const [describeBefore, inventoryBefore] = await Promise.all([started('describeVolume'), started('cloudInventory')]);
    const volume = await call(`/v1/volumes/vol-${randomUUID().slice(0, 8)}?chunks=64`);
    expect(volume.status).toBe(401);
    expect(volume.body).toMatchObject({ error: 'unauthorized' });
    expect((await call('/v1/cloud/inventory')).status).toBe(401);
    expect((await call('/v1/cloud/inventory', undefined, { method: 'HEAD' })).status).toBe(401);
    expect((await call('/v1/volumes/clones/vol-x')).status).toBe(401);
    expect((await call('/v1/drills')).status).toBe(401);
    // Visibility is eventually consistent: give a started workflow time to show.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await started('describeVolume')).toBe(describeBefore);
    expect(await started('cloudInventory')).toBe(inventoryBefore);
    // The operator still reads them, with the token as Bearer.
    expect((await call('/v1/cloud/inventory', `Bearer ${API_TOKEN}`)).status).toBe(200);
  });

  it('name no tenant build: in-flight shows counts only; the operator sees ids and names', async () => {
    const id = `server-${randomUUID()}`;
    const name = `secret-db-${id.slice(7, 15)}`;
    await p.prisma.serverBuild.create({
      data: {
        ...{ id, name, projectId: 'p-tenant', userId: 'u-tenant', osName: 'Debian9 64bit', volumeType: 'ssd' },
        ...{ flavorId: '1', swapGb: 0, dataGb: 0, networkId: 'n', status: 'building', step: 'boot' },
      },
    });
    try {
      const open = await call('/v1/dashboard/in-flight');
      expect(open.status).toBe(200);
      expect(JSON.stringify(open.body)).not.toContain(id);
      expect(JSON.stringify(open.body)).not.toContain(name);
      expect(open.body.hidden.builds).toBeGreaterThanOrEqual(1);
      for (const auth of [`Bearer ${API_TOKEN}`, basic(API_TOKEN)]) {
        const operator = await call('/v1/dashboard/in-flight', auth);
        expect(operator.status).toBe(200);
        expect(operator.body.builds).toContainEqual(expect.objectContaining({ id, name, step: 'boot' }));
      }
    } finally {
      await p.prisma.serverBuild.delete({ where: { id } });
    }
  });

  it('keep what is public public: the page, pool counts, health, metrics, the document', async () => {
    // Auth is what is asked here (a platform without pool settings answers some of them 500).
    for (const path of ['/', '/v1/pool', '/v1/pool/catalog', '/v1/dashboard/rounds', '/metrics', '/openapi.json'])
      expect([401, 403], path).not.toContain((await call(path)).status);
  });
});

describe('a /v1 route the document does not name', () => {
  // Fails closed: a route someone adds without its OpenAPI definition is the operator's until documented.
  it('needs the operator token (it would be open to everyone otherwise)', async () => {
    const deps = { temporal: p.client, taskQueue: p.taskQueue, prisma: p.prisma, cloud: p.cloud, apiToken: API_TOKEN };
    const app = createApp(deps);
    app.get('/v1/undocumented', (c) => c.json({ secret: 'only for the operator' }));
    expect((await app.request('/v1/undocumented')).status).toBe(401);
    const withToken = await app.request('/v1/undocumented', { headers: { Authorization: `Bearer ${API_TOKEN}` } });
    expect(withToken.status).toBe(200);
    // A path nobody serves: still a 404 for the operator, 401 without the token (it says nothing either way).
    expect((await app.request('/v1/nothing-here')).status).toBe(401);
  });
});

describe('the operator in a browser', () => {
  it('/operator asks for Basic credentials, then sends the page to /', async () => {
    const challenged = await call('/operator');
    expect(challenged.status).toBe(401);
    expect(challenged.headers.get('www-authenticate')).toMatch(/^Basic realm="blockflow/);
    const signedIn = await call('/operator', basic(API_TOKEN));
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get('location')).toBe('/');
  });

  it('Basic credentials (sent by a browser on its own) start no work: another site could send them', async () => {
    // What another site's <img src=…> makes the operator's browser ask, its cached Basic credentials along.
    const [describeBefore, inventoryBefore] = await Promise.all([started('describeVolume'), started('cloudInventory')]);
    for (const path of [`/v1/volumes/vol-${randomUUID().slice(0, 8)}?chunks=64`, '/v1/cloud/inventory']) {
      const res = await call(path, basic(API_TOKEN));
      expect(res.status, path).toBe(401);
      expect(res.body.message, path).toMatch(/Bearer/);
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(await started('describeVolume')).toBe(describeBefore);
    expect(await started('cloudInventory')).toBe(inventoryBefore);
    // Reads that start nothing still take them: the operator's work, and what the dashboard fetches.
    expect((await call('/v1/drills', basic(API_TOKEN))).status).toBe(200);
    expect((await call('/v1/volumes/clones/vol-x', basic(API_TOKEN))).status).toBe(404);
    expect((await call('/v1/drills', basic('wrong'))).status).toBe(401);
    const page = await call('/dashboard/dashboard.js', basic(API_TOKEN));
    const fetched = [...(page.body as string).matchAll(/getJson\('([^']+)'\)/g)].map((m) => m[1]!);
    expect(fetched).toContain('/v1/dashboard/in-flight');
    for (const path of fetched) expect([401, 403], path).not.toContain((await call(path, basic(API_TOKEN))).status);
  });

  it('Basic credentials (sent by a browser on its own) do not authorize a write', async () => {
    const res = await call('/v1/pool/schedules/pause', basic(API_TOKEN), { method: 'POST' });
    expect(res.status).toBe(401);
  });
});

describe('the operator token', () => {
  it('reads the cloud inventory many times at once (one workflow id each)', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => call('/v1/cloud/inventory', `Bearer ${API_TOKEN}`)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(new Set(answers.map((a) => a.body.workflowId)).size).toBe(8);
  });
});
