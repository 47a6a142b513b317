import { describe, expect, it } from 'vitest'
import { dummyHash, hashPassword, verifyPassword } from '../../../server/lib/passwords.ts'

describe('passwords', () => {
  it('verifies a password hashed at either cost and refuses a wrong one', async () => {
    for (const cost of ['low', 'default'] as const) {
      const stored = await hashPassword('correct horse', cost)
      expect(await verifyPassword('correct horse', stored)).toBe(true)
      expect(await verifyPassword('correct hors', stored)).toBe(false)
    }
  })
  it('the dummy hash for unknown names never matches, at either cost', async () => {
    expect(dummyHash('low')).not.toBe(dummyHash('default'))
    for (const cost of ['low', 'default'] as const) expect(await verifyPassword('', dummyHash(cost))).toBe(false)
  })
})
