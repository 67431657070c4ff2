// The foundation's path, end to end and all real: HTTP → Hono API → Temporal server → worker
// → activity → Keystone/Cinder (simulator) and back; health of every dependency; the OpenAPI
// document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPoolSettings } from '../../pool/settings';
import { API_TOKEN, startPlatform, type Platform } from './harness';
import { testPoolConfig } from './pool-fixture';

let p: Platform;
beforeAll(async () => {
  p = await startPlatform({
    sim: {
      seed: {
        volumeTypes: ['sas', 'ssd'],
        snapshots: [{ name: 'sysdisk-sas-Debian9 64bit', volumeType: 'sas', sizeGb: 20 }],
      },
    },
  });
  // The pool routes read the settings row; this file must not rely on one an earlier file left.
  await seedPoolSettings(p.prisma, testPoolConfig());
});
afterAll(async () => {
  await p?.close();
});

describe('API', () => {
  it('GET /healthz reports Temporal, database and cloud as up', async () => {
    const res = await p.api('/healthz', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      temporal: { up: true },
      database: { up: true },
      cloud: { up: true },
    });
  });

  it('GET /healthz answers 503 naming the component that is down', async () => {
    const other = await startPlatform({ worker: false });
    try {
      await other.sim.stop();
      const res = await other.api('/healthz', { token: null });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        status: 'degraded',
        cloud: { up: false },
        temporal: { up: true },
        database: { up: true },
      });
      expect(res.body.cloud.detail).toMatch(/ECONNREFUSED/);
    } finally {
      await other.close();
    }
  });

  it('GET /v1/cloud/inventory runs the cloudInventory workflow on the real Temporal server', async () => {
    const res = await p.api('/v1/cloud/inventory');
    expect(res.status).toBe(200);
    expect(res.body.volumeTypes).toEqual(['sas', 'ssd']);
    expect(res.body.snapshots).toEqual([
      expect.objectContaining({ name: 'sysdisk-sas-Debian9 64bit', status: 'available', sizeGb: 20 }),
    ]);
    // The workflow's history is on the server: completed, with the activity in it.
    const handle = p.client.workflow.getHandle(res.body.workflowId);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    const history = await handle.fetchHistory();
    const activities = history
      .events!.filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
    expect(activities).toEqual(['listCloudInventory']);
  });

  it('serves an OpenAPI document that lists the routes', async () => {
    const res = await p.api('/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    for (const path of [
      '/healthz',
      '/v1/cloud/inventory',
      '/v1/pool',
      '/v1/pool/settings',
      '/v1/pool/rounds',
      '/v1/pool/catalog/sync',
    ])
      expect(Object.keys(res.body.paths)).toContain(path);
    expect(res.body.paths['/v1/pool/settings'].patch.security).toEqual([{ bearer: [] }]);
  });

  describe('bad input on the pool and volume routes: 400 naming the field, nothing changed', () => {
    /** A raw request: the body as given, not serialized. */
    const raw = async (method: string, path: string, body?: string, contentType = 'application/json') => {
      const res = await fetch(`${p.apiUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${API_TOKEN}`,
          ...(body !== undefined ? { 'Content-Type': contentType } : {}),
        },
        body,
      });
      return { status: res.status, body: (await res.json()) as { field?: string; message?: string } };
    };

    it('a body that is not JSON, or not declared JSON → 400 (body)', async () => {
      const settings = await p.api('/v1/pool/settings');
      const policies = await p.api('/v1/pool/policies');
      for (const [method, path, body, type] of [
        ['PATCH', '/v1/pool/settings', '{"targetHighDemand": 3', 'application/json'],
        ['PATCH', '/v1/pool/settings', '', 'application/json'],
        ['PATCH', '/v1/pool/settings', '{"targetHighDemand": 3}', 'text/plain'],
        ['PUT', '/v1/pool/policies/sas/Debian9%2064bit', '{demand: high}', 'application/json'],
        ['POST', '/v1/pool/rounds', 'kind=replenish', 'application/x-www-form-urlencoded'],
        ['POST', '/v1/pool/schedules/pause', '{"note": ', 'application/json'],
        ['POST', '/v1/volumes', '{"volumeId": "v1", ', 'application/json'],
        ['POST', '/v1/volumes/clones', 'not json at all', 'application/json'],
      ] as const) {
        const res = await raw(method, path, body, type);
        expect(res.status, `${method} ${path} ${body}`).toBe(400);
        expect(res.body.field).toBe('(body)');
      }
      expect((await p.api('/v1/pool/settings')).body).toEqual(settings.body);
      expect((await p.api('/v1/pool/policies')).body).toEqual(policies.body);
    });

    it('bad path and query values → 400 naming them', async () => {
      for (const [method, path, field] of [
        ['POST', '/v1/pool/schedules/explode', 'action'],
        ['PUT', `/v1/pool/policies/${'x'.repeat(65)}/Debian`, 'volumeType'],
        ['GET', '/v1/volumes/Not_An_Id?chunks=1', 'volumeId'],
        ['GET', '/v1/volumes/vol-1?chunks=many', 'chunks'],
        ['GET', '/v1/volumes/vol-1?chunks=2&digest=maybe', 'digest'],
        ['GET', '/v1/volumes/clones/Not_An_Id', 'targetVolumeId'],
        ['GET', '/v1/pool/policies?limit=0', 'limit'],
        ['GET', '/v1/pool/catalog?limit=lots', 'limit'],
      ] as const) {
        const res = await raw(method, path, method === 'PUT' ? '{}' : undefined);
        expect(res.status, `${method} ${path}`).toBe(400);
        expect(res.body.field, `${method} ${path}`).toBe(field);
      }
    });

    it('a volume read whose answer could not fit in one reply is refused at the edge', async () => {
      // 65,536 chunk views exceed Temporal's payload limit: it used to fail as a 500 after the workflow ran.
      const res = await raw('GET', '/v1/volumes/no-such-volume?chunks=65535&digest=false');
      expect(res.status).toBe(400);
      expect(res.body.field).toBe('chunks');
    });

    it('a clone of a source that does not exist, or is shorter than asked, is refused before it starts', async () => {
      const clone = (sourceVolumeId: string, targetVolumeId: string, chunks: number) =>
        p.api('/v1/volumes/clones', {
          method: 'POST',
          body: { sourceVolumeId, targetVolumeId, chunks, pagesPerStep: 64, stepIntervalMs: 0 },
        });
      const missing = await clone('no-such-source', 'clone-of-nothing', 1);
      expect(missing.status).toBe(404);
      expect(missing.body.message).toContain('no-such-source');
      expect(
        (await p.api('/v1/volumes', { method: 'POST', body: { volumeId: 'short-source', chunks: 1 } })).status,
      ).toBe(201);
      const tooLong = await clone('short-source', 'clone-too-long', 2);
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.field).toBe('chunks');
      for (const target of ['clone-of-nothing', 'clone-too-long'])
        expect((await p.api(`/v1/volumes/clones/${target}`)).status).toBe(404);
    });

    it('rounds and pauses before the schedules exist: 409 saying so, not 500', async () => {
      for (const id of ['pool-replenish', 'pool-reconcile'])
        await p.client.schedule
          .getHandle(id)
          .delete()
          .catch(() => {});
      for (const [path, body] of [
        ['/v1/pool/rounds', { kind: 'replenish' }],
        ['/v1/pool/schedules/pause', undefined],
        ['/v1/pool/schedules/resume', undefined],
      ] as const) {
        const res = await p.api(path, { method: 'POST', body });
        expect(res.status, path).toBe(409);
        expect(res.body.message, path).toMatch(/schedule/);
      }
    });

    it('list reads are bounded: a page at most `limit` long, and where the next one starts', async () => {
      for (let i = 0; i < 3; i++)
        expect((await p.api(`/v1/pool/policies/sas/os-${i}`, { method: 'PUT', body: {} })).status).toBe(200);
      // Other files may have left policies in the shared database: page through all of them.
      const all = (await p.api('/v1/pool/policies')).body.policies;
      expect(all.length).toBeGreaterThanOrEqual(3);
      const paged: unknown[] = [];
      let offset: number | undefined = 0;
      while (offset !== undefined) {
        const page: { policies: unknown[]; nextOffset?: number } = (
          await p.api(`/v1/pool/policies?limit=2&offset=${offset}`)
        ).body;
        expect(page.policies.length).toBeLessThanOrEqual(2);
        paged.push(...page.policies);
        offset = page.nextOffset;
      }
      expect(paged).toEqual(all);
    });
  });
});
