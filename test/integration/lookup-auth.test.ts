import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addUser, ADMIN_PASSWORD, call, login, type TestSystem } from '../helpers/system.ts'
import { sharedTestSystem } from '../helpers/shared-system.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { api, errorOf } from '../helpers/api.ts'
import { ROUTES } from '../../server/http/routes.ts'
import { USER_ROLES, type Role } from '../../server/domain/roles.ts'

let sys: TestSystem
const cookies = new Map<Role, string>()
let parcel: ReturnType<typeof shipment>

beforeAll(async () => {
  sys = await sharedTestSystem()
  for (const role of USER_ROLES) {
    if (role !== 'admin') await addUser(sys, `u-${role.replace('_', '-')}`, role)
    cookies.set(
      role,
      await login(
        sys,
        role === 'admin' ? 'admin' : `u-${role.replace('_', '-')}`,
        role === 'admin' ? ADMIN_PASSWORD : undefined,
      ),
    )
  }
  parcel = shipment({
    recipient: { name: '欧阳娜娜', phone: '13987655678', address: '北京市朝阳区建国路 88 号 3 单元', city: '北京' },
    destinationHub: 'BJS-O1',
  })
  await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: parcel })
  await call(sys, 'POST', '/api/v1/events', {
    token: sys.token,
    body: [
      event(parcel.waybill, { type: 'collected', hub: 'HGH-O1', courier: 'C-HGH-O1-01', time: minutesAgo(300) }),
      event(parcel.waybill, { type: 'departed_hub', hub: 'HGH-SC', time: minutesAgo(200) }),
      event(parcel.waybill, { type: 'arrived_hub', hub: 'BJS-TC', time: minutesAgo(60) }),
    ],
  })
})
afterAll(async () => {
  await sys?.stop()
})

describe('parcel look-up', () => {
  it('shows status, fee and the full trajectory with time and place of every scan', async () => {
    const body = await api(sys, { cookie: cookies.get('cs_operator') }).get('/api/v1/shipments/:waybill', {
      params: { waybill: parcel.waybill },
    })
    expect(body.status).toBe('in_transit')
    expect(body.trajectory.map((s) => [s.type, s.hub, s.hubName])).toEqual([
      ['collected', 'HGH-O1', '杭州西湖网点'],
      ['departed_hub', 'HGH-SC', '杭州分拣中心'],
      ['arrived_hub', 'BJS-TC', '北京转运中心'],
    ])
    expect(body.trajectory[0]?.latitude).toBeCloseTo(30.2592, 3)
    expect(body.fee.total).toBeGreaterThan(0)
    expect(body.recipient.phone).toBe('13987655678')
  })

  it('answers 404 for an unknown waybill', async () => {
    const r = await call(sys, 'GET', '/api/v1/shipments/PW999999999999', { cookie: cookies.get('cs_operator') })
    expect(r.status).toBe(404)
    expect(errorOf(r).code).toBe('shipment_not_found')
  })

  it.each([
    ['the waybill number', () => parcel.waybill],
    ['the waybill number in lower case', () => parcel.waybill.toLowerCase()],
    ['the recipient name', () => '欧阳娜娜'],
    ['the full phone number', () => '13987655678'],
    ['the last four digits of the phone', () => '5678'],
  ])('finds the parcel by %s', async (_label, q) => {
    const r = await api(sys, { cookie: cookies.get('cs_operator') }).get('/api/v1/track', { query: { q: q() } })
    expect(r.results.map((x) => x.waybill)).toContain(parcel.waybill)
  })

  it('masks names and phones for the control room but not for customer service', async () => {
    const masked = await api(sys, { cookie: cookies.get('control_room') }).get('/api/v1/track', {
      query: { q: '5678' },
    })
    const hit = masked.results.find((x) => x.waybill === parcel.waybill)
    expect(hit?.recipient).toMatchObject({ name: '欧***', phone: '139****5678' })
    expect(JSON.stringify(masked)).not.toContain('13987655678')
    const detail = await api(sys, { cookie: cookies.get('manager') }).get('/api/v1/shipments/:waybill', {
      params: { waybill: parcel.waybill },
    })
    expect(detail.masked).toBe(true)
    expect(detail.sender.phone).toBe('139****2222')
    expect(JSON.stringify(detail)).not.toContain('欧阳娜娜')
  })

  it('refuses a query too short to search with a reason', async () => {
    const r = await call(sys, 'GET', `/api/v1/track?q=12`, { cookie: cookies.get('cs_operator') })
    expect(r.status).toBe(400)
    expect(errorOf(r).code).toBe('query_too_short')
    expect(errorOf(r).message).toMatch(/last 4/)
  })
})

