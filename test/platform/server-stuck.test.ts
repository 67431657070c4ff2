// Nothing stays stuck (issue 20, finding 12): a build whose undo gives up, or a delete whose steps
// give up, keeps its trust, is shown stuck (GET, list, /metrics) at once, and the reaper's next pass
// retries it (the same idempotent undos, or the delete again) until nothing of it is left. A build
// whose run ended without recording its end (terminated) is found by the reaper and undone too.
// The faults are the simulator's injected refusals (403: a retry within the run cannot heal it), so
// each run gives up at once and the retry, the fault spent, gets through.
import { describe, expect, it } from 'vitest';
import { reapServerBuilds as reapWorkflow } from '../../workflows';
import { reapServerBuilds } from '../../servers/trust-reaper';
import { BUILD_START_GRACE_MS, STUCK_RETRY_BASE_MS, stuckRetryDelayMs } from '../../servers/builds';
import { deleteTrustIfPresent, getTrust } from '../../openstack/trusts';
import { reaperDeps } from '../../activities/servers/reaper';
import type { Platform } from './harness';
import { waitFor } from './harness';
import { run } from './pool-fixture';
import { parseMetrics, valueOf } from './operator-scrape';
import { trustsOf, userId } from './server-trusts-users';
import { serverRequest, tenantApi, useServerPlatform, waitForBuild } from './server-fixture';

let p: Platform;
let demo: string;

useServerPlatform((platform, token) => ([p, demo] = [platform, token]), { fillEachTest: true });

const demoClients = () => p.cloud.tenant({ username: 'demo', password: 'demo-secret', project: 'demo' });
const demoVolumes = async () => `/volume/v3/${(await demoClients().session.authenticate()).projectId}/volumes/[^/]+$`;
const refused = { status: 403, message: "Policy doesn't allow this to be performed (injected)." };
const view = async (id: string) => (await tenantApi(p, `/v1/servers/${id}`, { token: demo })).body;
const row = (id: string) => p.prisma.serverBuild.findUniqueOrThrow({ where: { id } });

async function stuckGauge(): Promise<number | undefined> {
  const text = await (await fetch(`${p.apiUrl}/metrics`)).text();
  return valueOf(parseMetrics(text), 'blockflow_server_builds_stuck');
}

const trustExists = (trustId: string) =>
  getTrust(p.cloud.admin.session, trustId).then(
    () => true,
    () => false,
  );

/**
 * What a build left: its tenant volumes not being deleted (its system disk by the id on its row: a
 * spare not yet renamed keeps the pool's name), servers, claimed spare rows, fallback disks, addresses.
 */
async function leftovers(build: { id: string; name: string }) {
  const tenant = demoClients();
  const { systemVolumeId } = await row(build.id);
  const volumes = (await tenant.cinder.listVolumes())
    .filter((v) => v.status !== 'deleting' && (v.name?.startsWith(`${build.name}-`) || v.id === systemVolumeId))
    .map((v) => (v.id === systemVolumeId ? 'system disk' : v.name));
  return {
    volumes: volumes.sort(),
    servers: (await tenant.nova.listServers(build.name)).length,
    claimedSpares: await p.prisma.spareVolume.count({ where: { claimedBy: build.id, allocated: true } }),
    fallbackDisks: (await p.cloud.admin.cinder.listVolumes({ name: `build-${build.id}-sys` })).length,
    addresses: await p.prisma.fixedIp.count({ where: { allocatedTo: build.id } }),
  };
}
const NOTHING = { volumes: [], servers: 0, claimedSpares: 0, fallbackDisks: 0, addresses: 0 };

async function create(name: string) {
  const res = await tenantApi(p, '/v1/servers', { method: 'POST', token: demo, body: serverRequest(name) });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id as string;
}

