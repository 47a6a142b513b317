import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../../server/config.ts'

describe('config', () => {
  it('defaults to the embedded database when DATABASE_URL is unset', () => {
    const c = loadConfig({})
    expect(c.databaseUrl).toBeUndefined()
    expect(c.port).toBe(8080)
    expect(c.queuePrefix).toBe('{pw}')
  })
  it('names every invalid variable in one error', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'not a url', ADMIN_PASSWORD: 'short' })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError)
      const msg = (err as Error).message
      expect(msg).toContain('PORT')
      expect(msg).toContain('DATABASE_URL')
      expect(msg).toContain('ADMIN_PASSWORD')
    }
  })
  it('hashes passwords at the default cost unless PASSWORD_HASH_COST=low, and refuses other values', () => {
    expect(loadConfig({}).passwordHashCost).toBe('default')
    expect(loadConfig({ PASSWORD_HASH_COST: 'low' }).passwordHashCost).toBe('low')
    expect(() => loadConfig({ PASSWORD_HASH_COST: 'cheap' })).toThrow(/PASSWORD_HASH_COST/)
  })
  it('refuses a queue prefix that is not a Redis Cluster hash tag', () => {
    expect(() => loadConfig({ QUEUE_PREFIX: 'pw' })).toThrow(/hash tag/)
  })
})
