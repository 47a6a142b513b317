import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, call, login, type TestSystem } from '../helpers/system.ts'
import { api, errorOf, isErrorBody } from '../helpers/api.ts'
import { sharedTestSystem } from '../helpers/shared-system.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { concretePath, routeKey } from '../helpers/security-kit.ts'
import { ROUTES } from '../../server/http/routes.ts'
import { runSweep } from '../../server/services/sla-sweep.ts'
import { trackResponse } from '../../contract/track.ts'
import { alertList } from '../../contract/alerts.ts'
import { handoffList } from '../../contract/handoffs.ts'
import { auditList } from '../../contract/admin.ts'

/**
 * SQL injection attempts on every filter of every GET route and on every path
 * parameter: the answer is a 400 (validation) or a normal answer with no extra
 * rows, never a 500, and the tables are intact afterwards.
 */

/**
 * The query parameters of every GET route. A new GET route fails the first test
 * until it is listed here (with [] when it reads none), so its filters get attacked too.
 */
const QUERY_PARAMS: Record<string, string[]> = {
  'GET /api/v1/auth/me': [],
  'GET /api/v1/hubs': [],
  'GET /api/v1/couriers': [],
  'GET /api/v1/shipments/:waybill': [],
  'GET /api/v1/track': ['q'],
  'GET /api/v1/admin/calendar': [],
  'GET /api/v1/admin/db-health': [],
  'GET /api/v1/admin/sla-settings': [],
  'GET /api/v1/kpis': [],
  'GET /api/v1/alerts': ['state', 'severity', 'rule', 'hub', 'limit'],
  'GET /api/v1/alerts/:id': [],
  'GET /api/v1/silences': [],
  'GET /api/v1/maintenance-windows': [],
  'GET /api/v1/admin/webhooks': [],
  'GET /api/v1/handoffs': ['state', 'alert', 'limit'],
  'GET /api/v1/handover': ['from', 'to'],
  'GET /api/v1/displays': [],
  'GET /display/enroll': ['token'],
  'GET /api/v1/map': [],
  'GET /api/v1/admin/audit': ['from', 'to', 'action', 'user', 'limit'],
  'GET /api/v1/admin/users': [],
  'GET /api/v1/claims': ['state', 'waybill', 'limit'],
  'GET /api/v1/claims/:id': [],
  'GET /api/v1/complaint-categories': [],
  'GET /api/v1/complaints': ['state', 'waybill', 'limit'],
  'GET /api/v1/complaints/:id': [],
  'GET /api/v1/satisfaction/trend': ['from', 'to'],
  'GET /api/v1/finance/today': [],
  'GET /api/v1/finance/summary': ['from', 'to'],
  'GET /api/v1/finance/fees': ['from', 'to', 'day', 'tier', 'region', 'state', 'limit', 'offset'],
  'GET /api/v1/finance/compensation': ['from', 'to', 'day', 'reason', 'limit', 'offset'],
  'GET /api/v1/finance/export.csv': ['from', 'to', 'day', 'tier', 'region', 'state', 'reason', 'table'],
  'GET /api/v1/finance/statements': [],
  'GET /api/v1/finance/statements/:id': [],
  'GET /api/v1/finance/statements/:id/lines': ['kind', 'limit', 'offset'],
  'GET /api/v1/finance/statements/:id/lines.csv': ['kind'],
  'GET /api/v1/sla/summary': ['from', 'to'],
  'GET /api/v1/sla/breakdown': ['from', 'to', 'by', 'sort', 'dir', 'tier'],
  'GET /api/v1/sla/causes': ['from', 'to', 'tier'],
  'GET /api/v1/sla/time-lost': ['from', 'to', 'tier'],
  'GET /api/v1/sla/transit': ['from', 'to', 'tier', 'sort', 'limit'],
  'GET /api/v1/sla/parcels': [
    'from',
    'to',
    'tier',
    'hub',
    'origin',
    'region',
    'courier',
    'outcome',
    'cause',
    'delivered',
    'bucket',
    'limit',
    'offset',
  ],
}
/** Tried on a GET route that is not listed above yet, so that it is attacked all the same. */
const COMMON_PARAMS = [
  'q',
  'from',
  'to',
  'state',
  'status',
  'hub',
  'region',
  'user',
  'action',
  'waybill',
  'sort',
  'order',
  'dir',
  'limit',
  'offset',
]
/** Parameters a route needs before it looks at the others. */
const MONTH = { from: '2026-11-01', to: '2026-11-30' }
const REQUIRED: Record<string, Record<string, string>> = {
  'GET /api/v1/handover': { from: '2026-11-27T08:00:00+08:00', to: '2026-11-27T20:00:00+08:00' },
  'GET /api/v1/satisfaction/trend': MONTH,
  'GET /api/v1/finance/summary': MONTH,
  'GET /api/v1/finance/fees': MONTH,
  'GET /api/v1/finance/compensation': MONTH,
  'GET /api/v1/finance/export.csv': { ...MONTH, table: 'fees' },
  'GET /api/v1/finance/statements/:id/lines': { kind: 'fee' },
  'GET /api/v1/finance/statements/:id/lines.csv': { kind: 'fee' },
  'GET /api/v1/sla/summary': MONTH,
  'GET /api/v1/sla/breakdown': { ...MONTH, by: 'hub' },
  'GET /api/v1/sla/causes': MONTH,
  'GET /api/v1/sla/time-lost': MONTH,
  'GET /api/v1/sla/transit': MONTH,
  'GET /api/v1/sla/parcels': MONTH,
}
/** The rows of a list answer, in order, each by its id (a parcel by its waybill); the answer is checked against its schema. */
const ROWS: Record<string, (body: unknown) => Array<number | string>> = {
  'GET /api/v1/track': (b) => trackResponse.parse(b).results.map((x) => x.waybill),
  'GET /api/v1/alerts': (b) => alertList.parse(b).alerts.map((x) => x.id),
  'GET /api/v1/handoffs': (b) => handoffList.parse(b).handoffs.map((x) => x.id),
  'GET /api/v1/admin/audit': (b) => auditList.parse(b).entries.map((x) => x.id),
}
/** Answers in HTML by design (the wall screen's enrolment page). */
const HTML_ROUTES = ['GET /display/enroll']

