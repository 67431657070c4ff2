// The drill API's edges: bad parameters → 400 naming the field, with no workflow started, no
// run recorded and no work dir made; a run started straight from Temporal with bad parameters
// fails in its preflight, recorded as rejected, before anything is touched; auth, 404, OpenAPI.
import { readdir } from 'node:fs/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDrillPlatform, type DrillPlatform } from './drill-fixture';
import { snapshotDrill } from '../../workflows';

let p: DrillPlatform;
beforeAll(async () => {
  p = await startDrillPlatform();
});
afterAll(async () => {
  await p?.closeDrills();
});

const valid = { scenario: 'snapshot', form: 'libvirt', records: 1024, snapshotAtRecords: 256 };

describe('drill API', () => {
  it.each([
    { why: 'N = 0', body: { ...valid, records: 0 }, field: 'records', message: /positive integer/ },
    { why: 'N < 0', body: { ...valid, records: -5 }, field: 'records', message: /positive integer/ },
    {
      why: 'N beyond the drill disk',
      body: { ...valid, records: 5_000_000 },
      field: 'records',
      message: /at most 4194304/,
    },
    {
      why: 'snapshot point = N',
      body: { ...valid, snapshotAtRecords: 1024 },
      field: 'snapshotAtRecords',
      message: /not below records/,
    },
    {
      why: 'snapshot point beyond N',
      body: { ...valid, snapshotAtRecords: 5000 },
      field: 'snapshotAtRecords',
      message: /not below records/,
    },
    {
      why: "snapshot point inside the guest writer's last chunk (it holds before it)",
      body: { ...valid, snapshotAtRecords: 1000 },
      field: 'snapshotAtRecords',
      message: /past 768/,
    },
    {
      why: 'snapshot point 0',
      body: { ...valid, snapshotAtRecords: 0 },
      field: 'snapshotAtRecords',
      message: /positive integer/,
    },
    {
      why: 'commit without a mode',
      body: { ...valid, scenario: 'commit' },
      field: 'commitMode',
      message: /active-pivot/,
    },
    {
      why: 'unknown commit mode',
      body: { ...valid, scenario: 'commit', commitMode: 'shallow' },
      field: 'commitMode',
      message: /active-pivot/,
    },
    { why: 'unknown scenario', body: { ...valid, scenario: 'stream' }, field: 'scenario', message: /snapshot/ },
    { why: 'unknown form', body: { ...valid, form: 'vmware' }, field: 'form', message: /libvirt/ },
    {
      why: 'missing guest image',
      body: { ...valid, guest: { kernel: '/nonexistent/vmlinuz', initrd: '/nonexistent/initrd' } },
      field: 'guest.kernel',
      message: /does not exist/,
    },
    {
      why: 'relative guest path',
      body: { ...valid, guest: { kernel: 'vmlinuz', initrd: '/boot/initrd' } },
      field: 'guest.kernel',
      message: /absolute path/,
    },
    {
      why: 'unusable domain name',
      body: { ...valid, domainName: "x'; rm -rf /" },
      field: 'domainName',
      message: /must match/,
    },
    {
      why: 'domain name for the storage-daemon form',
      body: { ...valid, form: 'storage-daemon', domainName: 'vm1' },
      field: 'domainName',
      message: /libvirt form only/,
    },
    { why: 'an unknown field', body: { ...valid, snapshotAfterSeconds: 5 }, field: '(body)', message: /unrecognized/i },
  ])('400 for $why, and nothing is started or touched', async ({ body, field, message }) => {
    const runsBefore = await p.prisma.drillRun.count();
    const res = await p.api('/v1/drills', { method: 'POST', body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request', field });
    expect(res.body.message).toMatch(message);
    expect(await p.prisma.drillRun.count()).toBe(runsBefore);
    expect(await readdir(p.workRoot)).toEqual([]);
  });

  it('no drill workflow was started by any of those requests', async () => {
    const started = [];
    for await (const workflow of p.client.workflow.list({ query: `TaskQueue = '${p.taskQueue}'` }))
      started.push(workflow.workflowId);
    expect(started).toEqual([]);
  });

  it(
    'a run started straight from Temporal with bad parameters ' + 'fails in its preflight, recorded as rejected',
    async () => {
      const workflowId = `drill-direct-${Date.now()}`;
      const run = p.client.workflow.execute(snapshotDrill, {
        taskQueue: p.taskQueue,
        workflowId,
        args: [{ form: 'storage-daemon', records: 100, snapshotAtRecords: 100 }],
      });
      const error = await run.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect(String(((error as WorkflowFailedError).cause?.cause as Error | undefined)?.message)).toMatch(
        /snapshotAtRecords: 100 is not below records \(100\)/,
      );
      const row = await p.prisma.drillRun.findUniqueOrThrow({ where: { id: workflowId } });
      expect(row).toMatchObject({ status: 'rejected', verdict: null, restore: null, n: 100 });
      expect(row.failureReason).toMatch(/snapshotAtRecords/);
      expect(row.finishedAt).not.toBeNull();
      expect(await readdir(p.workRoot)).toEqual([]);
      const polled = await p.api(`/v1/drills/${workflowId}`);
      expect(polled.body).toMatchObject({ id: workflowId, status: 'rejected', workflowStatus: 'FAILED' });
    },
  );

  it('needs the bearer token to start or cancel; answers 404 for an unknown run', async () => {
    expect((await p.api('/v1/drills', { method: 'POST', body: valid, token: null })).status).toBe(401);
    expect((await p.api('/v1/drills/drill-nope/cancel', { method: 'POST', token: null })).status).toBe(401);
    expect((await p.api('/v1/drills/drill-nope')).status).toBe(404);
    expect((await p.api('/v1/drills/drill-nope/cancel', { method: 'POST' })).status).toBe(404);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await p.api('/openapi.json', { token: null })).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/drills', '/v1/drills/{id}', '/v1/drills/{id}/cancel']),
    );
    expect(doc.paths['/v1/drills'].post.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/v1/drills/{id}/cancel'].post.security).toEqual([{ bearer: [] }]);
  });
});
