import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, call, login, type TestSystem } from '../helpers/system.ts'
import { sharedTestSystem } from '../helpers/shared-system.ts'
import { api, errorOf } from '../helpers/api.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { randomBytes } from 'node:crypto'
import { sha256 } from '../../server/services/auth.ts'
import { runSweep } from '../../server/services/sla-sweep.ts'
import { concretePath, controlFrame, openWs, routeKey, waitFor } from '../helpers/security-kit.ts'
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
  sys = await sharedTestSystem({ RUN_WORKERS: 'false' })
  admin = await login(sys, 'admin', ADMIN_PASSWORD)
  const created = await api(sys, { cookie: admin }).post('/api/v1/displays', {
    status: 201,
    body: { name: 'matrix wall' },
  })
  const enrol = await fetch(`${sys.url}${created.enrollPath}`, { redirect: 'manual' })
  expect(enrol.status).toBe(303)
  display = (enrol.headers.get('set-cookie') ?? '').split(';')[0]!
  expect(display).toMatch(/^pw_display=/)
})
afterAll(async () => {
  await sys?.stop()
})

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
    expect(
      ROUTES.filter((r) => r.roles === 'public')
        .map(routeKey)
        .sort(),
    ).toEqual([...PUBLIC_ROUTES].sort())
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
    const app = createApp(
      { config: {}, metrics: {}, log: {}, db: {} } as unknown as AppContext,
      {} as Health,
    ) as unknown as {
      router: {
        stack: Array<{
          name: string
          route?: { path: string | RegExp; methods: Record<string, boolean> }
          handle: { stack?: unknown }
        }>
      }
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
      for (const path of [
        '/api/v1/users',
        '/api/v1/admin/people',
        '/api/v1/shipments/PW000000000001/events',
        '/api/v2/kpis',
      ]) {
        const r = await call(sys, 'GET', path, who)
        expect(r.status, path).toBe(404)
        expect(errorOf(r).code).toBe('not_found')
        expect(errorOf(r).message).toBe(`No route GET ${path}`)
      }
    }
  })
})