/** `text` is sent URL-encoded; `raw` goes into the URL as written (percent-encoded and malformed variants). */
type Payload = { text: string } | { raw: string }
const PAYLOADS: Payload[] = [
  { text: `' OR 1=1--` },
  { text: `' OR '1'='1` },
  { text: `" OR ""="` },
  { text: `1; DROP TABLE shipments` },
  { text: `1); DROP TABLE shipments;--` },
  { text: `critical' --` },
  { text: `critical' OR 'a'='a` },
  { text: `x' UNION SELECT username, password_hash FROM users--` },
  { text: `'; SELECT pg_sleep(0)--` },
  { text: `$$; DROP TABLE users; $$` },
  { text: `\\'; DROP TABLE scan_events; --` },
  { text: `1 OR 1=1` },
  { text: `-1` },
  { text: `99999999999999999999999` },
  { text: `%%%%` },
  { text: `____` },
  { text: `＇ OR 1=1--` }, // fullwidth apostrophe
  { text: `ʼ OR 1=1--` }, // modifier letter apostrophe
  { text: `admin'/*` },
  { text: 'A'.repeat(5000) },
  { raw: '%27%20OR%201%3D1--' },
  { raw: '%2527%2520OR%25201%253D1--' }, // double-encoded
  { raw: '%C0%A7%20OR%201=1--' }, // overlong UTF-8 apostrophe
  { raw: '%EF%BC%87%20OR%201%3D1--' },
  { raw: '%u0027%20OR%201=1' }, // not a valid percent escape
  { raw: '%E2%80%A8%E2%80%A9' },
  { raw: '%F0%9F%92%A3%F0%9F%92%A3' },
  { raw: '%ED%A0%80' }, // a lone surrogate in UTF-8
]
const inUrl = (p: Payload) => ('raw' in p ? p.raw : encodeURIComponent(p.text))
const describePayload = (p: Payload) => ('raw' in p ? `raw ${p.raw}` : p.text).slice(0, 60)

const TABLES = [
  'shipments',
  'scan_events',
  'users',
  'sessions',
  'api_tokens',
  'alerts',
  'alert_items',
  'alert_history',
  'cs_handoffs',
  'hubs',
  'couriers',
]

let sys: TestSystem
let admin: string
let alertId: number
let waybill: string
const counts = async () => {
  const out: Record<string, number> = {}
  for (const t of TABLES) {
    const exists = (await sys.database.pool.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [t]))
      .rows[0]!.r
    out[t] = exists
      ? (await sys.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0]!.n
      : -1
  }
  return out
}
let before: Record<string, number>

