// The parameters of bench/server-create.ts (simulated cloud delays, sample counts, targets, pool,
// request) and the types its run, claims benchmark and report share: one place to read what a
// run measured.
import { argValue } from './args';
import type { LoadReport } from './load-probe';
import { DEFAULT_NETWORK_ID, DEFAULT_USERS, type SimulatorOptions } from '../../openstack-sim';
import type { PoolConfig } from '../../pool/settings';
import type { Composition } from '../../bin/compose';

export const quick = process.argv.includes('--quick');

/**
 * The cloud. A create from a snapshot takes 60 s (a full copy of the image, as Cinder does on a
 * backend without fast clones: why the pool exists). The rest is realistic but small: an empty
 * volume in 1 s, a boot from volume to ACTIVE in 3 s. No overload model.
 */
export const DELAYS = {
  createDelayMs: 60_000,
  plainCreateDelayMs: 1_000,
  serverBootDelayMs: 3_000,
  deleteDelayMs: 500,
  serverDeleteDelayMs: 1_000,
} satisfies SimulatorOptions;
/** What a pool hit must wait for in the cloud: swap + data disks (created in parallel: once), then the boot. */
export const HIT_CLOUD_MS = DELAYS.plainCreateDelayMs + DELAYS.serverBootDelayMs;
/** A fallback also waits for its system disk from the snapshot, before the other disks. */
export const FALLBACK_CLOUD_MS = DELAYS.createDelayMs + HIT_CLOUD_MS;
export const OVERHEAD_FORMULA =
  'overhead = latency − (plainCreateDelayMs + serverBootDelayMs), latency = POST /v1/servers sent → ' +
  "createServer's result received (Temporal client, handle.result() on the build id); swap and data disks " +
  'are created in parallel, so plainCreateDelayMs counts once; transfer, accept, rename, IP, trust: no delay';

const LEVELS = [1, 10, 50] as const;
export type Level = (typeof LEVELS)[number];
/** `--levels 1,50`: only those concurrency levels (a partial run, for iterating on one figure). */
const onlyLevels = argValue('levels')?.split(',').map(Number);
export const CONCURRENCY: readonly Level[] = LEVELS.filter((l) => !onlyLevels || onlyLevels.includes(l));
/** `--hits-only`: no fallback builds (each takes over a minute). */
export const hitsOnly = process.argv.includes('--hits-only');
/** `--split`: the worker in a process of its own (`--role worker`), the API and the client in this one. */
export const split = process.argv.includes('--split');
/** A partial or split run writes its own results file, never the full run's. */
export const RESULTS_FILE = onlyLevels || hitsOnly || split ? 'server-create-partial.json' : 'server-create.json';
export const HITS: Record<Level, number> = quick ? { 1: 5, 10: 20, 50: 50 } : { 1: 20, 10: 50, 50: 100 };
/** Fallbacks take ≥ 64 s each: a few one after the other at c1, one wave each at c10 and c50. */
export const FALLBACKS: Record<Level, number> = hitsOnly
  ? { 1: 0, 10: 0, 50: 0 }
  : quick
    ? { 1: 1, 10: 0, 50: 50 }
    : { 1: 2, 10: 10, 50: 50 };
export const WARMUP = 2;
export const CLAIM_ROWS = 20_000;
export const CLAIMERS = 32;
export const CLAIM_SECONDS = quick ? 3 : 10;
export const TARGETS = { overheadC1P50Ms: 100, overheadC50P99Ms: 500, claimsPerSecond: 500 };

export const HIT_OS = 'Debian9 64bit';
export const FALLBACK_OS = 'Centos7.3 64bit';
export const VOLUME_TYPE = 'ssd';
const totalHits = WARMUP + CONCURRENCY.reduce((n, c) => n + HITS[c], 0);
/** Spares only for the hit OS; the fallback OS has a snapshot but a target of 0, so its builds fall back. */
export const POOL: PoolConfig = {
  volumeTypes: [VOLUME_TYPE],
  osHighDemand: [HIT_OS],
  osLowDemand: [FALLBACK_OS],
  targetHighDemand: totalHits + 5,
  targetLowDemand: 0,
  replenishIntervalSeconds: 3600,
  reconcileIntervalSeconds: 3600,
  createIntervalSeconds: 0,
  throttleMode: 'fixed',
  snapshotNamePattern: '^sysdisk-(?<type>[a-z0-9]+)-(?<os>.+)$',
};
/** A /20: 4093 addresses for the builds (a /24 would run out). */
export const NETWORK = { id: DEFAULT_NETWORK_ID, name: 'private', cidr: '10.8.0.0/20' };
export const USERS = [
  ...DEFAULT_USERS,
  { name: 'alt', password: 'alt-secret', project: 'alt', role: 'member' as const },
];

export type Path = 'hit' | 'fallback';

export interface Sample {
  id: string;
  path: Path;
  concurrency: Level;
  latencyMs: number;
  /** POST sent → 202 received (token check, request checks, trust, build row, workflow start). */
  acceptMs: number;
  /** When the POST was sent (epoch ms: compared with the build row's finishedAt). */
  sentAt: number;
  ok: boolean;
  gotPath?: string;
  stepTimings?: Record<string, number>;
  error?: string;
}

export interface Bench {
  c: Composition;
  apiUrl: string;
  apiToken: string;
  demoToken: string;
}

export interface Phase {
  label: string;
  builds: number;
  ok: number;
  load: LoadReport;
  /** CPU ms per build: this process (worker, API, simulator, clients), Temporal, PostgreSQL, the machine. */
  cpuMsPerBuild: Record<string, number>;
}
