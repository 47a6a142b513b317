import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Integration files each start an embedded TimescaleDB (~0.5 GB); two at a time fit a 2-core machine.
    maxWorkers: 2,
    pool: 'forks',
  },
})
