// One real run per case of the seed, with a busybox guest under libvirt (TCG):
// case 1 live snapshot; case 2 live snapshot + live blockcommit, in both commit modes.
import { chmod, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerPath, prepareChain } from '../../drills/chain';
import { ensureLibvirtDaemons, stopLibvirtDaemons, type DaemonProcess } from '../../drills/daemons';
import { startDrillDomain } from '../../drills/domain';
import { commitModeOf, type DrillParams, type DrillScenario, type DrillTarget } from '../../drills/drill-params';
import { ensureGuest, type GuestImage } from '../../drills/guest/build-guest';
import { restoreAndInspect } from '../../drills/leftovers';
import { libvirtStepOps } from '../../drills/libvirt-ops';
import { runLibvirtDrillSteps, type LibvirtStepExecutor } from '../../drills/libvirt-steps';
import { liveSnapshot } from '../../drills/live-snapshot';
import { restoreDrill } from '../../drills/restore';
import { formatTimings, timed } from '../../drills/step-timer';
import { domainState, hasBlockJob, virsh } from '../../drills/virsh';
import { readWriterProgress, waitForWriterProgress } from '../../drills/writer-progress';
import { DrillRunState } from '../../workflows/drills/run-state';
import { waitUntil } from '../../lib/wait-until';
import { requireCommands } from './require-commands';

const RECORDS = 102_400; // 400 chunks: ~4 s of writing under TCG, long enough to overlap snapshot and commit
const SNAPSHOT_AT = 25_600;

