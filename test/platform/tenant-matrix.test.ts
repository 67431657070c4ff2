// Issue 20's tenant matrix: every operation of the served /openapi.json, called by each kind of
// caller — nobody, the operator (API token as Bearer, and as Basic's password the way a browser
// sends it), a member and a reader of project demo, a member of project alt — with what each may
// do asserted. The operations come from the document itself, so
// a route added without a decision in ACCESS fails the first test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeystoneSession } from '../../openstack/keystone';
import { API_TOKEN, type Platform } from './harness';
import { SERVER_USERS, serverRequest, startServerPlatform, tenantToken, waitForBuild } from './server-fixture';

type Caller = 'nobody' | 'operator' | 'operatorBasic' | 'demoMember' | 'demoReader' | 'altMember';
const CALLERS: Caller[] = ['nobody', 'operator', 'operatorBasic', 'demoMember', 'demoReader', 'altMember'];

/**
 * Who may call an operation: `public` anyone; `public+` anyone, the operator sees more; `operator`
 * the API token as Bearer only (writes, and reads that start work: a browser's cached Basic goes
 * along with another site's requests); `operatorRead` the API token as Bearer or Basic (reads that
 * start nothing); `tenantRead` a reader (or member) of the build's project; `tenantWrite` a member.
 */
type Access = 'public' | 'public+' | 'operator' | 'operatorRead' | 'tenantRead' | 'tenantWrite';
const ACCESS: Record<string, Access> = {
  'GET /healthz': 'public',
  'GET /metrics': 'public',
  'GET /v1/pool': 'public',
  'GET /v1/pool/catalog': 'public',
  'GET /v1/pool/settings': 'public',
  'GET /v1/pool/policies': 'public',
  'GET /v1/networks': 'public',
  'GET /v1/dashboard/claims': 'public',
  'GET /v1/dashboard/create-latency': 'public',
  'GET /v1/dashboard/pool-history': 'public',
  'GET /v1/dashboard/rounds': 'public',
  'GET /v1/dashboard/links': 'public',
  'GET /v1/dashboard/in-flight': 'public+',
  'GET /v1/cloud/inventory': 'operator',
  'GET /v1/volumes/{volumeId}': 'operator',
  'GET /v1/volumes/clones/{targetVolumeId}': 'operatorRead',
  'GET /v1/drills': 'operatorRead',
  'GET /v1/drills/{id}': 'operatorRead',
  'POST /v1/volumes': 'operator',
  'POST /v1/volumes/clones': 'operator',
  'POST /v1/drills': 'operator',
  'POST /v1/drills/{id}/cancel': 'operator',
  'PATCH /v1/pool/settings': 'operator',
  'PUT /v1/pool/policies/{volumeType}/{osName}': 'operator',
  'POST /v1/pool/rounds': 'operator',
  'POST /v1/pool/schedules/{action}': 'operator',
  'POST /v1/pool/catalog/sync': 'operator',
  'POST /v1/pool/refreshes/{volumeType}/{osName}/{action}': 'operator',
  'POST /v1/networks': 'operator',
  'GET /v1/servers': 'tenantRead',
  'GET /v1/servers/{id}': 'tenantRead',
  'POST /v1/servers': 'tenantWrite',
  'DELETE /v1/servers/{id}': 'tenantWrite',
};

let p: Platform;
const tokens = {} as Record<Caller, Record<string, string>>;
let demoBuild: string;
/** Each operation, with the statuses its document says it answers. */
let operations: { method: string; template: string; documented: number[] }[];

beforeAll(async () => {
  const reader = { name: 'viewer', password: 'viewer-secret', project: 'demo', role: 'reader' as const };
  p = await startServerPlatform({ sim: { users: [...SERVER_USERS, reader] } });
  const viewer = new KeystoneSession({
    ...{ authUrl: p.sim.authUrl, username: reader.name, password: reader.password, projectName: 'demo' },
    ...{ userDomainName: 'Default', projectDomainName: 'Default' },
  });
  tokens.nobody = {};
  tokens.operator = { Authorization: `Bearer ${API_TOKEN}` };
  tokens.operatorBasic = { Authorization: `Basic ${Buffer.from(`operator:${API_TOKEN}`).toString('base64')}` };
  tokens.demoMember = { 'X-Auth-Token': await tenantToken(p, 'demo') };
  tokens.demoReader = { 'X-Auth-Token': (await viewer.authenticate()).token };
  tokens.altMember = { 'X-Auth-Token': await tenantToken(p, 'alt') };
  const made = await call('POST', '/v1/servers', 'demoMember', serverRequest('matrix-demo'));
  expect(made.status, JSON.stringify(made.body)).toBe(202);
  demoBuild = made.body.id;
  await waitForBuild(p, tokens.demoMember['X-Auth-Token']!, demoBuild);
  const doc = (await call('GET', '/openapi.json', 'nobody')).body;
  type Item = Record<string, { responses?: Record<string, unknown> }>;
  operations = Object.entries(doc.paths as Record<string, Item>).flatMap(([template, item]) =>
    Object.entries(item).map(([m, op]) => ({
      ...{ method: m.toUpperCase(), template },
      documented: Object.keys(op.responses ?? {}).map(Number),
    })),
  );
});
afterAll(async () => p?.close());

