// The fast drill form (qemu-storage-daemon, host NBD writer, QMP) through the API and Temporal:
// snapshotDrill at six snapshot points and blockcommitDrill in both commit modes, each run
// recorded with its parameters, per-step timings, k, N and verdict, and restored afterwards.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './harness';
import {
  expectOriginalChainOnly,
  startDrill,
  startDrillPlatform,
  waitForDrill,
  type DrillPlatform,
} from './drill-fixture';

const RECORDS = 524_288; // 2048 chunks, 8 MiB (as test/drills: long enough to overlap the live operations)

let p: DrillPlatform;
beforeAll(async () => {
  p = await startDrillPlatform();
});
afterAll(async () => {
  await p?.closeDrills();
});

describe('storage-daemon drills through Temporal', () => {
  const started: string[] = [];
  const snapshotPoints = [1, 4_097, 100_000, 150_001, 262_144, 400_000];

  it(
    `snapshotDrill at ${snapshotPoints.length} snapshot points: ` +
      `all records in the active chain, a clean prefix in the old layer`,
    async () => {
      // Started together: the worker runs them side by side, as repeated runs would in production.
      const ids = await Promise.all(
        snapshotPoints.map((snapshotAtRecords) =>
          startDrill(p, { scenario: 'snapshot', form: 'storage-daemon', records: RECORDS, snapshotAtRecords }),
        ),
      );
      started.push(...ids);
      for (const [index, id] of ids.entries()) {
        const run = await waitForDrill(p, id);
        expect(run.failures).toEqual([]);
        expect(run).toMatchObject({
          status: 'completed',
          verdict: 'pass',
          form: 'storage-daemon',
          scenario: 'snapshot',
          n: RECORDS,
          workflowStatus: 'COMPLETED',
        });
        expect(run.parameters).toMatchObject({ records: RECORDS, snapshotAtRecords: snapshotPoints[index] });
        expect(run.k).toBeGreaterThanOrEqual(snapshotPoints[index]);
        expect(run.k).toBeLessThan(RECORDS);
        expect(run.verification).toMatchObject({
          active: { ok: true, k: RECORDS },
          oldLayer: { ok: true, k: run.k },
          oldLayerMatchesLiveCopy: true,
        });
        for (const step of [
          'preflight',
          'prepare',
          'daemon-start',
          'writer-to-snapshot-point',
          'snapshot',
          'live-copy',
          'writer-finish',
          'verify',
          'restore',
        ]) {
          expect(run.stepTimings[step], step).toBeGreaterThanOrEqual(0);
        }
        expect(run.restore.leftovers).toEqual([]);
        await expectOriginalChainOnly(join(p.workRoot, id), ['base.qcow2', 'overlay1.qcow2']);
      }
    },
  );

  it.each(['active-pivot', 'top-base'] as const)(
    'blockcommitDrill %s: the chain is shortened while writing, nothing lost',
    async (commitMode) => {
      const id = await startDrill(p, {
        scenario: 'commit',
        form: 'storage-daemon',
        commitMode,
        records: RECORDS,
        snapshotAtRecords: 100_000,
      });
      started.push(id);
      const run = await waitForDrill(p, id);
      expect(run.failures).toEqual([]);
      expect(run).toMatchObject({ status: 'completed', verdict: 'pass', scenario: 'commit', commitMode, n: RECORDS });
      expect(run.stepTimings.commit).toBeGreaterThan(0);
      expect(run.progress.afterCommit).toBeLessThan(RECORDS); // the commit overlapped the writer
      await expectOriginalChainOnly(
        join(p.workRoot, id),
        commitMode === 'top-base'
          ? ['base.qcow2', 'overlay1.qcow2', 'overlay2.qcow2']
          : ['base.qcow2', 'overlay1.qcow2'],
      );
    },
  );

  it('cancelled from the API while it runs: ends cancelled, restored, nothing left behind', async () => {
    // 10 ms after each of 512 chunks: ~5 s of writing, so the cancel lands mid-run.
    const id = await startDrill(p, {
      scenario: 'snapshot',
      form: 'storage-daemon',
      records: 131_072,
      snapshotAtRecords: 65_536,
      chunkPauseMs: 10,
    });
    await waitFor(
      'the drill to start writing',
      async () => (await p.api(`/v1/drills/${id}`)).body.live?.step === 'storage-daemon-drill',
    );
    expect((await p.api(`/v1/drills/${id}/cancel`, { method: 'POST' })).status).toBe(202);
    const run = await waitForDrill(p, id);
    expect(run).toMatchObject({
      status: 'cancelled',
      verdict: null,
      workflowStatus: 'CANCELLED',
      restore: { leftovers: [] },
    });
    await expectOriginalChainOnly(join(p.workRoot, id), ['base.qcow2', 'overlay1.qcow2']);
  });

  it('lists past runs, newest first, filtered by form and scenario', async () => {
    // Other test files share the database: look at this file's runs only.
    const ours = (runs: any[]) => runs.filter((r) => started.includes(r.id));
    const commits = await p.api('/v1/drills?form=storage-daemon&scenario=commit');
    expect(commits.status).toBe(200);
    expect(ours(commits.body.runs).map((r) => r.commitMode)).toEqual(['top-base', 'active-pivot']);
    const all = ours((await p.api('/v1/drills?form=storage-daemon&limit=500')).body.runs);
    expect(all.map((r) => r.id).sort()).toEqual([...started].sort());
    expect(all.every((r) => r.verdict === 'pass' && r.finishedAt)).toBe(true);
    expect((await p.api('/v1/drills?status=bogus')).status).toBe(400);
  });
});