describe('a build whose undo gives up', () => {
  it('is shown stuck with its leftovers, and the reaper retries its undo until nothing is left', async () => {
    // The system disk's rename refused (the build fails with the spare handed over but still claimed),
    // then every delete of its disks refused (the undo gives up).
    p.sim.faults.failNextRequests({ method: 'PUT', path: '/volumes/[^/]+$', status: 400, message: 'injected' });
    p.sim.faults.failNextRequests({ method: 'DELETE', path: await demoVolumes(), count: 3, ...refused });
    const id = await create('stuck-undo');
    const build = await waitForBuild(p, demo, id);
    expect(build).toMatchObject({ status: 'failed', step: 'system-disk', stuck: { reason: 'undo_failed' } });
    expect(Date.parse(build.stuck.since)).toBeLessThanOrEqual(Date.now());
    expect(build.compensation['system disk']).toMatch(/^failed/);
    const listed = await tenantApi(p, '/v1/servers', { token: demo });
    expect(listed.body.servers.find((s: { id: string }) => s.id === id).stuck).toEqual(build.stuck);
    expect(await stuckGauge()).toBe(1);
    // The trust stays for the retry, and the reaper's trust pass leaves it.
    const { trustId } = await row(id);
    expect(trustId).not.toBeNull();
    await reapServerBuilds({ prisma: p.prisma, cloud: p.cloud, isStarted: async () => true });
    expect(await trustExists(trustId!)).toBe(true);

    // Control: with no reaper pass, what the undo could not remove stays.
    const left = { ...NOTHING, volumes: ['stuck-undo-data', 'stuck-undo-swap', 'system disk'], claimedSpares: 1 };
    expect(await leftovers(build)).toEqual(left);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await leftovers(build)).toEqual(left);

    const summary = await run(p, reapWorkflow);
    expect(summary.retried).toContain(`${id}-undo`);
    await waitFor('the stuck mark cleared', async () => (await view(id)).stuck === null);
    expect(await view(id)).toMatchObject({ status: 'failed', stuck: null });
    expect(await leftovers(build)).toEqual(NOTHING);
    expect(await trustExists(trustId!)).toBe(false);
    expect(await stuckGauge()).toBe(0);
  });
});

describe('a delete whose steps give up', () => {
  it('is shown stuck, keeps its trust, and the reaper starts the delete again until the build is deleted', async () => {
    const id = await create('stuck-delete');
    expect(await waitForBuild(p, demo, id)).toMatchObject({ status: 'active', stuck: null });
    p.sim.faults.failNextRequests({ method: 'DELETE', path: '/servers/[^/]+$', ...refused });
    const res = await tenantApi(p, `/v1/servers/${id}`, { method: 'DELETE', token: demo });
    expect(res.status).toBe(202);
    await waitFor('the delete stuck', async () => (await view(id)).stuck !== null);
    expect(await view(id)).toMatchObject({ status: 'deleting', stuck: { reason: 'delete_failed' } });
    expect(await stuckGauge()).toBe(1);
    const { deleteTrustId } = await row(id);
    expect(await trustExists(deleteTrustId!)).toBe(true);
    expect((await leftovers({ id, name: 'stuck-delete' })).servers).toBe(1);

    // The tenant's second DELETE starts it again at once with a new trust, and the row's earlier trust
    // goes: one recorded trust for the running delete, none unrecorded (before: the earlier one stayed).
    const demoUser = await userId(p, 'demo');
    expect(await trustsOf(p, demoUser)).toEqual([deleteTrustId]);
    p.sim.faults.failNextRequests({ method: 'DELETE', path: '/servers/[^/]+$', ...refused });
    expect((await tenantApi(p, `/v1/servers/${id}`, { method: 'DELETE', token: demo })).status).toBe(202);
    await p.client.workflow
      .getHandle(`${id}-delete`)
      .result()
      .catch(() => undefined);
    const again = await row(id);
    expect(again).toMatchObject({ status: 'deleting', stuckReason: 'delete_failed' });
    expect(again.deleteTrustId).not.toBe(deleteTrustId);
    expect(await trustsOf(p, demoUser)).toEqual([again.deleteTrustId]);

    const summary = await run(p, reapWorkflow);
    expect(summary.retried).toContain(`${id}-delete`);
    await waitFor('the build deleted', async () => (await view(id)).status === 'deleted');
    expect(await view(id)).toMatchObject({ status: 'deleted', stuck: null });
    expect(await leftovers({ id, name: 'stuck-delete' })).toEqual(NOTHING);
    expect(await stuckGauge()).toBe(0);
  });
});