beforeAll(async () => {
  sys = await sharedTestSystem({ RUN_WORKERS: 'false' })
  admin = await login(sys, 'admin', ADMIN_PASSWORD)
  // Late parcels at a hub make an alert; a hand-off and admin actions fill the other lists.
  const late = Array.from({ length: 3 }, () =>
    shipment({
      collectedAt: '2026-11-02T10:00:00+08:00',
      recipient: { name: '注入测试', phone: '13700001111', address: '上海市 1 号', city: '上海' },
    }),
  )
  expect((await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: late })).status).toBe(200)
  expect(
    (
      await call(sys, 'POST', '/api/v1/events', {
        token: sys.token,
        body: late.map((s) => event(s.waybill, { type: 'arrived_hub', hub: 'SHA-TC', time: minutesAgo(60) })),
      })
    ).status,
  ).toBe(200)
  await runSweep(sys.database.pool, sys.config.sla, new Map(), new Date())
  // Its own hub's alert: files sharing the system may have late parcels at other hubs.
  const alerts = (
    await api(sys, { cookie: admin }).get('/api/v1/alerts', { query: { rule: 'parcel_late', hub: 'SHA-TC' } })
  ).alerts
  expect(alerts.length).toBeGreaterThan(0)
  alertId = alerts[0]!.id
  waybill = late[0]!.waybill
  expect(
    (
      await call(sys, 'POST', `/api/v1/alerts/${alertId}/handoffs`, {
        cookie: admin,
        body: { waybills: [waybill], note: 'call' },
      })
    ).status,
  ).toBe(201)
  expect((await call(sys, 'POST', '/api/v1/displays', { cookie: admin, body: { name: 'wall' } })).status).toBe(201)
  before = await counts()
})
afterAll(async () => {
  await sys?.stop()
})

const getRoutes = ROUTES.filter((r) => r.method === 'get')

async function attack(key: string, path: string, query: string) {
  const r = await call(sys, 'GET', `${path}?${query}`, { cookie: admin })
  const label = `${key}?${query.slice(0, 120)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`
  expect(r.status, label).not.toBe(403)
  expect([200, 400, 404], label).toContain(r.status)
  if (r.status !== 200 && !HTML_ROUTES.includes(key)) expect(isErrorBody(r.body), label).toBe(true)
  expect(JSON.stringify(r.body), `${label}: password hashes in the answer`).not.toMatch(/scrypt\$/)
  return { ...r, label }
}

