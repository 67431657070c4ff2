import { defineConfig } from 'vitest/config';

// Two projects: "standalone" suites need nothing but Node (and, for drills/CLI
// tests, the system packages they install themselves); "platform" suites run
// against the real PostgreSQL + Temporal that test/setup/platform.ts starts once.
export default defineConfig({
  test: {
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
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