async function call(method: string, path: string, who: Caller, body?: unknown) {
  const res = await fetch(`${p.apiUrl}${path}`, {
    method,
    headers: { ...tokens[who], ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

/** A concrete path; a build id of demo's where one is asked for, a harmless name elsewhere. */
const pathOf = (template: string) =>
  template
    .replace('{id}', template.startsWith('/v1/servers') ? demoBuild : 'drill-matrix')
    .replace('{action}', 'pause')
    .replace(/\{(volumeId|targetVolumeId)\}/, 'vol-matrix')
    .replace('{volumeType}', 'ssd')
    .replace('{osName}', 'Debian9%2064bit');

/** Writes are sent with a body the route refuses (400): past the gate, nothing done. */
const refusedBody = { 'matrix-test': true };

describe('tenant matrix', () => {
  it('every operation in /openapi.json has a decision, and every decision an operation', () => {
    const served = operations.map((o) => `${o.method} ${o.template}`).sort();
    expect(served).toEqual(Object.keys(ACCESS).sort());
  });

  it('nobody and the tenants reach no operator route; the operator reaches each, Basic only reads', async () => {
    const operatorRoutes = operations.filter((o) => ACCESS[`${o.method} ${o.template}`]?.startsWith('operator'));
    for (const { method, template, documented } of operatorRoutes) {
      const access = ACCESS[`${method} ${template}`];
      const body = method === 'GET' ? undefined : refusedBody;
      for (const who of CALLERS) {
        const { status, body: answer } = await call(method, pathOf(template), who, body);
        const what = `${who}: ${method} ${template} → ${status} ${JSON.stringify(answer)}`;
        const admitted = who === 'operator' || (who === 'operatorBasic' && access === 'operatorRead');
        if (!admitted) {
          expect(status, what).toBe(401);
          continue;
        }
        // An answer of the route's own (a refused body, an unknown id), never a 5xx.
        expect(status >= 200 && status < 300 ? 'success' : status, what).toBeOneOf(['success', 400, 404, 409]);
        expect(documented, what).toContain(status);
      }
    }
  });

  it('public reads answer everyone', async () => {
    for (const { method, template } of operations.filter((o) =>
      ACCESS[`${o.method} ${o.template}`]?.startsWith('public'),
    ))
      for (const who of CALLERS) {
        const { status } = await call(method, pathOf(template), who);
        expect([200, 503], `${who}: ${method} ${template} → ${status}`).toContain(status);
      }
  });

  it('in flight: builds are named to the operator only', async () => {
    const building = { id: 'server-matrix-in-flight', name: 'matrix-secret-name' };
    await p.prisma.serverBuild.create({
      data: {
        ...{ ...building, projectId: 'p', userId: 'u', osName: 'Debian9 64bit', volumeType: 'ssd', flavorId: '1' },
        ...{ swapGb: 0, dataGb: 0, networkId: 'n', status: 'building', step: 'boot' },
      },
    });
    try {
      for (const who of CALLERS) {
        const seen = JSON.stringify((await call('GET', '/v1/dashboard/in-flight', who)).body);
        expect(seen.includes(building.name), who).toBe(who.startsWith('operator'));
      }
    } finally {
      await p.prisma.serverBuild.delete({ where: { id: building.id } });
    }
  });

  it("a project's builds: its reader and member see them, another project and the operator do not", async () => {
    const expected: Record<Caller, number> = {
      nobody: 401,
      operator: 401,
      operatorBasic: 401,
      demoMember: 200,
      demoReader: 200,
      altMember: 404,
    };
    for (const who of CALLERS) {
      expect((await call('GET', `/v1/servers/${demoBuild}`, who)).status, who).toBe(expected[who]);
      const list = await call('GET', '/v1/servers', who);
      const listed = list.status === 200 && list.body.servers.some((s: { id: string }) => s.id === demoBuild);
      expect([list.status, listed], who).toEqual(
        who.startsWith('demo') ? [200, true] : [who === 'altMember' ? 200 : 401, false],
      );
    }
  });

  it('only a member of the project creates and deletes; a reader is refused naming the role', async () => {
    for (const who of ['nobody', 'operator', 'operatorBasic'] as const)
      expect((await call('POST', '/v1/servers', who, serverRequest('matrix-x'))).status, who).toBe(401);
    const refused = await call('POST', '/v1/servers', 'demoReader', serverRequest('matrix-reader'));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/member/);
    expect((await call('DELETE', `/v1/servers/${demoBuild}`, 'demoReader')).status).toBe(403);
    expect((await call('DELETE', `/v1/servers/${demoBuild}`, 'altMember')).status).toBe(404);
    for (const who of ['nobody', 'operator', 'operatorBasic'] as const)
      expect((await call('DELETE', `/v1/servers/${demoBuild}`, who)).status, who).toBe(401);
    expect((await call('GET', `/v1/servers/${demoBuild}`, 'demoMember')).body.status).toBe('active');
    expect((await call('DELETE', `/v1/servers/${demoBuild}`, 'demoMember')).status).toBe(202);
  });
});
