import { describe, expect, it } from 'vitest'
import {
  dummyHash,
  hashPassword,
  legacyScryptHash,
  needsRehash,
  verifyPassword,
} from '../../../server/lib/passwords.ts'

describe('passwords', () => {
  it('hashes with argon2id at OWASP parameters by default, cheaply at low, and verifies both', async () => {
    const strong = await hashPassword('correct horse', 'default')
    expect(strong).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    const cheap = await hashPassword('correct horse', 'low')
    expect(cheap).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/)
    for (const stored of [strong, cheap]) {
      expect(await verifyPassword('correct horse', stored)).toBe(true)
      expect(await verifyPassword('correct hors', stored)).toBe(false)
    }
  })
  it('normalises the password (NFKC), so full-width and half-width forms match', async () => {
    expect(await verifyPassword('ｐａｓｓ１２３', await hashPassword('pass123', 'low'))).toBe(true)
  })
  it('still verifies the scrypt hashes made before, and asks for them to be rehashed', async () => {
    const old = await legacyScryptHash('old secret', 2 ** 10)
    expect(await verifyPassword('old secret', old)).toBe(true)
    expect(await verifyPassword('old secret!', old)).toBe(false)
    expect(needsRehash(old, 'low')).toBe(true)
    expect(needsRehash(await hashPassword('x', 'low'), 'low')).toBe(false)
    expect(needsRehash(await hashPassword('x', 'low'), 'default')).toBe(true)
    expect(needsRehash(await hashPassword('x', 'default'), 'low')).toBe(false)
  })
  it('the dummy hash for unknown names is well formed at the cost asked and never matches', async () => {
    expect(dummyHash('default')).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    for (const cost of ['low', 'default'] as const) {
      expect(await verifyPassword('', dummyHash(cost))).toBe(false)
      expect(await verifyPassword('anything', dummyHash(cost))).toBe(false)
    }
    expect(await verifyPassword('x', 'garbage')).toBe(false)
  })
})