describe('role × route matrix for machines and wall screens', () => {
  it('answers 403 to the integrator token on every route that does not admit integrators, and lets it in where it does', async () => {
    let exercised = 0
    for (const route of protectedRoutes) {
      const r = await call(sys, route.method.toUpperCase(), concretePath(route.path), {
        token: sys.token,
        ...bodyFor(route.method),
      })
      const label = `integrator ${routeKey(route)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`
      if (admits(route, 'integrator')) {
        expect([401, 403], label).not.toContain(r.status)
        expect(r.status, label).toBeLessThan(500)
      } else {
        expect(r.status, label).toBe(403)
        expect(errorOf(r).code, label).toBe('forbidden')
      }
      exercised++
    }
    expect(exercised).toBe(protectedRoutes.length)
  })

  it('answers 403 to an enrolled display on every route that does not admit displays, and lets it in where it does', async () => {
    let exercised = 0
    for (const route of protectedRoutes) {
      const r = await call(sys, route.method.toUpperCase(), concretePath(route.path), {
        cookie: display,
        ...bodyFor(route.method),
      })
      const label = `display ${routeKey(route)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`
      if (admits(route, 'display')) {
        expect(r.status, label).toBe(200)
      } else {
        expect(r.status, label).toBe(403)
        expect(errorOf(r).code, label).toBe('forbidden')
      }
      exercised++
    }
    expect(exercised).toBe(protectedRoutes.length)
  })

  it('lets the public routes be called by anyone, without a principal', async () => {
    for (const route of ROUTES.filter((r) => r.roles === 'public')) {
      for (const who of [{}, { token: sys.token }, { cookie: display }]) {
        const r = await call(sys, route.method.toUpperCase(), concretePath(route.path), {
          ...who,
          ...bodyFor(route.method),
        })
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
    for (const forged of [
      'pw_display=',
      'pw_display=pwd_forged',
      `pw_display=${sys.token}`,
      `pw_display=${admin.split('=')[1]}`,
    ]) {
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
    const refused = await waitFor(() => controlFrame(wall.messages, 'error', 'channel_refused'), 'refusal')
    expect(refused.message).toContain('parcel:PW000000000001')
    wall.ws.close()
    await wall.closed
  })
})

/**
 * The hub-scope matrix (issue 16: handover and silences showed hub-scoped staff every
 * hub's alerts). Every route declares `hubScope`; this exercises each declaration with
 * people scoped to hub A (NKG-SC) against alerts, an incident, a silence and a
 * hand-off at hub B (WUH-TC), all marked with one string that must never reach them.
 */
describe('hub-scope matrix', () => {
  const A = 'NKG-SC'
  const B = 'WUH-TC'
  const MARK = 'hub-b-only-9f3c'
  const SCOPED_ROLES = USER_ROLES.filter((r) => r !== 'admin')
  const scoped = new Map<string, string>()
  const network = new Map<string, string>()
  let lateB: { id: number; waybills: string[] }
  let incidentB: number
  let silenceB: number
  let windowB: number
  let handoffB: number
  const hour = 3_600_000
  const QUERY: Record<string, string> = {
    'GET /api/v1/handover': `?from=${encodeURIComponent(new Date(Date.now() - 2 * hour).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + hour).toISOString())}`,
    'GET /api/v1/alerts': '?state=all',
    'GET /api/v1/handoffs': '?state=all',
  }
  /** Where an 'enforced' route is aimed at hub B's things, and what a scoped person must get. */
  const ENFORCED: Record<string, () => { path: string; body?: unknown; status: number }> = {
    'GET /api/v1/alerts/:id': () => ({ path: `/api/v1/alerts/${incidentB}`, status: 404 }),
    'POST /api/v1/alerts/:id/acknowledge': () => ({
      path: `/api/v1/alerts/${incidentB}/acknowledge`,
      body: { comment: 'not mine' },
      status: 404,
    }),
    'POST /api/v1/alerts/:id/resolve': () => ({
      path: `/api/v1/alerts/${incidentB}/resolve`,
      body: { comment: 'not mine' },
      status: 404,
    }),
    'POST /api/v1/alerts/:id/handoffs': () => ({
      path: `/api/v1/alerts/${lateB.id}/handoffs`,
      body: { waybills: lateB.waybills, note: 'call them' },
      status: 404,
    }),
    'POST /api/v1/handoffs/:id/done': () => ({
      path: `/api/v1/handoffs/${handoffB}/done`,
      body: { comment: 'called' },
      status: 404,
    }),
    'POST /api/v1/incidents': () => ({
      path: '/api/v1/incidents',
      body: { hub: B, kind: 'other', title: 'not my hub' },
      status: 403,
    }),
    'POST /api/v1/silences': () => ({
      path: '/api/v1/silences',
      body: { hub: B, endsAt: new Date(Date.now() + hour).toISOString(), comment: 'not my hub' },
      status: 403,
    }),
    'DELETE /api/v1/silences/:id': () => ({ path: `/api/v1/silences/${silenceB}`, status: 404 }),
    'POST /api/v1/maintenance-windows': () => ({
      path: '/api/v1/maintenance-windows',
      body: { hub: B, start: '02:00', end: '05:00', comment: 'not my hub' },
      status: 403,
    }),
    'DELETE /api/v1/maintenance-windows/:id': () => ({ path: `/api/v1/maintenance-windows/${windowB}`, status: 404 }),
  }
  const text = (r: { body: unknown }) => JSON.stringify(r.body)
  /** An answer's top-level keys, sorted; a body that is not an object stands for itself. */
  const keysOf = (body: unknown) => (body !== null && typeof body === 'object' ? Object.keys(body).sort() : body)

  beforeAll(async () => {
    const list = [
      shipment({ collectedAt: '2026-11-02T10:00:00+08:00' }),
      shipment({ collectedAt: '2026-11-02T10:00:00+08:00' }),
    ]
    expect((await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: list })).accepted).toHaveLength(2)
    await call(sys, 'POST', '/api/v1/events', {
      token: sys.token,
      body: list.map((x) => event(x.waybill, { type: 'arrived_hub', hub: B, time: minutesAgo(60) })),
    })
    await runSweep(sys.database.pool, sys.config.sla, new Map(), new Date())
    const late = (await api(sys, { cookie: admin }).get('/api/v1/alerts', { query: { rule: 'parcel_late', hub: B } }))
      .alerts
    expect(late).toHaveLength(1)
    lateB = { id: late[0]!.id, waybills: list.map((x) => x.waybill) }
    const incident = await api(sys, { cookie: admin }).post('/api/v1/incidents', {
      status: 201,
      body: { hub: B, kind: 'other', title: `Belt down ${MARK}`, comment: MARK },
    })
    incidentB = incident.alert.id
    const silence = await api(sys, { cookie: admin }).post('/api/v1/silences', {
      status: 201,
      body: { hub: B, endsAt: new Date(Date.now() + 2 * hour).toISOString(), comment: `maintenance ${MARK}` },
    })
    silenceB = silence.id
    const window = await api(sys, { cookie: admin }).post('/api/v1/maintenance-windows', {
      status: 201,
      body: { hub: B, days: [7], start: '23:00', end: '04:00', comment: `belt overhaul ${MARK}` },
    })
    windowB = window.id
    const handoff = await api(sys, { cookie: admin }).post('/api/v1/alerts/:id/handoffs', {
      status: 201,
      params: { id: lateB.id },
      body: { waybills: lateB.waybills, note: `call them ${MARK}` },
    })
    handoffB = handoff.handoff.id
    // Ten people: their accounts and sessions written directly (ten scrypt sign-ins would be most of this test's time).
    const person = async (username: string, role: (typeof SCOPED_ROLES)[number], hubCode: string | null) => {
      const { rows } = await sys.database.pool.query<{ id: number }>(
        `INSERT INTO users (username, display_name, role, password_hash, hub_code) SELECT $1, $1, $2, password_hash, $3 FROM users WHERE username = 'admin' RETURNING id`,
        [username, role, hubCode],
      )
      const token = randomBytes(24).toString('base64url')
      await sys.database.pool.query(
        `INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')`,
        [sha256(token), rows[0]!.id],
      )
      return `pw_session=${token}`
    }
    for (const role of SCOPED_ROLES) {
      scoped.set(role, await person(`scoped-${role}`, role, A))
      network.set(role, await person(`network-${role}`, role, null))
    }
  }, 300_000)

  it("is declared by every route, and not 'none' on any route about alerts, incidents, silences, hand-offs or the handover", () => {
    for (const route of ROUTES) {
      expect(['filtered', 'enforced', 'none'], routeKey(route)).toContain(route.hubScope)
      if (/\/api\/v1\/(alerts|incidents|silences|maintenance-windows|handoffs|handover)\b/.test(route.path))
        expect(route.hubScope, routeKey(route)).not.toBe('none')
      if (route.hubScope === 'filtered') expect(route.method, routeKey(route)).toBe('get')
      if (route.hubScope === 'enforced')
        expect(
          ENFORCED[routeKey(route)],
          `${routeKey(route)} is 'enforced': give it a hub-B target in ENFORCED`,
        ).toBeDefined()
    }
  })

  it("never shows a hub-scoped person another hub's alerts, incidents, silences or hand-offs on any reading route", async () => {
    let calls = 0
    for (const route of ROUTES.filter((r) => r.method === 'get' && r.roles !== 'public')) {
      const path = concretePath(route.path) + (QUERY[routeKey(route)] ?? '')
      for (const role of SCOPED_ROLES.filter((r) => admits(route, r))) {
        const r = await call(sys, 'GET', path, { cookie: scoped.get(role)! })
        expect(r.status, `${role}@${A} ${routeKey(route)}`).toBeLessThan(500)
        expect(text(r), `${role}@${A} ${routeKey(route)} shows hub ${B}'s things`).not.toContain(MARK)
        calls++
      }
    }
    expect(calls).toBeGreaterThan(20)
  })

  it("shows the same things to network-wide staff on every 'filtered' route (so the filter, not an empty list, hides them)", async () => {
    const filtered = ROUTES.filter((r) => r.hubScope === 'filtered')
    expect(filtered.map(routeKey).sort()).toEqual([
      'GET /api/v1/alerts',
      'GET /api/v1/handoffs',
      'GET /api/v1/handover',
      'GET /api/v1/maintenance-windows',
      'GET /api/v1/silences',
    ])
    for (const route of filtered) {
      const path = concretePath(route.path) + (QUERY[routeKey(route)] ?? '')
      for (const role of SCOPED_ROLES.filter((r) => admits(route, r))) {
        const r = await call(sys, 'GET', path, { cookie: network.get(role)! })
        expect(r.status, `${role} ${routeKey(route)}`).toBe(200)
        expect(text(r), `${role} ${routeKey(route)}`).toContain(MARK)
        // …and the scoped person still gets an answer of the same shape.
        const mine = await call(sys, 'GET', path, { cookie: scoped.get(role)! })
        expect(mine.status, `${role}@${A} ${routeKey(route)}`).toBe(200)
        expect(keysOf(mine.body)).toEqual(keysOf(r.body))
      }
    }
  })

  it("refuses a hub-scoped person every 'enforced' route aimed at another hub, and changes nothing there", async () => {
    let calls = 0
    for (const route of ROUTES.filter((r) => r.hubScope === 'enforced')) {
      const target = ENFORCED[routeKey(route)]!()
      for (const role of SCOPED_ROLES.filter((r) => admits(route, r))) {
        const r = await call(sys, route.method.toUpperCase(), target.path, {
          cookie: scoped.get(role)!,
          ...(target.body === undefined ? {} : { body: target.body }),
        })
        expect(r.status, `${role}@${A} ${routeKey(route)} → ${text(r).slice(0, 200)}`).toBe(target.status)
        calls++
      }
    }
    expect(calls).toBeGreaterThan(8)
    const db = sys.database.pool
    expect((await db.query('SELECT state FROM alerts WHERE id = $1', [incidentB])).rows[0].state).toBe('open')
    expect((await db.query('SELECT state FROM alerts WHERE id = $1', [lateB.id])).rows[0].state).toBe('open')
    expect(
      (await db.query('SELECT ends_at > now() AS active FROM silences WHERE id = $1', [silenceB])).rows[0].active,
    ).toBe(true)
    expect((await db.query('SELECT state FROM cs_handoffs WHERE id = $1', [handoffB])).rows[0].state).toBe('open')
    expect(
      (await db.query(`SELECT count(*)::int AS n FROM cs_handoffs WHERE alert_id = $1`, [lateB.id])).rows[0].n,
    ).toBe(1)
    expect(
      (await db.query(`SELECT count(*)::int AS n FROM alerts WHERE rule = 'incident' AND hub_code = $1`, [B])).rows[0]
        .n,
    ).toBe(1)
    expect((await db.query(`SELECT count(*)::int AS n FROM silences WHERE hub_code = $1`, [B])).rows[0].n).toBe(1)
    expect(
      (await db.query(`SELECT count(*)::int AS n FROM maintenance_windows WHERE hub_code = $1`, [B])).rows[0].n,
    ).toBe(1)
  })
})
