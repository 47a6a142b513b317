import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, call, login, type TestSystem } from '../helpers/system.ts'
import { api, errorOf, fieldErrorsOf } from '../helpers/api.ts'
import { sharedTestSystem } from '../helpers/shared-system.ts'
import { event, shipment } from '../helpers/builders.ts'
import { concretePath, controlFrame, openWs, routeKey, waitFor } from '../helpers/security-kit.ts'
import { ROUTES } from '../../server/http/routes.ts'
import { apiErrorBody } from '../../contract/common.ts'
import { eventBatchResult, shipmentBatchResult } from '../../contract/ingest.ts'

/**
 * No mass assignment (OWASP API3/API6) and limits on everything a client sends
 * (API4): bodies, batches, pages, websocket messages.
 */

let sys: TestSystem
let admin: string

beforeAll(async () => {
  sys = await sharedTestSystem({ RUN_WORKERS: 'false' })
  admin = await login(sys, 'admin', ADMIN_PASSWORD)
})
afterAll(async () => {
  await sys?.stop()
})

/**
 * A valid body for every route that takes one; the test adds fields to it. A new
 * POST or PUT route without an entry here fails the test: give it a sample (or
 * list it in NO_BODY when it reads none).
 */
const VALID_BODIES: Record<string, () => Record<string, unknown>> = {
  'POST /api/v1/auth/login': () => ({ username: 'admin', password: ADMIN_PASSWORD }),
  'POST /api/v1/admin/api-tokens': () => ({ name: 'line 3' }),
  'PUT /api/v1/admin/calendar/days/:day': () => ({ kind: 'workday', note: 'stock-take' }),
  'PUT /api/v1/admin/sla-settings': () => ({ lostAfterHours: 48 }),
  'POST /api/v1/alerts/:id/acknowledge': () => ({ comment: 'looking' }),
  'POST /api/v1/alerts/:id/resolve': () => ({ comment: 'fixed' }),
  'POST /api/v1/incidents': () => ({ hub: 'SHA-TC', kind: 'other', title: 'belt stopped' }),
  'POST /api/v1/silences': () => ({
    hub: 'SHA-TC',
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    comment: 'maintenance',
  }),
  'POST /api/v1/maintenance-windows': () => ({
    hub: 'SHA-TC',
    days: [1, 3],
    start: '02:00',
    end: '05:00',
    comment: 'belt maintenance',
  }),
  'POST /api/v1/admin/webhooks': () => ({ name: 'pager', url: 'https://hooks.example/pw' }),
  'POST /api/v1/alerts/:id/handoffs': () => ({ waybills: ['PW000000000001'], note: 'call them' }),
  'POST /api/v1/handoffs/:id/done': () => ({ comment: 'called' }),
  'POST /api/v1/displays': () => ({ name: 'Hall B' }),
  'POST /api/v1/auth/password': () => ({ currentPassword: ADMIN_PASSWORD, newPassword: 'a new password 1' }),
  // POST and PUT /api/v1/admin/users take `role` by design: the extra-field test can't add it, so they are covered by the first test only.
}
/** Batch routes answer per record: an unknown field rejects that record (422) and names the field. */
const BATCH_ROUTES: Record<string, () => Record<string, unknown>> = {
  'POST /api/v1/shipments': () => shipment(),
  'POST /api/v1/events': () => event('PW000000000001'),
}
/** Routes that read no body at all. */
const NO_BODY = [
  'POST /api/v1/auth/logout',
  'POST /api/v1/admin/users/:username/unlock',
  'POST /api/v1/admin/users/:username/reset-password',
  'POST /api/v1/admin/users/:username/disable',
  'POST /api/v1/admin/users/:username/enable',
]

/** Extra fields an attacker would try, as raw JSON members (`__proto__` can't be built with an object literal). */
const EXTRA_FIELDS: Array<[string, string]> = [
  ['__proto__', '"__proto__":{"isAdmin":true,"role":"admin"}'],
  ['constructor', '"constructor":{"prototype":{"isAdmin":true}}'],
  ['isAdmin', '"isAdmin":true'],
  ['role', '"role":"admin"'],
  ['userId', '"userId":1'],
  ['createdBy', '"createdBy":1'],
  ['id', '"id":42'],
]
const withExtra = (body: Record<string, unknown>, member: string) => `${JSON.stringify(body).slice(0, -1)},${member}}`