describe('libvirt drill with a writing guest', () => {
  let root: string;
  let guest: GuestImage;
  let daemons: DaemonProcess[] = [];

  beforeAll(async () => {
    await requireCommands([
      'virsh',
      'libvirtd',
      'virtlogd',
      'qemu-system-x86_64',
      'qemu-img',
      'cpio',
      'dpkg-deb',
      'apt-get',
    ]);
    const started = performance.now();
    guest = await ensureGuest();
    const guestMs = performance.now() - started;
    daemons = await ensureLibvirtDaemons();
    console.info(
      `[libvirt drill] guest ${guest.built ? 'built' : 'cached'} in ${Math.round(guestMs)}ms, ` +
        `daemons ready after ${Math.round(performance.now() - started - guestMs)}ms` +
        ` (${daemons.map((d) => `${d.name}:${d.pid}${d.startedByUs ? ' started' : ' reused'}`).join(', ')})`,
    );
    root = await mkdtemp(join(tmpdir(), 'blockflow-libvirt-drill-'));
    await chmod(root, 0o755); // QEMU runs as libvirt-qemu and must reach the images
  });

  afterAll(async () => {
    await stopLibvirtDaemons(daemons);
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** A case's own work dir, domain name and parameters (N records, snapshot at k). */
  const drillCase = async (name: string, commitMode: DrillParams['commitMode']) => {
    const workDir = await mkdtemp(join(root, `${name}-`));
    const domainName = `blockflow-drill-test-${name}-${process.pid}`;
    const params: DrillParams = {
      form: 'libvirt',
      records: RECORDS,
      snapshotAtRecords: SNAPSHOT_AT,
      commitMode,
      domainName,
    };
    return { workDir, domainName, params };
  };

  const scenarios: {
    name: string;
    scenario: DrillScenario;
    commitMode?: DrillParams['commitMode'];
    chain: string[];
  }[] = [
    { name: 'snapshot', scenario: 'snapshot', chain: ['base.qcow2', 'overlay1.qcow2'] },
    {
      name: 'commit-active-pivot',
      scenario: 'commit',
      commitMode: 'active-pivot',
      chain: ['base.qcow2', 'overlay1.qcow2', 'overlay2.qcow2'],
    },
    {
      name: 'commit-top-base',
      scenario: 'commit',
      commitMode: 'top-base',
      chain: ['base.qcow2', 'overlay1.qcow2', 'overlay2.qcow2'],
    },
  ];

  it.each(scenarios)(
    '$name: the writer is neither stopped nor torn, the old layer keeps a prefix',
    async ({ name, scenario, commitMode, chain }) => {
      const { workDir, domainName, params } = await drillCase(name, commitMode);
      const report = await runLibvirtDrill({
        params,
        commitMode: commitModeOf(scenario, params),
        workDir,
        domainName,
        guest,
      });
      console.info(
        `[libvirt drill] ${name}: cut=${report.oldLayerRecords} ` +
          `seen before/after snapshot=${report.progressBeforeSnapshot}/${report.progressAfterSnapshot}` +
          ` after commit=${report.progressAfterCommit ?? '-'} ${formatTimings(report.timings)}`,
      );

      expect(report.failures).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.verification?.active).toMatchObject({ ok: true, k: RECORDS });
      expect(report.verification?.oldLayer.ok).toBe(true);
      expect(report.oldLayerRecords).toBeGreaterThanOrEqual(SNAPSHOT_AT);
      expect(report.oldLayerRecords).toBeLessThan(RECORDS);
      expect(report.verification?.oldLayerMatchesLiveCopy).toBe(true);

      // Restored once by the drill; a second restore finds nothing left to undo.
      expect(report.restore?.domainRemoved).toBe(true);
      expect(await domainState(domainName)).toBe('absent');
      expect(await restoreDrill({ workDir, domainName })).toMatchObject({ domainRemoved: false, removedFiles: [] });
      expect((await readdir(workDir)).filter((name) => name.endsWith('.qcow2')).sort()).toEqual(chain);
    },
  );

  // Under load the host's commit can come after the writer's last record (CI saw "domain is not
  // running" from the commit step: the guest had finished and powered off). The writer holds before
  // its last chunk until the host releases it, so the commit still cuts it mid-stream. Here the
  // commit waits on purpose until the writer holds; without the hold the writer finishes first.
  it('a host slower than the writer: it holds before its last chunk, the commit still overlaps it', async () => {
    const { workDir, domainName, params } = await drillCase('late-commit', 'active-pivot');
    const serialLog = join(workDir, 'serial.log');
    const report = await runLibvirtDrill(
      { params, commitMode: 'active-pivot', workDir, domainName, guest },
      async (step) => {
        if (step !== 'commit') return;
        await waitUntil(async () => ({ done: (await readWriterProgress(serialLog)).held }), {
          what: 'the guest writer to hold',
          timeoutMs: 120_000,
          intervalMs: 100,
        });
        await new Promise((resolve) => setTimeout(resolve, 2_000)); // it would have finished by now
      },
    );
    expect(report.failures).toEqual([]);
    expect(report.progressAfterCommit).toBe(RECORDS - 256);
    expect(report.verification?.active).toMatchObject({ ok: true, k: RECORDS });
    expect(report.restore?.domainRemoved).toBe(true);
  });

  it('restore is safe before a drill, mid-write with a block job pending, and twice', async () => {
    const workDir = await mkdtemp(join(root, 'restore-'));
    const domainName = `blockflow-drill-test-restore-${process.pid}`;
    expect(await restoreDrill({ workDir, domainName })).toEqual({
      domainRemoved: false,
      restoredLayers: [],
      removedFiles: [],
    });

    const chain = await prepareChain({ workDir, overlays: 1 });
    try {
      const domain = await startDrillDomain({
        workDir,
        domainName,
        activeImage: chain.layers[1],
        guest,
        records: RECORDS,
      });
      await waitForWriterProgress({ domainName, serialLog: domain.serialLog, atLeastRecords: 256, timeoutMs: 60_000 });
      await liveSnapshot({ domainName, newOverlay: layerPath(workDir, 2) });
      // An active commit without --pivot stays attached to vda until someone pivots or aborts it.
      await virsh(['blockcommit', domainName, 'vda', '--active']);
      expect(await hasBlockJob(domainName)).toBe(true);

      const started = performance.now();
      expect(await restoreDrill({ workDir, domainName })).toMatchObject({
        domainRemoved: true,
        removedFiles: ['overlay2.qcow2'],
      });
      console.info(
        `[libvirt drill] restore mid-write with a pending block job: ${Math.round(performance.now() - started)}ms`,
      );
      expect(await domainState(domainName)).toBe('absent');
      for (const layer of chain.layers) {
        expect((await readFile(layer)).equals(await readFile(join(chain.pristineDir, basename(layer))))).toBe(true);
      }
      expect(await restoreDrill({ workDir, domainName })).toMatchObject({ domainRemoved: false, removedFiles: [] });
    } finally {
      await restoreDrill({ workDir, domainName }); // never leave the guest running when an expectation fails
    }
  });
});

/** The workflow's libvirt steps (drills/libvirt-steps.ts) run in this process: each step is the
 *  operation its activity runs, recorded as the workflow records it, then the workflow's restore. */
async function runLibvirtDrill(target: DrillTarget, beforeStep?: (step: string) => Promise<void>) {
  const run = new DrillRunState();
  try {
    const inProcess: LibvirtStepExecutor = {
      run: async (step, op, input) => {
        await beforeStep?.(step);
        return run.run(step, () => timed(() => libvirtStepOps[op](input)));
      },
    };
    await runLibvirtDrillSteps(target, inProcess, run);
  } catch (error) {
    run.failures.push(`drill aborted in ${run.step}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { workDir, domainName } = target;
  const restore = await run.run('restore', () => timed(() => restoreAndInspect({ workDir, domainName })));
  const { failures, timings, progress, k, verification } = run;
  return {
    ok: failures.length === 0,
    failures,
    timings,
    verification,
    restore,
    oldLayerRecords: k,
    progressBeforeSnapshot: progress.beforeSnapshot,
    progressAfterSnapshot: progress.afterSnapshot,
    progressAfterCommit: progress.afterCommit,
  };
}
