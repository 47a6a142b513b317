import { defineConfig } from 'vitest/config'

/**
 * Three tiers, each a vitest project with an npm script of its own:
 *   unit         pure code, no database or Redis            npm run test:unit
 *   integration  the product against the embedded TimescaleDB (or TEST_DATABASE_URL) and real Redis
 *                                                          npm run test:integration
 *   browser      the dashboard in Debian's Chromium         npm run test:browser
 * Integration and browser systems start from a migrated template made once per run
 * (test/helpers/global-setup.ts, test/helpers/test-db.ts); files whose data is namespaced
 * share one started system per worker (test/helpers/shared-system.ts, docs/testing.md).
 */
const system = {
  environment: 'node' as const,
  // A hang guard, not a speed check: a system's first minute includes the workers' first
  // aggregate refreshes (8-9 s each on an idle machine, several times that under a full run),
  // which hold the one-session embedded database.
  testTimeout: 120_000,
  hookTimeout: 180_000,
  globalSetup: ['test/helpers/global-setup.ts'],
  // A worker process runs file after file (its modules stay loaded), so files that ask for
  // sharedTestSystem() / sharedBrowser() (test/helpers/shared-system.ts) reuse one started
  // product and one Chromium per worker. Files that start their own system are unaffected:
  // they start and stop it as before. No test mocks modules or mutates process.env.
  isolate: false,
  // expect.poll waits for what a page or a worker does next. Its default of 1 s was too short
  // on a loaded 2-core machine (a resolve's detail state, a reload's list); waiting longer
  // weakens nothing: a wrong value still fails, only later.
  expect: { poll: { timeout: 15_000, interval: 100 } },
}

export default defineConfig({
  // Vitest keeps each file's last duration in <cacheDir>/vitest/results.json and starts the longest
  // files first (and failed ones), so that no long file starts last and runs alone. A clean clone has
  // no such file; .ci/run keeps one outside the clone (PW_TEST_CACHE_DIR), as it keeps npm's cache.
  ...(process.env.PW_TEST_CACHE_DIR ? { cacheDir: process.env.PW_TEST_CACHE_DIR } : {}),
  test: {
    // Integration files each start an embedded TimescaleDB (~0.5 GB). Three workers on this 2-core
    // machine: with two, a run used about 1.3 of the 2 cores (its tests wait on timers, polls and the
    // one-session embedded database). PW_TEST_WORKERS overrides it.
    maxWorkers: Number(process.env.PW_TEST_WORKERS ?? 3),
    pool: 'forks',
    projects: [
      // isolate: false here too: one worker process runs file after file (142 s → 65 s for the tier
      // under load 30); the one test that changes process.env (TZ) restores it.
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 180_000,
          isolate: false,
        },
      },
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], ...system } },
      { test: { name: 'browser', include: ['test/browser/**/*.test.ts'], ...system } },
    ],
  },
})
