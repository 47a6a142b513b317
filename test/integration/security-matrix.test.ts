import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { concretePath, openWs, routeKey, waitFor } from '../helpers/security-kit.ts'
import { ROUTES } from '../../server/http/routes.ts'
import { createApp, type Health } from '../../server/http/app.ts'
import type { AppContext } from '../../server/context.ts'
import { DISPLAY_ROLE, TOKEN_ROLES, USER_ROLES, type Role } from '../../server/domain/roles.ts'

/**
 * The role × route matrix for the principals that are not people: the integrator's
 * bearer token and an enrolled wall screen (the people's roles are in
 * lookup-auth.test.ts). Generated from the route table, so a new route is covered
 * the day it lands, and a route without a rule fails here.
 */

const KNOWN_ROLES: readonly Role[] = [...USER_ROLES, ...TOKEN_ROLES, DISPLAY_ROLE]
/** The only routes anyone may call without a principal. A new one must be added here on purpose. */
const PUBLIC_ROUTES = ['POST /api/v1/auth/login', 'GET /display/enroll']
/** Routes the app serves outside the table: open probes and metrics (token or loopback), checked in their own tests. */
const OUTSIDE_TABLE = ['GET /healthz', 'GET /readyz', 'GET /metrics']

let sys: TestSystem
let admin: string
let display: string

beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false' })
  admin = await login(sys, 'admin', ADMIN_PASSWORD)
  const created = await call(sys, 'POST', '/api/v1/displays', { cookie: admin, body: { name: 'matrix wall' } })
  expect(created.status).toBe(201)
  const enrol = await fetch(`${sys.url}${created.body.enrollPath}`, { redirect: 'manual' })
  expect(enrol.status).toBe(303)
  display = (enrol.headers.get('set-cookie') ?? '').split(';')[0]!
  expect(display).toMatch(/^pw_display=/)
})
afterAll(async () => { await sys?.stop() })

const protectedRoutes = ROUTES.filter((r) => r.roles !== 'public')
const admits = (route: (typeof ROUTES)[number], role: Role) => route.roles !== 'public' && route.roles.includes(role)
const bodyFor = (method: string) => (method === 'get' || method === 'delete' ? {} : { body: {} })

describe('the route table', () => {
  it('names the admitted roles of every route that is not one of the known public ones', () => {
    for (const route of ROUTES) {
      const key = routeKey(route)
      if (route.roles === 'public') {
        expect(PUBLIC_ROUTES, `${key} is public but not in the known public list`).toContain(key)
        continue
      }
      expect(route.roles.length, `${key} admits nobody`).toBeGreaterThan(0)
      for (const role of route.roles) expect(KNOWN_ROLES, `${key} names an unknown role`).toContain(role)
    }
    expect(ROUTES.filter((r) => r.roles === 'public').map(routeKey).sort()).toEqual([...PUBLIC_ROUTES].sort())
  })

  it('holds every method and path once, and has a sample value for every path parameter', () => {
    const keys = ROUTES.map(routeKey)
    expect(keys.length).toBe(new Set(keys).size)
    for (const route of ROUTES) expect(() => concretePath(route.path), routeKey(route)).not.toThrow()
  })

  it('admits a wall screen to reading routes only, and neither machines nor screens to administration', () => {
    for (const route of ROUTES) {
      if (admits(route, 'display')) expect(route.method, `display on ${routeKey(route)}`).toBe('get')
      if (route.path.includes('/admin/')) {
        expect(admits(route, 'display'), routeKey(route)).toBe(false)
        expect(admits(route, 'integrator'), routeKey(route)).toBe(false)
      }
    }
  })

  it('is the whole of what the express app routes, apart from the probes, metrics and the web app', () => {
    // Only route registration is looked at: no handler runs, so the context can be empty.
    const app = createApp({ config: {}, metrics: {}, log: {}, db: {} } as unknown as AppContext, {} as Health) as unknown as {
      router: { stack: Array<{ name: string; route?: { path: string | RegExp; methods: Record<string, boolean> }; handle: { stack?: unknown } }> }
    }
    const served: string[] = []
    for (const layer of app.router.stack) {
      // A mounted sub-router would carry routes the table doesn't know about.
      expect(layer.handle.stack, `a router is mounted (${layer.name})`).toBeUndefined()
      if (!layer.route) continue
      for (const method of Object.keys(layer.route.methods)) {
        served.push(`${method.toUpperCase()} ${layer.route.path instanceof RegExp ? 'WEB-APP' : layer.route.path}`)
      }
    }
    const expected = [...ROUTES.map(routeKey), ...OUTSIDE_TABLE]
    const extra = served.filter((k) => !expected.includes(k) && k !== 'GET WEB-APP')
    expect(extra, 'routes outside the table').toEqual([])
    expect(served.filter((k) => k !== 'GET WEB-APP').sort()).toEqual(expected.sort())
  })

  it('answers 404 under /api for a path that is not in the table, whoever asks', async () => {
    for (const who of [{}, { cookie: admin }, { token: sys.token }, { cookie: display }]) {
      for (const path of ['/api/v1/users', '/api/v1/admin/users', '/api/v1/shipments/PW000000000001/events', '/api/v2/kpis']) {
        const r = await call(sys, 'GET', path, who)
        expect(r.status, path).toBe(404)
        expect(r.body.error.code).toBe('not_found')
      }
    }
  })
})

