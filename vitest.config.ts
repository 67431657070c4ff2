import { defineConfig } from 'vitest/config';
import LongestFirst from './test/setup/sequencer';

// Two projects: "standalone" suites need nothing but Node (and, for drills/CLI
// tests, the system packages they install themselves); "platform" suites run
// against the real PostgreSQL + Temporal that test/setup/platform.ts starts once.
// Files run side by side, both projects in one pool: most of a file's time is waiting (simulated
// cloud delays, Temporal polls, peers starting), not CPU, so even 2 cores are kept busy by
// more workers than cores. Platform files do not share state: each worker has its own database
// and namespace (test/setup/platform-worker.ts). VITEST_MAX_WORKERS overrides the count.
const MAX_WORKERS = Number(process.env.VITEST_MAX_WORKERS ?? 4);

export default defineConfig({
  test: {
    maxWorkers: MAX_WORKERS,
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        test: {
          name: 'standalone',
          include: ['test/**/*.test.ts'],
          exclude: ['test/platform/**', 'test/fuzz/**', 'node_modules/**'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'platform',
          include: ['test/platform/**/*.test.ts', 'test/fuzz/**/*.test.ts'],
          globalSetup: ['test/setup/platform.ts'],
          setupFiles: ['test/setup/platform-worker.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
