// What the drill platform tests share: a platform whose worker puts drill work dirs under a
// temp root, a poll of a run through the API until it ends, and the "nothing left behind" check.
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { releaseDrillDaemons } from '../../activities/drills/preflight';
import { formatTimings } from '../../drills/step-timer';
import { startPlatform, waitFor, type Platform } from './harness';

export interface DrillPlatform extends Platform {
  workRoot: string;
  /** Ends the platform, hands back the libvirt lease, removes the work root. */
  closeDrills(): Promise<void>;
}

export async function startDrillPlatform(): Promise<DrillPlatform> {
  const workRoot = await mkdtemp(join(tmpdir(), 'blockflow-drill-platform-'));
  await chmod(workRoot, 0o755); // QEMU runs as libvirt-qemu and must reach the images
  // The worker runs in this process and reads DRILL_WORK_DIR when a drill starts.
  process.env.DRILL_WORK_DIR = workRoot;
  const platform = await startPlatform();
  return Object.assign(platform, {
    workRoot,
    async closeDrills() {
      await platform.close();
      await releaseDrillDaemons();
      delete process.env.DRILL_WORK_DIR;
      await rm(workRoot, { recursive: true, force: true });
    },
  });
}

/** POST /v1/drills; expects 202 and returns the run id. */
export async function startDrill(p: Platform, body: Record<string, unknown>): Promise<string> {
  const res = await p.api('/v1/drills', { method: 'POST', body });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id as string;
}

/** Polls GET /v1/drills/{id} until the run is no longer running and its workflow has ended. */
export async function waitForDrill(p: Platform, id: string, timeoutMs = 120_000): Promise<any> {
  const run = await waitFor(
    `drill ${id} to end`,
    async () => {
      const res = await p.api(`/v1/drills/${id}`);
      expect(res.status).toBe(200);
      return res.body.status !== 'running' && res.body.workflowStatus !== 'RUNNING' && res.body;
    },
    timeoutMs,
  );
  console.info(
    `[drill ${id}] ${run.status} ${run.verdict ?? '-'} k=${run.k} n=${run.n} ${formatTimings(run.stepTimings ?? {})}`,
  );
  return run;
}

/**
 * After the restore: the work dir holds the original chain (identical to its pristine copies), no overlay, no export.
 */
export async function expectOriginalChainOnly(workDir: string, chain: string[]): Promise<void> {
  const files = (await readdir(workDir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  expect(files.filter((name) => name.endsWith('.qcow2')).sort()).toEqual(chain);
  expect(await readdir(workDir)).not.toContain('exports');
  for (const layer of chain) {
    expect(
      (await readFile(join(workDir, layer))).equals(await readFile(join(workDir, 'pristine', layer))),
      `${layer} is back to its original`,
    ).toBe(true);
  }
}