const bodyRoutes = ROUTES.filter((r) => r.method === 'post' || r.method === 'put')

describe('no mass assignment', () => {
  it('refuses an unknown field on every POST and PUT route of the table with 400 naming it', async () => {
    // Generated from the table: a new route that reads a body must refuse what it doesn't know
    // (or be listed in NO_BODY when it reads none).
    let exercised = 0
    for (const route of bodyRoutes) {
      const key = routeKey(route)
      if (NO_BODY.includes(key) || key in BATCH_ROUTES) continue
      for (const [name, member] of EXTRA_FIELDS.slice(0, 3)) {
        const r = await call(sys, route.method.toUpperCase(), concretePath(route.path), {
          cookie: admin,
          rawBody: `{${member}}`,
        })
        const label = `${key} + ${name} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`
        expect(r.status, label).toBe(400)
        expect(JSON.stringify(errorOf(r)), label).toContain(name)
      }
      exercised++
    }
    expect(exercised).toBeGreaterThanOrEqual(Object.keys(VALID_BODIES).length)
  })

  it('refuses each extra field on an otherwise valid body, naming that field and nothing else', async () => {
    for (const route of bodyRoutes.filter((r) => routeKey(r) in VALID_BODIES)) {
      for (const [name, member] of EXTRA_FIELDS) {
        const r = await call(sys, route.method.toUpperCase(), concretePath(route.path), {
          cookie: admin,
          rawBody: withExtra(VALID_BODIES[routeKey(route)]!(), member),
        })
        const label = `${routeKey(route)} + ${name} → ${r.status} ${JSON.stringify(r.body)}`
        expect(r.status, label).toBe(400)
        expect(JSON.stringify(errorOf(r)), label).toContain(name)
        // The sample itself is valid: the only complaint is the extra field.
        for (const d of fieldErrorsOf(r)) expect(d.message, label).toMatch(/unrecognized key/i)
      }
    }
  })

  it('rejects a record with an unknown field in the batch routes and names the field', async () => {
    for (const [key, valid] of Object.entries(BATCH_ROUTES)) {
      const path = key.split(' ')[1]!
      for (const [name, member] of EXTRA_FIELDS) {
        const r = await call(sys, 'POST', path, { token: sys.token, rawBody: `[${withExtra(valid(), member)}]` })
        const label = `${key} + ${name} → ${r.status} ${JSON.stringify(r.body)}`
        expect(r.status, label).toBe(422)
        const batch = (key === 'POST /api/v1/shipments' ? shipmentBatchResult : eventBatchResult).parse(r.body)
        expect(Array.isArray(batch.accepted) ? batch.accepted.length : batch.accepted, label).toBe(0)
        expect(JSON.stringify(batch.rejected[0]), label).toContain(name)
      }
    }
  })

  it('refuses unknown members of the batch envelope instead of ignoring them', async () => {
    const s = shipment()
    const shipments = await call(sys, 'POST', '/api/v1/shipments', {
      token: sys.token,
      body: { shipments: [s], isAdmin: true },
    })
    expect(shipments.status, JSON.stringify(shipments.body)).toBe(400)
    expect(JSON.stringify(errorOf(shipments))).toContain('isAdmin')
    const events = await call(sys, 'POST', '/api/v1/events', { token: sys.token, body: { events: [], role: 'admin' } })
    expect(events.status, JSON.stringify(events.body)).toBe(400)
    expect(JSON.stringify(errorOf(events))).toContain('role')
  })

  it('leaves the server process unpolluted by __proto__ and constructor members', () => {
    // The test system runs in this process: a polluted prototype would show here.
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
    expect(({} as Record<string, unknown>).role).toBeUndefined()
  })

  it('creates an API token with the integrator role whatever role the body asks for', async () => {
    const r = await call(sys, 'POST', '/api/v1/admin/api-tokens', {
      cookie: admin,
      body: { name: 'sneaky', role: 'admin' },
    })
    expect(r.status).toBe(400)
    const ok = await api(sys, { cookie: admin }).post('/api/v1/admin/api-tokens', { body: { name: 'plain' } })
    expect(ok.role).toBe('integrator')
    expect((await call(sys, 'GET', '/api/v1/admin/webhooks', { token: ok.token })).status).toBe(403)
  })
})

