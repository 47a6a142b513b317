import { defineConfig } from 'vitest/config'
export default defineConfig({ test: { include: ['.probe/empty.test.ts'], globalSetup: process.env.GS ? ['test/helpers/global-setup.ts'] : [], pool: 'forks' } })
