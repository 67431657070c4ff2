// The foundation's path, end to end and all real: HTTP → Hono API → Temporal server → worker
// → activity → Keystone/Cinder (simulator) and back; health of every dependency; the OpenAPI
// document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from './harness';

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
    const res = await p.api('/v1/cloud/inventory', { token: null });
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
});
