// The fast drill for real: qemu-storage-daemon, a host NBD writer and QMP, at several snapshot points.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommitMode } from '../../drills/live-blockcommit';
import { runStorageDaemonDrill } from '../../drills/storage-daemon-drill';
import { formatTimings } from '../../drills/step-timer';
import { requireCommands } from './require-commands';

const RECORDS = 524_288; // 2048 chunks, 8 MiB

const cases: { snapshotAtRecords: number; commit?: CommitMode }[] = [
  { snapshotAtRecords: 1 },
  { snapshotAtRecords: 4_097, commit: 'active-pivot' },
  { snapshotAtRecords: 100_000, commit: 'top-base' },
  { snapshotAtRecords: 150_001 },
  { snapshotAtRecords: 200_000, commit: 'active-pivot' },
  { snapshotAtRecords: 262_144, commit: 'top-base' },
];

describe('storage-daemon drill (no guest)', () => {
  let root: string;
  beforeAll(async () => {
    await requireCommands(['qemu-storage-daemon', 'qemu-img']);
    root = await mkdtemp(join(tmpdir(), 'blockflow-fast-drill-'));
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it.each(cases)('snapshot at ≥$snapshotAtRecords records, commit $commit', async ({ snapshotAtRecords, commit }) => {
    const workDir = await mkdtemp(join(root, 'run-'));
    const report = await runStorageDaemonDrill({ workDir, records: RECORDS, snapshotAtRecords, commit });
    console.info(
      `[fast drill] k=${snapshotAtRecords} commit=${commit ?? 'none'} cut=${report.oldLayerRecords} ` +
        `${formatTimings(report.timings)}`,
    );

    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.verification?.active).toMatchObject({ ok: true, k: RECORDS });
    expect(report.oldLayerRecords).toBeGreaterThanOrEqual(snapshotAtRecords);
    expect(report.verification?.oldLayerMatchesLiveCopy).toBe(true);
    // Restored: only the pristine chain is left, no overlay, no export, no socket.
    const expected =
      commit === 'top-base' ? ['base.qcow2', 'overlay1.qcow2', 'overlay2.qcow2'] : ['base.qcow2', 'overlay1.qcow2'];
    expect((await readdir(workDir)).filter((name) => name !== 'pristine').sort()).toEqual(expected);
  });
});