describe('role × route matrix for machines and wall screens', () => {
  it('answers 403 to the integrator token on every route that does not admit integrators, and lets it in where it does', async () => {
    let exercised = 0
    for (const route of protectedRoutes) {
      const r = await call(sys, route.method.toUpperCase(), concretePath(route.path), { token: sys.token, ...bodyFor(route.method) })
      const label = `integrator ${routeKey(route)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`
      if (admits(route, 'integrator')) {
        expect([401, 403], label).not.toContain(r.status)
        expect(r.status, label).toBeLessThan(500)
      } else {
        expect(r.status, label).toBe(403)
        expect(r.body.error.code, label).toBe('forbidden')
      }
      exercised++
    }
    expect(exercised).toBe(protectedRoutes.length)
  })

  it('answers 403 to an enrolled display on every route that does not admit displays, and lets it in where it does', async () => {
    let exercised = 0
    for (const route of protectedRoutes) {
      const r = await call(sys, route.method.toUpperCase(), concretePath(route.path), { cookie: display, ...bodyFor(route.method) })
      const label = `display ${routeKey(route)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`
      if (admits(route, 'display')) {
        expect(r.status, label).toBe(200)
      } else {
        expect(r.status, label).toBe(403)
        expect(r.body.error.code, label).toBe('forbidden')
      }
      exercised++
    }
    expect(exercised).toBe(protectedRoutes.length)
  })

  it('lets the public routes be called by anyone, without a principal', async () => {
    for (const route of ROUTES.filter((r) => r.roles === 'public')) {
      for (const who of [{}, { token: sys.token }, { cookie: display }]) {
        const r = await call(sys, route.method.toUpperCase(), concretePath(route.path), { ...who, ...bodyFor(route.method) })
        expect([401, 403], `${routeKey(route)} ${JSON.stringify(who)}`).not.toContain(r.status)
        expect(r.status, routeKey(route)).toBeLessThan(500)
      }
    }
  })

  it('never falls back to the session cookie when a bearer token is presented and wrong', async () => {
    for (const bad of ['pwt_not-a-token', sys.token.slice(0, -1), `${sys.token}x`]) {
      const r = await fetch(`${sys.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${bad}`, cookie: admin } })
      expect(r.status, bad).toBe(401)
    }
  })

  it('refuses a display cookie holding anything but a live display token', async () => {
    for (const forged of ['pw_display=', 'pw_display=pwd_forged', `pw_display=${sys.token}`, `pw_display=${admin.split('=')[1]}`]) {
      expect((await call(sys, 'GET', '/api/v1/kpis', { cookie: forged })).status, forged).toBe(401)
    }
  })
})

describe('live channel upgrade by principal kind', () => {
  it('refuses the integrator token (403) and a caller without a principal (401), admits a display to its channels only', async () => {
    const token = openWs(sys.url, '?channels=kpi', { authorization: `Bearer ${sys.token}` })
    expect(await token.refused).toBe(403)
    const nobody = openWs(sys.url, '?channels=kpi', {})
    expect(await nobody.refused).toBe(401)
    const crossSite = openWs(sys.url, '?channels=kpi', { cookie: admin, origin: 'https://evil.example' })
    expect(await crossSite.refused).toBe(403)

    const wall = openWs(sys.url, '?channels=kpi,map,alerts,parcel:PW000000000001', { cookie: display })
    const hello = await waitFor(() => wall.messages.find((m) => m.type === 'hello'), 'hello')
    expect(hello.user.role).toBe('display')
    expect(hello.channels).toEqual(['kpi', 'map', 'alerts'])
    // Asking again over the socket doesn't widen it either.
    wall.ws.send(JSON.stringify({ type: 'subscribe', channels: ['parcel:PW000000000001'] }))
    const refused = await waitFor(() => wall.messages.find((m) => m.type === 'error' && m.code === 'channel_refused'), 'refusal')
    expect(refused.message).toContain('parcel:PW000000000001')
    wall.ws.close()
    await wall.closed
  })
})
