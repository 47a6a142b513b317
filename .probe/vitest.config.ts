import { defineConfig } from 'vitest/config'
export default defineConfig({ test: { include: ['.probe/*.test.ts'], globalSetup: ['test/helpers/global-setup.ts'], pool: 'forks', testTimeout: 300000, hookTimeout: 300000 } })