describe('SQL injection on query parameters', () => {
  it('lists the query parameters of every GET route of the table', () => {
    for (const r of getRoutes)
      expect(QUERY_PARAMS, `${routeKey(r)}: list its query parameters in security-injection.test.ts`).toHaveProperty([
        routeKey(r),
      ])
  })

  it('has rows to lose in every list it attacks', async () => {
    for (const [key, rows] of Object.entries(ROWS)) {
      const path = key.split(' ')[1]!
      const q = key.endsWith('/track')
        ? `q=${waybill}`
        : key.endsWith('/alerts')
          ? 'state=all'
          : key.endsWith('/handoffs')
            ? 'state=all'
            : ''
      const r = await call(sys, 'GET', `${path}?${q}`, { cookie: admin })
      expect(r.status, key).toBe(200)
      expect(rows(r.body).length, key).toBeGreaterThan(0)
    }
  })

  for (const route of getRoutes) {
    const key = routeKey(route)
    const params = QUERY_PARAMS[key] ?? COMMON_PARAMS
    if (params.length === 0) continue
    it(`${key}: ${params.join(', ')} answer 400 or a normal answer with no rows to every payload`, async () => {
      const base = REQUIRED[key] ?? {}
      for (const param of params) {
        for (const payload of PAYLOADS) {
          const rest = Object.entries(base)
            .filter(([k]) => k !== param)
            .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
          const r = await attack(key, concretePath(route.path), [...rest, `${param}=${inUrl(payload)}`].join('&'))
          const rows = ROWS[key]
          // Accepted as a literal value: nothing holds it, so nothing comes back.
          if (r.status === 200 && rows) expect(rows(r.body), `${r.label} (${describePayload(payload)})`).toEqual([])
        }
        // Repeated and bracketed forms: arrays and objects where a string is expected.
        await attack(
          key,
          concretePath(route.path),
          [`${param}=a`, `${param}=${encodeURIComponent(`' OR 1=1--`)}`].join('&'),
        )
        await attack(key, concretePath(route.path), `${param}[$ne]=x&${param}[]=y`)
      }
    })
  }

  it('maps sort and order through an allow-list: an unlisted column is refused with 400 naming the parameter', async () => {
    const sorted = getRoutes.filter((r) =>
      (QUERY_PARAMS[routeKey(r)] ?? []).some((p) => ['sort', 'order', 'dir'].includes(p)),
    )
    expect(sorted.length).toBeGreaterThan(0)
    for (const route of sorted) {
      const key = routeKey(route)
      const base = Object.entries(REQUIRED[key] ?? {}).map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      expect(
        (await call(sys, 'GET', `${concretePath(route.path)}?${base.join('&')}`, { cookie: admin })).status,
        key,
      ).toBe(200)
      for (const param of QUERY_PARAMS[key]!.filter((p) => ['sort', 'order', 'dir'].includes(p))) {
        for (const column of [
          'password_hash',
          'not_a_column',
          'id',
          '1',
          'closed DESC',
          'closed;DROP TABLE users',
          '(SELECT password_hash FROM users)',
          'asc, (SELECT 1)',
        ]) {
          const r = await attack(
            key,
            concretePath(route.path),
            [...base, `${param}=${encodeURIComponent(column)}`].join('&'),
          )
          expect(r.status, r.label).toBe(400)
          expect(JSON.stringify(errorOf(r)), r.label).toContain(param)
        }
      }
    }
  })

  it('refuses or ignores a sort parameter on the routes that do not sort, never using it', async () => {
    for (const route of getRoutes.filter(
      (r) => r.path.startsWith('/api/') && !(QUERY_PARAMS[routeKey(r)] ?? []).includes('sort'),
    )) {
      const key = routeKey(route)
      const path = concretePath(route.path, { waybill, id: String(alertId) })
      const base = Object.entries(REQUIRED[key] ?? {}).map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      const plain = await call(sys, 'GET', `${path}?${base.join('&')}`, { cookie: admin })
      for (const sort of [
        'sort=password_hash',
        'sort=not_a_column&order=desc',
        'orderBy=(SELECT%20password_hash%20FROM%20users)',
        'order=1;DROP%20TABLE%20users',
      ]) {
        const r = await attack(key, path, [...base, sort].join('&'))
        const rows = ROWS[key]
        // Ignored (a non-strict route): the same rows in the same order as without it.
        if (r.status === 200 && rows) expect(rows(r.body), r.label).toEqual(rows(plain.body))
      }
    }
  })
})

describe('NUL characters (PostgreSQL text cannot hold them)', () => {
  // Found by this suite: a NUL reaching a query parameter of type text failed with 22021
  // ("invalid byte sequence for encoding UTF8: 0x00") and the API answered 500; app.ts now refuses it.
  const NUL = 'abc%00def'
  it('answers 400, never 500, to a NUL in any query parameter', async () => {
    const failures: string[] = []
    for (const route of getRoutes) {
      const key = routeKey(route)
      const base = REQUIRED[key] ?? {}
      for (const param of QUERY_PARAMS[key] ?? []) {
        const rest = Object.entries(base)
          .filter(([k]) => k !== param)
          .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
        const r = await call(sys, 'GET', `${concretePath(route.path)}?${[...rest, `${param}=${NUL}`].join('&')}`, {
          cookie: admin,
        })
        if (r.status >= 500) failures.push(`${key}?${param}=${NUL} → ${r.status}`)
      }
    }
    expect(failures).toEqual([])
  })

  it('answers 400 or 404, never 500, to a NUL in any path parameter', async () => {
    const failures: string[] = []
    for (const route of ROUTES.filter((r) => /:[a-z]/i.test(r.path) && r.path.startsWith('/api/'))) {
      const r = await call(sys, route.method.toUpperCase(), route.path.replace(/:([A-Za-z_]+)/g, NUL), {
        cookie: admin,
        ...(route.method === 'post' || route.method === 'put' ? { body: {} } : {}),
      })
      if (r.status >= 500) failures.push(`${routeKey(route)} with ${NUL} → ${r.status}`)
    }
    expect(failures).toEqual([])
  })
})

describe('SQL injection on path parameters', () => {
  const withParams = ROUTES.filter((r) => /:[a-z]/i.test(r.path) && r.path.startsWith('/api/'))
  it.each(withParams.map((r) => [routeKey(r), r] as const))(
    '%s answers 400 or 404 to every payload in its path',
    async (key, route) => {
      for (const payload of PAYLOADS) {
        const value = 'raw' in payload ? payload.raw.replace(/\//g, '%2F') : encodeURIComponent(payload.text)
        const path = route.path.replace(/:([A-Za-z_]+)/g, () => value)
        const r = await call(sys, route.method.toUpperCase(), path, {
          cookie: admin,
          ...(route.method === 'post' || route.method === 'put' ? { body: {} } : {}),
        })
        const label = `${key} ${describePayload(payload)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`
        expect([400, 404], label).toContain(r.status)
        expect(isErrorBody(r.body), label).toBe(true)
      }
    },
  )
})

describe('after the attacks', () => {
  it('leaves every table in place with the rows it had', async () => {
    expect(await counts()).toEqual(before)
    // The set-up put rows in every table counted (-1: no such table), so an attack that emptied one shows.
    for (const t of TABLES) expect(before[t], t).toBeGreaterThan(0)
    const r = await api(sys, { cookie: admin }).get('/api/v1/shipments/:waybill', { status: 200, params: { waybill } })
    expect(r.recipient.name).toBe('注入测试')
    expect(await login(sys, 'admin', ADMIN_PASSWORD)).toMatch(/^pw_session=/)
  })
})