describe('body size limits', () => {
  const post = (path: string, body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${sys.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
  /** The `{ error }` of a refusal, checked against the one error shape. */
  const errorOf = async (r: Response) => apiErrorBody.parse(await r.json()).error

  it('answers 413 with a clear error to an authenticated body over 16 MB, and takes one just under', async () => {
    const over = `{"events":[],"pad":"${'x'.repeat(16 * 1024 * 1024)}"}`
    const r = await post('/api/v1/events', over, { authorization: `Bearer ${sys.token}` })
    expect(r.status).toBe(413)
    const error = await errorOf(r)
    expect(error.code).toBe('body_too_large')
    expect(error.message).toMatch(/exceeds 16777216 bytes/)

    const under = JSON.stringify(
      Array.from({ length: 9_000 }, (_, i) => event('PW000000000001', { id: `big-${i}`, detail: 'x'.repeat(400) })),
    )
    expect(under.length).toBeGreaterThan(4 * 1024 * 1024)
    const ok = await post('/api/v1/events', under, { authorization: `Bearer ${sys.token}` })
    expect(ok.status).toBe(422) // parsed and judged: every event is for an unknown parcel
    expect(eventBatchResult.parse(await ok.json()).rejected[0]?.code).toBe('unknown_waybill')
  })

  it('counts the inflated size of a compressed body: a gzip bomb is refused with 413', async () => {
    const bomb = gzipSync(Buffer.from(`{"events":[],"pad":"${' '.repeat(20 * 1024 * 1024)}"}`))
    expect(bomb.length).toBeLessThan(100 * 1024)
    const r = await post('/api/v1/events', bomb, { authorization: `Bearer ${sys.token}`, 'content-encoding': 'gzip' })
    expect(r.status).toBe(413)
    expect((await errorOf(r)).code).toBe('body_too_large')
  })

  it('answers 413 to a public body over 8 KB (login) and judges one under it', async () => {
    const r = await post(
      '/api/v1/auth/login',
      JSON.stringify({ username: 'admin', password: 'p'.repeat(9 * 1024) }),
      {},
    )
    expect(r.status).toBe(413)
    const error = await errorOf(r)
    expect(error).toMatchObject({ code: 'body_too_large' })
    expect(error.message).toMatch(/exceeds 8192 bytes/)
    const under = await post(
      '/api/v1/auth/login',
      JSON.stringify({ username: 'admin', password: 'p'.repeat(7 * 1024) }),
      {},
    )
    expect(under.status).toBe(400) // parsed: the password is over its 200 characters
  })

  it('does not parse the body of a caller it does not know: 401 before any size check', async () => {
    const r = await post('/api/v1/events', JSON.stringify({ events: [], pad: 'x'.repeat(1024 * 1024) }), {})
    expect(r.status).toBe(401)
  })

  it('refuses a body that is not JSON, or in another charset, with a 4xx naming the problem', async () => {
    const auth = { authorization: `Bearer ${sys.token}` }
    const bad = await post('/api/v1/events', '{"events": [', auth)
    expect(bad.status).toBe(400)
    expect((await errorOf(bad)).code).toBe('malformed_json')
    const text = await fetch(`${sys.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...auth },
      body: '[]',
    })
    expect(text.status).toBe(400)
    const latin1 = await post('/api/v1/events', '[]', { ...auth, 'content-type': 'application/json; charset=latin1' })
    expect(latin1.status).toBe(415)
    expect((await errorOf(latin1)).code).toBe('unsupported_encoding')
  })
})

describe('batch and page limits', () => {
  it('refuses an event batch over MAX_EVENTS_PER_BATCH with 400 naming the limit', async () => {
    const batch = Array.from({ length: sys.config.maxEventsPerBatch + 1 }, () => ({}))
    const r = await call(sys, 'POST', '/api/v1/events', { token: sys.token, body: batch })
    expect(r.status).toBe(400)
    expect(errorOf(r).message).toContain(`at most ${sys.config.maxEventsPerBatch} events`)
    expect(errorOf(r).message).toContain(String(sys.config.maxEventsPerBatch + 1))
  })

  it('refuses a shipment batch over 1,000 records with 400 naming the limit', async () => {
    const r = await call(sys, 'POST', '/api/v1/shipments', {
      token: sys.token,
      body: Array.from({ length: 1001 }, () => ({})),
    })
    expect(r.status).toBe(400)
    expect(errorOf(r).message).toContain('at most 1000 shipments')
  })

  it('caps page sizes and hand-off sizes', async () => {
    expect((await call(sys, 'GET', '/api/v1/alerts?limit=501', { cookie: admin })).status).toBe(400)
    expect((await call(sys, 'GET', '/api/v1/alerts?limit=500', { cookie: admin })).status).toBe(200)
    expect((await call(sys, 'GET', '/api/v1/handoffs?limit=201', { cookie: admin })).status).toBe(400)
    const many = Array.from({ length: 501 }, (_, i) => `PW${String(i).padStart(12, '0')}`)
    const r = await call(sys, 'POST', '/api/v1/alerts/1/handoffs', {
      cookie: admin,
      body: { waybills: many, note: 'all of them' },
    })
    expect(r.status).toBe(400)
    expect(JSON.stringify(errorOf(r))).toContain('at most 500 parcels')
  })
})

describe('websocket inbound limits', () => {
  const connect = async () => {
    const c = openWs(sys.url, '?channels=kpi', { cookie: admin })
    await waitFor(() => c.messages.find((m) => m.type === 'hello'), 'hello')
    return c
  }

  it('answers a 4 KiB message and closes the socket with 1009 on one byte more', async () => {
    const c = await connect()
    const padded = (n: number) => {
      const base = '{"type":"ping","x":""}'
      return `${base.slice(0, -2)}${'a'.repeat(n - base.length)}"}`
    }
    c.ws.send(padded(4096))
    const bad = await waitFor(
      () => controlFrame(c.messages, 'error', 'bad_message'),
      'bad_message for the 4 KiB message',
    )
    expect(bad.message).toMatch(/unrecognized|x/i)
    c.ws.send(padded(4097))
    expect((await c.closed).code).toBe(1009)
  })

  it('closes a client that sends too many messages with 1008, and keeps serving the others', async () => {
    const noisy = await connect()
    const quiet = await connect()
    for (let i = 0; i < 41; i++) noisy.ws.send('{"type":"ping"}')
    const closed = await noisy.closed
    expect(closed.code).toBe(1008)
    expect(closed.reason).toMatch(/too many/)
    expect(noisy.messages.filter((m) => m.type === 'pong')).toHaveLength(40)

    quiet.ws.send('{"type":"ping"}')
    await waitFor(() => quiet.messages.find((m) => m.type === 'pong'), 'pong for the quiet client')
    expect(quiet.ws.readyState).toBe(quiet.ws.OPEN)
    quiet.ws.close()
  })

  it("ignores a client's attempt to subscribe beyond five parcels or to unknown channels in bulk", async () => {
    const c = await connect()
    const parcels = Array.from({ length: 8 }, (_, i) => `parcel:PW${String(i).padStart(10, '0')}`)
    c.ws.send(JSON.stringify({ type: 'subscribe', channels: parcels }))
    const sub = await waitFor(() => controlFrame(c.messages, 'subscribed'), 'subscribed')
    expect(sub.channels?.length).toBeLessThanOrEqual(5)
    c.ws.send(JSON.stringify({ type: 'subscribe', channels: Array.from({ length: 9 }, () => 'kpi') }))
    await waitFor(() => controlFrame(c.messages, 'error', 'bad_message'), 'too many channels refused')
    c.ws.close()
  })
})
