import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { insertUser } from '../../server/db/users-repo.ts'
import { legacyScryptHash } from '../../server/lib/passwords.ts'

let sys: TestSystem
let admin: string

const hashOf = async (username: string) =>
  (await sys.database.pool.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE username = $1', [username])).rows[0]!.password_hash

beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false' })
  admin = await login(sys, 'admin', ADMIN_PASSWORD)
})
afterAll(async () => { await sys?.stop() })

describe('password hashes', () => {
  it('hashes new passwords with argon2id', async () => {
    expect(admin).toMatch(/^pw_session=/)
    expect(await hashOf('admin')).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/) // PASSWORD_HASH_COST=low in tests
  })

  it('signs in with a scrypt hash from before and replaces it with argon2id on that sign-in', async () => {
    const old = await legacyScryptHash('an old password 1', 2 ** 10)
    await insertUser(sys.database.pool, { username: 'old-timer', displayName: '老王', role: 'manager', passwordHash: old })
    await expect(login(sys, 'old-timer', 'wrong password')).rejects.toThrow(/401/)
    expect(await hashOf('old-timer')).toBe(old) // a wrong password upgrades nothing
    await login(sys, 'old-timer', 'an old password 1')
    const upgraded = await hashOf('old-timer')
    expect(upgraded).toMatch(/^\$argon2id\$/)
    await login(sys, 'old-timer', 'an old password 1')
    expect(await hashOf('old-timer')).toBe(upgraded) // already current: not rehashed again
    await expect(login(sys, 'old-timer', 'wrong password')).rejects.toThrow(/401/)
  })
})
