// The libvirt form through the API and Temporal, for real (busybox guest under TCG): seed case 1
// (snapshotDrill) and case 2 (blockcommitDrill) in both commit modes; a drill cancelled from the
// API after its snapshot restores and leaves nothing behind; a domain name already taken is
// refused before anything is touched.
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainState, virsh } from '../../drills/virsh';
import { waitFor } from './harness';
import {
  expectOriginalChainOnly,
  startDrill,
  startDrillPlatform,
  waitForDrill,
  type DrillPlatform,
} from './drill-fixture';

const RECORDS = 102_400; // 400 chunks: ~4 s of writing under TCG, long enough to overlap snapshot and commit
const SNAPSHOT_AT = 25_600;

let p: DrillPlatform;
beforeAll(async () => {
  p = await startDrillPlatform();
});
afterAll(async () => {
  await p?.closeDrills();
});

describe('libvirt drills through Temporal', () => {
  const cases = [
    { workflow: 'snapshotDrill', scenario: 'snapshot', chain: ['base.qcow2', 'overlay1.qcow2'] },
    {
      workflow: 'blockcommitDrill active-pivot',
      scenario: 'commit',
      commitMode: 'active-pivot',
      chain: ['base.qcow2', 'overlay1.qcow2', 'overlay2.qcow2'],
    },
    {
      workflow: 'blockcommitDrill top-base',
      scenario: 'commit',
      commitMode: 'top-base',
      chain: ['base.qcow2', 'overlay1.qcow2', 'overlay2.qcow2'],
    },
  ] as const;

  it.each(cases)(
    '$workflow: the guest writes on, the old layer keeps a clean prefix, restore leaves the original chain',
    async (c) => {
      const commitMode = 'commitMode' in c ? c.commitMode : undefined;
      const id = await startDrill(p, {
        scenario: c.scenario,
        form: 'libvirt',
        records: RECORDS,
        snapshotAtRecords: SNAPSHOT_AT,
        commitMode,
      });
      const run = await waitForDrill(p, id);

      expect(run.failures).toEqual([]);
      expect(run).toMatchObject({
        status: 'completed',
        verdict: 'pass',
        form: 'libvirt',
        scenario: c.scenario,
        commitMode: commitMode ?? null,
        n: RECORDS,
        workflowStatus: 'COMPLETED',
      });
      expect(run.k).toBeGreaterThanOrEqual(SNAPSHOT_AT);
      expect(run.k).toBeLessThan(RECORDS);
      expect(run.verification).toMatchObject({
        active: { ok: true, k: RECORDS },
        oldLayer: { ok: true, k: run.k },
        oldLayerMatchesLiveCopy: true,
      });
      expect(run.verification.checks.every((check: { ok: boolean }) => check.ok)).toBe(true);
      const steps = [
        'preflight',
        'prepare',
        'define+start',
        'boot-to-writer',
        'writer-to-snapshot-point',
        'snapshot',
        'live-copy',
        'writer-finish',
        'verify',
        'restore',
      ];
      for (const step of commitMode ? [...steps, 'commit'] : steps)
        expect(run.stepTimings[step], step).toBeGreaterThan(0);

      expect(run.restore).toMatchObject({ domainRemoved: true, leftovers: [] });
      expect(await domainState(`blockflow-${id}`)).toBe('absent');
      await expectOriginalChainOnly(join(p.workRoot, id), [...c.chain]);
    },
  );

  it(
    'cancelled from the API after the snapshot: ' + 'the restore runs, no domain, overlay or block job is left',
    async () => {
      // A slow writer (50 ms per chunk: ≥ 15 s after the snapshot point) is still writing when the cancel lands.
      const id = await startDrill(p, {
        scenario: 'snapshot',
        form: 'libvirt',
        records: RECORDS,
        snapshotAtRecords: SNAPSHOT_AT,
        pauseUs: 50_000,
      });
      const workDir = join(p.workRoot, id);
      await waitFor(
        'the drill to pass its snapshot',
        async () => (await p.api(`/v1/drills/${id}`)).body.live?.step === 'writer-finish',
        90_000,
      );
      await access(join(workDir, 'overlay2.qcow2')); // the snapshot's overlay exists now
      expect(await domainState(`blockflow-${id}`)).toBe('running');

      const cancelledAt = performance.now();
      const res = await p.api(`/v1/drills/${id}/cancel`, { method: 'POST' });
      expect(res.status).toBe(202);
      const run = await waitForDrill(p, id, 60_000);
      console.info(`[drill ${id}] cancel → ended in ${Math.round(performance.now() - cancelledAt)} ms`);

      expect(run).toMatchObject({ status: 'cancelled', verdict: null, workflowStatus: 'CANCELLED' });
      expect(run.restore).toMatchObject({ domainRemoved: true, removedFiles: ['overlay2.qcow2'], leftovers: [] });
      expect(run.stepTimings.restore).toBeGreaterThan(0);
      // The cancel stopped the wait for the writer: that step never completed, nothing was verified.
      expect(run.stepTimings['writer-finish']).toBeUndefined();
      expect(run.stepTimings.verify).toBeUndefined();
      expect(await domainState(`blockflow-${id}`)).toBe('absent'); // and so no block job either
      await expectOriginalChainOnly(workDir, ['base.qcow2', 'overlay1.qcow2']);
      // A second cancel finds nothing to cancel.
      expect((await p.api(`/v1/drills/${id}/cancel`, { method: 'POST' })).status).toBe(409);
    },
  );

  it('refuses a domain name that is already defined, before anything is touched', async () => {
    const taken = `blockflow-drill-taken-${process.pid}`;
    const xml = join(p.workRoot, `${taken}.xml`);
    await writeFile(
      xml,
      `<domain type='qemu'><name>${taken}</name><memory unit='MiB'>64</memory>` +
        `<os><type arch='x86_64'>hvm</type></os></domain>`,
    );
    await virsh(['define', xml]);
    try {
      const id = await startDrill(p, {
        scenario: 'snapshot',
        form: 'libvirt',
        records: RECORDS,
        snapshotAtRecords: SNAPSHOT_AT,
        domainName: taken,
      });
      const run = await waitForDrill(p, id, 60_000);
      expect(run).toMatchObject({ status: 'rejected', verdict: null, workflowStatus: 'FAILED', restore: null });
      expect(run.failureReason).toMatch(new RegExp(`domainName: libvirt domain ${taken} already exists`));
      expect(await domainState(taken)).toBe('shut off'); // the operator's domain is untouched
      await expect(access(join(p.workRoot, id))).rejects.toThrow(/ENOENT/); // no work dir either
    } finally {
      await virsh(['undefine', taken]);
    }
  });
});
