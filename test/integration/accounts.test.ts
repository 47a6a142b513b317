import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { addUser, ADMIN_PASSWORD, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { insertUser } from '../../server/db/users-repo.ts'
import { legacyScryptHash } from '../../server/lib/passwords.ts'
import { api, errorOf, fieldErrorsOf } from '../helpers/api.ts'

let sys: TestSystem
let admin: string

const hashOf = async (username: string) =>
  (
    await sys.database.pool.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE username = $1', [
      username,
    ])
  ).rows[0]!.password_hash

beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false' })
  admin = await login(sys, 'admin', ADMIN_PASSWORD)
})
afterAll(async () => {
  await sys?.stop()
})

describe('password hashes', () => {
  it('hashes new passwords with argon2id', async () => {
    expect(admin).toMatch(/^pw_session=/)
    expect(await hashOf('admin')).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/) // PASSWORD_HASH_COST=low in tests
  })

  it('signs in with a scrypt hash from before and replaces it with argon2id on that sign-in', async () => {
    const old = await legacyScryptHash('an old password 1', 2 ** 10)
    await insertUser(sys.database.pool, {
      username: 'old-timer',
      displayName: '老王',
      role: 'manager',
      passwordHash: old,
    })
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

const wsUrl = () => sys.url.replace('http', 'ws') + '/ws?channels=kpi'
/** An open live socket and its close code (or the HTTP status of a refused upgrade). */
function openLive(cookie: string): Promise<{ ws: WebSocket; closed: Promise<number> } | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl(), { headers: { cookie, origin: sys.url } })
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)))
    ws.on('open', () => resolve({ ws, closed }))
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.on('error', () => undefined)
  })
}
const auditActions = async (target: string) =>
  (
    await sys.database.pool.query<{ action: string; username: string }>(
      'SELECT action, username FROM audit_log WHERE target = $1 ORDER BY id',
      [target],
    )
  ).rows