describe('accounts and roles', () => {
  // Logout last: it ends the session the other calls use.
  const isLogout = (r: { path: string }) => r.path.endsWith('/logout')
  const protectedRoutes = ROUTES.filter((r) => r.roles !== 'public').sort(
    (a, b) => Number(isLogout(a)) - Number(isLogout(b)),
  )
  const pathOf = (p: string) => p.replace(':waybill', 'PW000000000001')

  it.each(protectedRoutes.map((r) => [r.method.toUpperCase(), r.path, r] as const))(
    '%s %s answers 401 without a session',
    async (method, path) => {
      const r = await call(sys, method, pathOf(path), method === 'GET' ? {} : { body: {} })
      expect(r.status).toBe(401)
      expect(errorOf(r).code).toBe('unauthenticated')
    },
  )

  it('answers 403 to every role a route does not admit and lets in every role it does', async () => {
    for (const route of protectedRoutes) {
      for (const role of USER_ROLES) {
        const r = await call(sys, route.method.toUpperCase(), pathOf(route.path), {
          cookie: cookies.get(role),
          ...(route.method === 'get' ? {} : { body: {} }),
        })
        const admitted = (route.roles as readonly Role[]).includes(role)
        if (admitted) expect([401, 403], `${role} ${route.method} ${route.path}`).not.toContain(r.status)
        else expect(r.status, `${role} ${route.method} ${route.path}`).toBe(403)
      }
    }
  }, 240_000)

  it('refuses a wrong password without saying whether the user exists', async () => {
    const wrong = await call(sys, 'POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: 'not-the-password' },
    })
    const nobody = await call(sys, 'POST', '/api/v1/auth/login', {
      body: { username: 'nobody', password: 'not-the-password' },
    })
    expect(wrong.status).toBe(401)
    expect(nobody.body).toEqual(wrong.body)
  })

  it('sets an HttpOnly SameSite cookie and ends the session at logout', async () => {
    const res = await fetch(`${sys.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'u-finance', password: 'password-for-tests' }),
    })
    const setCookie = res.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(/HttpOnly/i)
    expect(setCookie).toMatch(/SameSite=Lax/i)
    const cookie = setCookie.split(';')[0]!
    expect((await api(sys, { cookie }).get('/api/v1/auth/me')).user.role).toBe('finance')
    expect((await call(sys, 'POST', '/api/v1/auth/logout', { cookie })).status).toBe(204)
    expect((await call(sys, 'GET', '/api/v1/auth/me', { cookie })).status).toBe(401)
  })

  it('stores passwords as argon2id hashes, never in clear', async () => {
    const r = await sys.database.pool.query<{ password_hash: string }>(
      `SELECT password_hash FROM users WHERE username = 'admin'`,
    )
    expect(r.rows[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/) // PASSWORD_HASH_COST=low in tests
    expect(r.rows[0]!.password_hash).not.toContain(ADMIN_PASSWORD)
  })

  it('keeps /healthz open and reports readiness of database, Redis and migrations', async () => {
    expect((await call(sys, 'GET', '/healthz')).status).toBe(200)
    const ready = await call(sys, 'GET', '/readyz')
    expect(ready.status).toBe(200)
    expect(ready.body).toEqual(expect.objectContaining({ checks: { database: true, migrations: true, redis: true } }))
  })
})
