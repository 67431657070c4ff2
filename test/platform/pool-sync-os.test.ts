// sync_os and the operator: a sync resumes only the pause it made (an operator's pause, before or
// during the sync, stands), and only one sync runs at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPLENISH_SCHEDULE,
  RECONCILE_SCHEDULE,
  ensurePoolSchedules,
  pauseReplenishment,
  resumeReplenishment,
  SYNC_OS_WORKFLOW_ID,
} from '../../pool/schedules';
import type { Platform } from './harness';
import { API_TOKEN, waitFor } from './harness';
import { startPool, testPoolConfig } from './pool-fixture';

let p: Platform;
beforeAll(async () => {
  p = await startPool(testPoolConfig());
  // Schedules that will not fire during the test: only pauses and resumes change them.
  await ensurePoolSchedules(p.client, p.taskQueue, { replenishSeconds: 86_400, reconcileSeconds: 86_400 });
});
afterAll(async () => {
  for (const id of [REPLENISH_SCHEDULE, RECONCILE_SCHEDULE])
    await p.client.schedule
      .getHandle(id)
      .delete()
      .catch(() => {});
  await p?.close();
});

const replenishState = async () => (await p.client.schedule.getHandle(REPLENISH_SCHEDULE).describe()).state;

/** POST /v1/pool/catalog/sync, given up after `ms` (a sync that waits on a second one never answers). */
const postSync = (ms = 60_000) =>
  fetch(`${p.apiUrl}/v1/pool/catalog/sync`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${API_TOKEN}` },
    signal: AbortSignal.timeout(ms),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as { message?: string } }));

describe('sync_os and the schedules', () => {
  it("a sync leaves an operator's pause in place", async () => {
    expect(
      (await p.api('/v1/pool/schedules/pause', { method: 'POST', body: { note: 'disk shelf swap' } })).status,
    ).toBe(200);
    expect((await postSync()).status).toBe(200);
    const state = await replenishState();
    expect(state.paused).toBe(true);
    expect(state.note).toContain('disk shelf swap');
    expect((await p.api('/v1/pool/schedules/resume', { method: 'POST' })).status).toBe(200);
    // Unpaused before: unpaused after.
    expect((await postSync()).status).toBe(200);
    expect((await replenishState()).paused).toBe(false);
  });

  it('a pause an operator makes while the sync holds its own is not undone by the sync', async () => {
    const note = 'paused by sync-os (test run)';
    expect(await pauseReplenishment(p.client, note)).toBe(true);
    // A retried pause of the same sync finds its own pause: still the sync's to undo.
    expect(await pauseReplenishment(p.client, note)).toBe(true);
    await p.client.schedule.getHandle(REPLENISH_SCHEDULE).pause('operator: hold everything');
    expect(await resumeReplenishment(p.client, note)).toBe(false);
    expect(await replenishState()).toMatchObject({ paused: true, note: 'operator: hold everything' });
    // A sync that finds the schedule paused by someone else has nothing of its own to resume.
    expect(await pauseReplenishment(p.client, 'paused by another sync')).toBe(false);
    await p.client.schedule.getHandle(REPLENISH_SCHEDULE).unpause('operator: go');
  });

  it('one sync at a time: a second request while one runs answers 409 and starts nothing', async () => {
    // No worker: the first sync stays running until one comes back.
    await p.stopWorker();
    const first = postSync();
    try {
      await waitFor('the first sync to run', async () => {
        const run = await p.client.workflow
          .getHandle(SYNC_OS_WORKFLOW_ID)
          .describe()
          .catch(() => undefined);
        return run?.status.name === 'RUNNING';
      });
      const second = await postSync(5_000);
      expect(second.status).toBe(409);
      expect(second.body.message).toMatch(/sync/);
    } finally {
      await p.startWorker();
    }
    expect((await first).status).toBe(200);
    expect((await replenishState()).paused).toBe(false);
  });
});