describe('accounts', () => {
  it('lets an admin create a person who signs in with the one-time password and must choose a new one first', async () => {
    const created = await api(sys, { cookie: admin }).post('/api/v1/admin/users', {
      status: 201,
      body: { username: 'Li.Na', displayName: '李娜', role: 'on_call', hubCode: 'SHA-TC' },
    })
    expect(created.user).toMatchObject({
      username: 'li.na',
      displayName: '李娜',
      role: 'on_call',
      hubCode: 'SHA-TC',
      disabled: false,
      mustChangePassword: true,
      lastLoginAt: null,
    })
    const otp: string = created.oneTimePassword
    expect(otp).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/)

    const cookie = await login(sys, 'li.na', otp)
    expect((await api(sys, { cookie }).get('/api/v1/auth/me')).user).toMatchObject({
      username: 'li.na',
      mustChangePassword: true,
      hubCode: 'SHA-TC',
    })
    const refused = await call(sys, 'GET', '/api/v1/alerts', { cookie })
    expect(refused.status).toBe(403)
    expect(errorOf(refused).code).toBe('password_change_required')
    expect(await openLive(cookie)).toBe(403)

    const weak = await call(sys, 'POST', '/api/v1/auth/password', {
      cookie,
      body: { currentPassword: otp, newPassword: 'short' },
    })
    expect(weak.status).toBe(400)
    expect(errorOf(weak)).toMatchObject({ code: 'weak_password', details: [{ field: 'newPassword' }] })
    const wrong = await call(sys, 'POST', '/api/v1/auth/password', {
      cookie,
      body: { currentPassword: 'not-it-at-all', newPassword: 'li na chose this' },
    })
    expect(wrong.status).toBe(400)
    expect(errorOf(wrong)).toMatchObject({ code: 'wrong_password', details: [{ field: 'currentPassword' }] })
    const changed = await call(sys, 'POST', '/api/v1/auth/password', {
      cookie,
      body: { currentPassword: otp, newPassword: 'li na chose this' },
    })
    expect(changed.status).toBe(200)
    expect((await call(sys, 'GET', '/api/v1/alerts', { cookie })).status).toBe(200) // the same session goes on
    await expect(login(sys, 'li.na', otp)).rejects.toThrow(/401/)
    await login(sys, 'li.na', 'li na chose this')

    const list = await api(sys, { cookie: admin }).get('/api/v1/admin/users')
    const row = list.users.find((u) => u.username === 'li.na')
    expect(row?.mustChangePassword).toBe(false)
    expect(Date.now() - Date.parse(row?.lastLoginAt ?? '')).toBeLessThan(10 * 60_000)
    expect(list.users.map((u) => u.username)).toContain('admin')
    expect(JSON.stringify(list)).not.toMatch(/argon2|scrypt|password_hash|passwordHash/)
    expect((await auditActions('li.na')).map((a) => a.action)).toEqual(['user.create', 'user.change_password'])
  })

  it('refuses a taken name, an unknown hub, a bad role, naming the field', async () => {
    const taken = await call(sys, 'POST', '/api/v1/admin/users', {
      cookie: admin,
      body: { username: 'li.na', displayName: 'x', role: 'finance' },
    })
    expect(taken.status).toBe(409)
    expect(errorOf(taken)).toMatchObject({ code: 'username_taken', details: [{ field: 'username' }] })
    const hub = await call(sys, 'POST', '/api/v1/admin/users', {
      cookie: admin,
      body: { username: 'zhang3', displayName: '张三', role: 'finance', hubCode: 'NOWHERE' },
    })
    expect(hub.status).toBe(400)
    expect(errorOf(hub)).toMatchObject({ code: 'unknown_hub', details: [{ field: 'hubCode' }] })
    const role = await call(sys, 'POST', '/api/v1/admin/users', {
      cookie: admin,
      body: { username: 'zhang3', displayName: '张三', role: 'superuser' },
    })
    expect(role.status).toBe(400)
    expect(fieldErrorsOf(role)[0]!.field).toBe('role')
  })

  it("a reset ends the person's sessions, closes their websockets and forces a new password at the next sign-in", async () => {
    const otp = (
      await api(sys, { cookie: admin }).post('/api/v1/admin/users', {
        body: { username: 'wang.fang', displayName: '王芳', role: 'control_room' },
      })
    ).oneTimePassword
    const first = await login(sys, 'wang.fang', otp)
    expect(
      (
        await call(sys, 'POST', '/api/v1/auth/password', {
          cookie: first,
          body: { currentPassword: otp, newPassword: 'wang fang 2026!' },
        })
      ).status,
    ).toBe(200)
    const live = await openLive(first)
    if (typeof live === 'number') throw new Error(`upgrade refused: ${live}`)

    const reset = await api(sys, { cookie: admin }).post('/api/v1/admin/users/:username/reset-password', {
      status: 200,
      params: { username: 'wang.fang' },
    })
    expect(reset).toMatchObject({ sessionsEnded: 1, user: { mustChangePassword: true } })
    expect(await live.closed).toBe(4401)
    expect((await call(sys, 'GET', '/api/v1/auth/me', { cookie: first })).status).toBe(401)
    await expect(login(sys, 'wang.fang', 'wang fang 2026!')).rejects.toThrow(/401/)
    const again = await login(sys, 'wang.fang', reset.oneTimePassword)
    expect(errorOf(await call(sys, 'GET', '/api/v1/kpis', { cookie: again })).code).toBe('password_change_required')
    expect((await auditActions('wang.fang')).map((a) => a.action)).toContain('user.reset_password')
  })

  it("disabling closes the person's open websocket and refuses their sign-in; enabling lets them back", async () => {
    await addUser(sys, 'zhao.lei', 'manager')
    const cookie = await login(sys, 'zhao.lei')
    const live = await openLive(cookie)
    if (typeof live === 'number') throw new Error(`upgrade refused: ${live}`)
    const off = await api(sys, { cookie: admin }).post('/api/v1/admin/users/:username/disable', {
      status: 200,
      params: { username: 'zhao.lei' },
    })
    expect(off.user.disabled).toBe(true)
    expect(await live.closed).toBe(4401)
    expect((await call(sys, 'GET', '/api/v1/auth/me', { cookie })).status).toBe(401)
    await expect(login(sys, 'zhao.lei')).rejects.toThrow(/401/)
    expect(
      (
        await api(sys, { cookie: admin }).post('/api/v1/admin/users/:username/enable', {
          params: { username: 'zhao.lei' },
        })
      ).user.disabled,
    ).toBe(false)
    await login(sys, 'zhao.lei')
    expect((await auditActions('zhao.lei')).map((a) => a.action)).toEqual(['user.disable', 'user.enable'])
  })

  it('a new role or hub takes effect at once: the person signs in again under it', async () => {
    const cookie = await login(sys, 'zhao.lei')
    const r = await api(sys, { cookie: admin }).put('/api/v1/admin/users/:username', {
      status: 200,
      params: { username: 'zhao.lei' },
      body: { role: 'finance', hubCode: null },
    })
    expect(r.user).toMatchObject({ role: 'finance', hubCode: null })
    expect(r.sessionsEnded).toBeGreaterThanOrEqual(1)
    expect((await call(sys, 'GET', '/api/v1/auth/me', { cookie })).status).toBe(401)
    const fresh = await login(sys, 'zhao.lei')
    expect((await api(sys, { cookie: fresh }).get('/api/v1/auth/me')).user.role).toBe('finance')
    const name = await api(sys, { cookie: admin }).put('/api/v1/admin/users/:username', {
      params: { username: 'zhao.lei' },
      body: { displayName: '赵磊' },
    })
    expect(name.sessionsEnded).toBe(0) // a new display name takes nothing away
    expect((await call(sys, 'PUT', '/api/v1/admin/users/zhao.lei', { cookie: admin, body: {} })).status).toBe(400)
    expect(
      (await call(sys, 'PUT', '/api/v1/admin/users/nobody-here', { cookie: admin, body: { role: 'finance' } })).status,
    ).toBe(404)
  })

  it('never leaves the product without an enabled admin, and an admin cannot lock themself out', async () => {
    const self = await call(sys, 'POST', '/api/v1/admin/users/admin/disable', { cookie: admin })
    expect(self.status).toBe(409)
    expect(errorOf(self).code).toBe('own_account')
    expect(
      errorOf(await call(sys, 'PUT', '/api/v1/admin/users/admin', { cookie: admin, body: { role: 'manager' } })).code,
    ).toBe('own_account')
    const otp = (
      await api(sys, { cookie: admin }).post('/api/v1/admin/users', {
        body: { username: 'second-admin', displayName: 'Two', role: 'admin' },
      })
    ).oneTimePassword
    let two = await login(sys, 'second-admin', otp)
    expect(
      (
        await call(sys, 'POST', '/api/v1/auth/password', {
          cookie: two,
          body: { currentPassword: otp, newPassword: 'second admin pw' },
        })
      ).status,
    ).toBe(200)
    two = await login(sys, 'second-admin', 'second admin pw')
    // Two admins disabling each other at the same moment: one of them stays enabled, whatever the interleaving.
    const [x, y] = await Promise.all([
      call(sys, 'POST', '/api/v1/admin/users/second-admin/disable', { cookie: admin }),
      call(sys, 'POST', '/api/v1/admin/users/admin/disable', { cookie: two }),
    ])
    expect([x.status, y.status].sort()).toEqual(expect.arrayContaining([200]))
    const enabledAdmins = await sys.database.pool.query(
      `SELECT username FROM users WHERE role = 'admin' AND NOT disabled`,
    )
    expect(enabledAdmins.rows).toHaveLength(1)
    for (const r of [x, y]) if (r.status !== 200) expect(['last_admin', 'unauthenticated']).toContain(errorOf(r).code)
    await sys.database.pool.query(`UPDATE users SET disabled = false WHERE username = 'admin'`)
    admin = await login(sys, 'admin', ADMIN_PASSWORD)
  })

  it('keeps the /api prefix in the message of an unknown route', async () => {
    const r = await call(sys, 'POST', '/api/v1/admin/nothing-here', { cookie: admin, body: {} })
    expect(r.status).toBe(404)
    expect(errorOf(r).message).toBe('No route POST /api/v1/admin/nothing-here')
  })
})