describe('a build whose run ended without recording its end', () => {
  it('is marked stuck by the reaper once closed past the bound, then undone and failed', async () => {
    await p.stopWorker(); // the build waits in the task queue, and is terminated there
    const id = await create('stuck-lost');
    await p.client.workflow.getHandle(id).terminate('test: a run that died');
    await p.startWorker();
    expect((await row(id)).status).toBe('building');
    const deps = reaperDeps({ prisma: p.prisma, cloud: p.cloud, temporal: p.client }, p.taskQueue);
    // Within the bound it is left alone; past it, it is stuck and its undo is started.
    expect((await reapServerBuilds(deps)).stuckMarked).toEqual([]);
    const later = await reapServerBuilds(deps, Date.now() + BUILD_START_GRACE_MS + 1_000);
    expect(later.stuckMarked).toEqual([id]);
    expect(later.retried).toEqual([`${id}-undo`]);
    const { trustId } = await row(id);
    await waitFor('the build failed, not stuck', async () => {
      const b = await view(id);
      return b.status === 'failed' && b.stuck === null;
    });
    expect((await view(id)).failureReason).toMatch(/^run_lost/);
    expect(await leftovers({ id, name: 'stuck-lost' })).toEqual(NOTHING);
    expect(await trustExists(trustId!)).toBe(false);
  });
});

// Last: its build stays stuck.
describe('a stuck build whose trust is refused (expired)', () => {
  it("stays stuck, while what is the admin's own (the claimed spare, its transfer) is still undone", async () => {
    // The accept refused (the spare stays the admin's, claimed, its transfer pending: the deletes of
    // the transfer refused, by the step and by the undo), and the deletes of the build's disks refused.
    p.sim.faults.failNextRequests({ method: 'POST', path: '/accept$', status: 400, message: 'injected' });
    p.sim.faults.failNextRequests({ method: 'DELETE', path: '/os-volume-transfer/[^/]+$', count: 2, ...refused });
    p.sim.faults.failNextRequests({ method: 'DELETE', path: await demoVolumes(), count: 2, ...refused });
    const id = await create('stuck-refused');
    const build = await waitForBuild(p, demo, id);
    expect(build).toMatchObject({ status: 'failed', step: 'system-disk', stuck: { reason: 'undo_failed' } });
    const volumes = ['stuck-refused-data', 'stuck-refused-swap'];
    expect(await leftovers(build)).toEqual({ ...NOTHING, volumes, claimedSpares: 1 });
    expect(await p.cloud.admin.cinder.listTransfers()).toHaveLength(1);

    await deleteTrustIfPresent(p.cloud, (await row(id)).trustId!); // as Keystone refuses an expired one
    const firstPass = Date.now();
    expect((await run(p, reapWorkflow)).retried).toContain(`${id}-undo`);
    await p.client.workflow.getHandle(`${id}-undo`).result();
    const { since, reason } = build.stuck;
    expect(await view(id)).toMatchObject({ status: 'failed', stuck: { since, reason, retries: 1 } });
    expect(await leftovers(build)).toEqual({ ...NOTHING, volumes });
    expect(await p.cloud.admin.cinder.listTransfers()).toEqual([]);
    expect(await stuckGauge()).toBe(1);

    // Backed off (before: retried by every pass, a workflow and a warning a minute for ever): again
    // STUCK_RETRY_BASE_MS after that retry, then twice as long each time, up to STUCK_RETRY_MAX_MS.
    const deps = reaperDeps({ prisma: p.prisma, cloud: p.cloud, temporal: p.client }, p.taskQueue);
    const next = Date.parse((await view(id)).stuck.nextRetryAt);
    expect(next).toBeGreaterThanOrEqual(firstPass + STUCK_RETRY_BASE_MS);
    expect(next).toBeLessThanOrEqual(Date.now() + STUCK_RETRY_BASE_MS);
    expect((await reapServerBuilds(deps, next - 1_000)).retried).toEqual([]);
    expect((await reapServerBuilds(deps, next)).retried).toEqual([`${id}-undo`]);
    await p.client.workflow.getHandle(`${id}-undo`).result();
    const nextRetryAt = new Date(next + 2 * STUCK_RETRY_BASE_MS).toISOString();
    expect((await view(id)).stuck).toEqual({ since, reason, retries: 2, nextRetryAt });
    expect((await reapServerBuilds(deps, Date.parse(nextRetryAt) - 1_000)).retried).toEqual([]);
    expect([1, 2, 3, 7, 8, 30].map(stuckRetryDelayMs)).toEqual([1, 2, 4, 60, 60, 60].map((m) => m * 60_000));
  });
});
