// The order files start in: longest first, both projects mixed, so a long file (random-kills,
// pool-large-round, the contract suite with the real OpenStack) never starts last and runs alone at
// the end. Expected duration: the seconds below, measured in a whole run (issue 21's note), for
// files over 20 s, or vitest's cache of the last run here if longer (a run filtered with -t
// records a short one; a fresh clone has none).
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const MEASURED_SECONDS: Record<string, number> = {
  'test/platform/random-kills.test.ts': 374,
  'test/contract/contract.test.ts': 304,
  'test/openstack-sim/cli-operator.test.ts': 178,
  'test/platform/pool-large-round.test.ts': 154,
  'test/platform/drill-libvirt.test.ts': 113,
  'test/drills/libvirt-drill.test.ts': 103,
  'test/platform/pool-worker-crash.test.ts': 93,
  'test/platform/workflow-logic/replenish-pool.test.ts': 88,
  'test/fuzz/api-fuzz.test.ts': 86,
  'test/platform/server-concurrency.test.ts': 78,
  'test/system/scale-out.test.ts': 75,
  'test/platform/server-crash.test.ts': 71,
  'test/platform/drill-storage-daemon.test.ts': 51,
  'test/system/start-restart.test.ts': 42,
  'test/platform/clone-volume.test.ts': 42,
  'test/openstack-sim/cli-network.test.ts': 39,
  'test/openstack-sim/cli.test.ts': 37,
  'test/platform/server-ownership.test.ts': 36,
  'test/operator/log-secrets.test.ts': 30,
  'test/operator/dashboard.test.ts': 29,
  'test/platform/server-compensation.test.ts': 29,
  'test/platform/server-stuck.test.ts': 28,
  'test/drills/storage-daemon-drill.test.ts': 27,
  'test/platform/pool-schedules.test.ts': 26,
  'test/config/start-fails-fast.test.ts': 23,
};

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const expectedMs = (spec: TestSpecification) => {
      const file = relative(root, spec.moduleId);
      const last = this.ctx.cache.getFileTestResults(`${spec.project.name}:${file}`);
      return Math.max(last?.duration ?? 0, (MEASURED_SECONDS[file] ?? 0) * 1000);
    };
    return [...files].sort((a, b) => expectedMs(b) - expectedMs(a));
  }
}
