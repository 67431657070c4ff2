// A pool set up the way seed 000's test did: two volume types × two OSes ("4 kinds"), the
// same count for each, image snapshots named by the pool's naming rule.
import type { PoolConfig } from '../../pool/settings';
import { seedPoolSettings } from '../../pool/settings';
import { simulatorSeed } from '../../infra/stack';
import type { PoolKind } from '../../pool/kinds';
import { resetPoolTables, startPlatform, waitFor, type Platform, type PlatformOptions } from './harness';
import type { SimulatorOptions } from '../../openstack-sim';
import { syncOsCatalog } from '../../workflows';

export const testPoolConfig = (overrides: Partial<PoolConfig> = {}): PoolConfig => ({
  volumeTypes: ['sas', 'ssd'],
  osHighDemand: ['Debian9 64bit'],
  osLowDemand: ['Centos7.3 64bit'],
  targetHighDemand: 2,
  targetLowDemand: 2,
  replenishIntervalSeconds: 3600,
  reconcileIntervalSeconds: 3600,
  // no throttle (the interval used to be 0.05, which the integer column stored as 0)
  createIntervalSeconds: 0,
  throttleMode: 'fixed',
  snapshotNamePattern: '^sysdisk-(?<type>[a-z0-9]+)-(?<os>.+)$',
  ...overrides,
});

export async function startPool(
  config: PoolConfig,
  sim: SimulatorOptions = {},
  opts: Omit<PlatformOptions, 'sim'> = {},
): Promise<Platform> {
  const platform = await startPlatform({ ...opts, sim: { seed: simulatorSeed(config, { omitLast: false }), ...sim } });
  await resetPoolTables(platform.prisma);
  await seedPoolSettings(platform.prisma, config);
  await run(platform, syncOsCatalog);
  return platform;
}

let counter = 0;
/** Runs a pool workflow (no arguments) to its end on the platform's task queue. */
export async function run<R>(p: Platform, workflow: () => Promise<R>): Promise<R> {
  const workflowId = `${workflow.name}-${Date.now()}-${counter++}`;
  return p.client.workflow.execute(workflow, { taskQueue: p.taskQueue, workflowId });
}

/** Cinder's spare volumes (by the pool's naming scheme) in the admin project. */
export async function cinderSpares(p: Platform) {
  return (await p.cloud.admin.cinder.listVolumes()).filter((v) => v.name?.startsWith('spare-'));
}

/** A re-published image for `kind`: strictly newer than the current one (Cinder's timestamps are to the second). */
export async function publishSnapshot(p: Platform, kind: PoolKind): Promise<string> {
  await new Promise((r) => setTimeout(r, 1_100));
  const id = p.sim.faults.addSnapshot({ name: `sysdisk-${kind.volumeType}-${kind.osName}`, ...kind, sizeGb: 20 });
  await waitFor('the new snapshot available', async () =>
    (await p.cloud.admin.cinder.listSnapshots()).some((s) => s.id === id && s.status === 'available'),
  );
  return id;
}

/** `n` pool requests of `kind`, all hits, by builds no test made, spread evenly over the last `withinMs`. */
export async function seedDemand(p: Platform, kind: PoolKind, n: number, withinMs: number): Promise<void> {
  const now = Date.now();
  await p.prisma.poolDemand.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      buildId: `seeded-${now}-${i}`,
      ...kind,
      at: new Date(now - (i * withinMs) / n),
      hit: true,
    })),
  });
}
