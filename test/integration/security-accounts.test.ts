import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ADMIN_PASSWORD, call, login, startTestSystem, USER_PASSWORD, type TestSystem } from '../helpers/system.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { ROUTES } from '../../server/http/routes.ts'
import { auditSpecOf } from '../../server/http/audit-hook.ts'
import { createUser, sha256 } from '../../server/services/auth.ts'
import { erasePersonalData } from '../../server/services/pii-retention.ts'
import { runSweep } from '../../server/services/sla-sweep.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { checkRegistry } from '../../jobs/worker.ts'
import { JOB_QUEUE } from '../../jobs/queues.ts'
import type { UserRole } from '../../server/domain/roles.ts'
import type { ServerFrame } from '../../contract/live.ts'
import { api, errorOf } from '../helpers/api.ts'

let sys: TestSystem
let admin: string
const DAY = 86_400_000
const quiet = createLogger('silent')

/** A login attempt from a given client address (the server trusts X-Forwarded-For from loopback, as behind a local proxy). */
async function attempt(username: string, password: string, ip: string) {
  const res = await fetch(`${sys.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ username, password }),
  })
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as { error: { code: string; message: string } },
    cookie: res.headers.get('set-cookie')?.split(';')[0],
  }
}

async function person(username: string, role: UserRole, hubCode: string | null = null): Promise<string> {
  await createUser(
    sys.database.pool,
    { username, displayName: username, role, password: USER_PASSWORD, hubCode },
    sys.config.passwordHashCost,
  )
  return login(sys, username)
}

const wsUrl = () => sys.url.replace('http', 'ws') + '/ws'
function upgradeStatus(cookie: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl(), { headers: { cookie } })
    ws.on('open', () => {
      ws.close()
      resolve(101)
    })
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.on('error', () => undefined)
  })
}

const sessionToken = (cookie: string) => decodeURIComponent(cookie.split('=')[1]!)
const auditRows = async (action: string) =>
  (
    await sys.database.pool.query<{
      username: string
      role: string
      kind: string
      target: string | null
      route: string | null
      request_id: string | null
      details: Record<string, unknown>
    }>('SELECT username, role, kind, target, route, request_id, details FROM audit_log WHERE action = $1 ORDER BY id', [
      action,
    ])
  ).rows

beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false', TRUST_PROXY: 'loopback' })
  admin = await login(sys, 'admin', ADMIN_PASSWORD)
})
afterAll(async () => {
  await sys?.stop()
})

describe('login throttling and lockout', () => {
  it('locks a user name after 5 failures in a row and answers an unknown name exactly the same way', async () => {
    await person('lock-me', 'cs_operator')
    for (const name of ['lock-me', 'no-such-user']) {
      for (let i = 0; i < 5; i++) expect((await attempt(name, 'wrong-password', '198.51.100.1')).status).toBe(401)
    }
    const real = await attempt('lock-me', USER_PASSWORD, '198.51.100.2')
    const ghost = await attempt('no-such-user', USER_PASSWORD, '198.51.100.2')
    expect(real.status).toBe(429)
    expect(real.body.error.code).toBe('too_many_attempts')
    expect(Number(real.retryAfter)).toBeGreaterThan(0)
    expect(Number(real.retryAfter)).toBeLessThanOrEqual(15 * 60)
    expect(real.cookie).toBeUndefined()
    expect(ghost.status).toBe(429)
    expect(ghost.body).toEqual(real.body)
  })

  it('lets an admin unlock a user name, which then signs in, and audits the unlock', async () => {
    const r = await api(sys, { cookie: admin }).post('/api/v1/admin/users/:username/unlock', {
      status: 200,
      params: { username: 'lock-me' },
    })
    expect(r).toMatchObject({ username: 'lock-me', unlocked: true, wasLocked: true })
    expect((await attempt('lock-me', USER_PASSWORD, '198.51.100.3')).status).toBe(200)
    const [entry] = await auditRows('user.unlock')
    expect(entry).toMatchObject({
      username: 'admin',
      role: 'admin',
      kind: 'admin_action',
      target: 'lock-me',
      route: 'POST /api/v1/admin/users/:username/unlock',
    })
    expect(entry!.request_id).toBeTruthy()
    expect((await call(sys, 'POST', '/api/v1/admin/users/nobody-here/unlock', { cookie: admin })).status).toBe(404)
  })

  it('starts counting afresh after a successful sign-in', async () => {
    await person('reset-me', 'finance')
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) expect((await attempt('reset-me', 'wrong-password', '198.51.100.4')).status).toBe(401)
      expect((await attempt('reset-me', USER_PASSWORD, '198.51.100.4')).status).toBe(200)
    }
  })

  it('throttles a client address after 20 failures over many names, while other addresses still sign in', async () => {
    await person('sprayed', 'manager')
    for (let i = 0; i < 20; i++)
      expect((await attempt(`spray-${i % 10}`, 'wrong-password', '203.0.113.9')).status).toBe(401)
    const blocked = await attempt('sprayed', USER_PASSWORD, '203.0.113.9')
    expect(blocked.status).toBe(429)
    expect(blocked.body.error.message).toMatch(/address/)
    expect(Number(blocked.retryAfter)).toBeGreaterThan(0)
    expect((await attempt('sprayed', USER_PASSWORD, '203.0.113.10')).status).toBe(200)
  })
})

describe('session expiry', () => {
  it('refuses a session idle past SESSION_IDLE_MINUTES on REST and at the websocket upgrade', async () => {
    const cookie = await person('idle-one', 'control_room')
    expect(await upgradeStatus(cookie)).toBe(101)
    await sys.database.pool.query(
      `UPDATE sessions SET last_seen_at = now() - interval '61 minutes' WHERE token_hash = $1`,
      [sha256(sessionToken(cookie))],
    )
    expect((await call(sys, 'GET', '/api/v1/auth/me', { cookie })).status).toBe(401)
    expect(await upgradeStatus(cookie)).toBe(401)
  })

  it('refuses a session past its lifetime on REST and at the websocket upgrade', async () => {
    const cookie = await login(sys, 'idle-one')
    await sys.database.pool.query(
      `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1`,
      [sha256(sessionToken(cookie))],
    )
    expect((await call(sys, 'GET', '/api/v1/auth/me', { cookie })).status).toBe(401)
    expect(await upgradeStatus(cookie)).toBe(401)
  })

  it('keeps a session in use alive: a request moves its last use forward', async () => {
    const cookie = await login(sys, 'idle-one')
    const hash = sha256(sessionToken(cookie))
    await sys.database.pool.query(
      `UPDATE sessions SET last_seen_at = now() - interval '50 minutes' WHERE token_hash = $1`,
      [hash],
    )
    expect((await call(sys, 'GET', '/api/v1/auth/me', { cookie })).status).toBe(200)
    const r = await sys.database.pool.query<{ idle: number }>(
      `SELECT extract(epoch FROM now() - last_seen_at)::float AS idle FROM sessions WHERE token_hash = $1`,
      [hash],
    )
    expect(r.rows[0]!.idle).toBeLessThan(5 * 60)
  })

  it('closes open websockets whose session went idle, expired or whose user was disabled, and leaves the others open', async () => {
    const open = async (cookie: string) => {
      const ws = new WebSocket(`${wsUrl()}?channels=kpi`, { headers: { cookie } })
      const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
      await new Promise<void>((resolve, reject) => {
        ws.on('open', () => resolve())
        ws.on('error', reject)
      })
      return { ws, closed }
    }
    await person('ws-idle', 'control_room')
    await person('ws-disabled', 'control_room')
    const [idle, expired, disabled, fine] = await Promise.all([
      login(sys, 'ws-idle'),
      login(sys, 'ws-idle'),
      login(sys, 'ws-disabled'),
      login(sys, 'ws-idle'),
    ])
    const sockets = await Promise.all([idle, expired, disabled, fine].map((c) => open(c!)))
    await sys.database.pool.query(
      `UPDATE sessions SET last_seen_at = now() - interval '61 minutes' WHERE token_hash = $1`,
      [sha256(sessionToken(idle!))],
    )
    await sys.database.pool.query(
      `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1`,
      [sha256(sessionToken(expired!))],
    )
    await sys.database.pool.query(`UPDATE users SET disabled = true WHERE username = 'ws-disabled'`)
    // The hub checks every minute; the test runs that check now.
    expect(await sys.hub.checkSessions()).toBe(3)
    expect(await Promise.all(sockets.slice(0, 3).map((s) => s.closed))).toEqual([4401, 4401, 4401])
    expect(sockets[3]!.ws.readyState).toBe(WebSocket.OPEN)
    expect(await sys.hub.checkSessions()).toBe(0)
    sockets[3]!.ws.close()
  })

  it("ends only the caller's own session at logout", async () => {
    const a = await login(sys, 'idle-one')
    const b = await login(sys, 'reset-me')
    expect((await call(sys, 'POST', '/api/v1/auth/logout', { cookie: a })).status).toBe(204)
    expect((await call(sys, 'GET', '/api/v1/auth/me', { cookie: a })).status).toBe(401)
    expect((await api(sys, { cookie: b }).get('/api/v1/auth/me')).user.username).toBe('reset-me')
  })
})

describe('audit log', () => {
  const RECIPIENT = { name: '司马相如', phone: '13700001111', address: '成都市武侯区人民南路 4 段 9 号', city: '成都' }
  let parcel: ReturnType<typeof shipment>

  beforeAll(async () => {
    parcel = shipment({ recipient: RECIPIENT })
    expect((await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: parcel })).status).toBe(200)
  })

  it('records who unmasked which parcel, and nothing when the answer was masked', async () => {
    const cs = await person('cs-audit', 'cs_operator')
    const manager = await person('mgr-audit', 'manager')
    expect(
      (await api(sys, { cookie: manager }).get('/api/v1/shipments/:waybill', { params: { waybill: parcel.waybill } }))
        .masked,
    ).toBe(true)
    expect(await auditRows('parcel.unmask')).toEqual([])
    const seen = await api(sys, { cookie: cs }).get('/api/v1/shipments/:waybill', {
      params: { waybill: parcel.waybill },
    })
    expect(seen.recipient.phone).toBe(RECIPIENT.phone)
    const rows = await auditRows('parcel.unmask')
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      username: 'cs-audit',
      role: 'cs_operator',
      kind: 'unmask',
      target: parcel.waybill,
      route: 'GET /api/v1/shipments/:waybill',
      details: { waybills: [parcel.waybill] },
    })
  })

  it('logs a search by phone number with the parcels shown but never the phone number asked for', async () => {
    const cs = await login(sys, 'cs-audit')
    const r = await api(sys, { cookie: cs }).get('/api/v1/track', { query: { q: RECIPIENT.phone } })
    expect(r.results.map((x) => x.waybill)).toEqual([parcel.waybill])
    const rows = await auditRows('parcel.search_unmask')
    expect(rows).toHaveLength(1)
    expect(rows[0]!.details.waybills).toEqual([parcel.waybill])
    const all = JSON.stringify(await sys.database.pool.query('SELECT * FROM audit_log').then((x) => x.rows))
    for (const secret of [RECIPIENT.phone, RECIPIENT.name, RECIPIENT.address, '13911112222'])
      expect(all).not.toContain(secret)
  })

  it('records admin actions and serves them newest first, filtered by action, user and time', async () => {
    const before = new Date()
    expect(
      (
        await call(sys, 'PUT', '/api/v1/admin/calendar/days/2026-12-24', {
          cookie: admin,
          body: { kind: 'day_off', note: 'party' },
        })
      ).status,
    ).toBe(200)
    expect(
      (await call(sys, 'PUT', '/api/v1/admin/sla-settings', { cookie: admin, body: { lostAfterHours: 96 } })).status,
    ).toBe(200)
    expect(
      (
        await call(sys, 'POST', '/api/v1/admin/webhooks', {
          cookie: admin,
          body: { name: 'pager', url: 'https://hooks.example.com/x?key=s3cret' },
        })
      ).status,
    ).toBe(201)
    expect((await call(sys, 'POST', '/api/v1/displays', { cookie: admin, body: { name: 'Hall A' } })).status).toBe(201)
    expect(
      (await call(sys, 'POST', '/api/v1/admin/api-tokens', { cookie: admin, body: { name: 'line 7' } })).status,
    ).toBe(201)
    // A refused request changes nothing and is not an action.
    expect(
      (await call(sys, 'PUT', '/api/v1/admin/sla-settings', { cookie: admin, body: { lostAfterHours: -1 } })).status,
    ).toBe(400)

    const asAdmin = api(sys, { cookie: admin })
    const r = await asAdmin.get('/api/v1/admin/audit', { query: { from: before.toISOString(), user: 'admin' } })
    const actions = r.entries.map((e) => e.action)
    expect(actions).toEqual([
      'api_token.create',
      'display.enrol',
      'webhook.create',
      'sla_settings.update',
      'calendar.set_day',
    ])
    const settings = r.entries.find((e) => e.action === 'sla_settings.update')
    expect(settings?.details.settings).toEqual({ lostAfterHours: 96 })
    expect(JSON.stringify(r)).not.toContain('s3cret')
    expect(r.entries.find((e) => e.action === 'calendar.set_day')?.target).toBe('2026-12-24')

    const webhooks = await asAdmin.get('/api/v1/admin/audit', { query: { action: 'webhook.' } })
    expect(webhooks.entries.map((e) => e.action)).toEqual(['webhook.create'])
    const none = await asAdmin.get('/api/v1/admin/audit', {
      query: { to: before.toISOString(), action: 'calendar.set_day' },
    })
    expect(none.entries).toEqual([])
    const one = await asAdmin.get('/api/v1/admin/audit', { query: { limit: 1 } })
    expect(one.entries).toHaveLength(1)
    expect(one.entries[0]?.action).toBe('audit.read') // the reading before this one
    expect((await call(sys, 'GET', '/api/v1/admin/audit?from=yesterday', { cookie: admin })).status).toBe(400)
    expect((await call(sys, 'GET', '/api/v1/admin/audit', { cookie: await login(sys, 'mgr-audit') })).status).toBe(403)
  })

  it('marks every admin-only route and every configuration change in the route table for the audit log', () => {
    const adminOnly = ROUTES.filter((r) => Array.isArray(r.roles) && r.roles.length === 1 && r.roles[0] === 'admin')
    expect(adminOnly.length).toBeGreaterThanOrEqual(10)
    for (const r of adminOnly) expect(auditSpecOf(r)?.kind, `${r.method} ${r.path}`).toBe('admin_action')
    for (const r of ROUTES.filter((x) => x.path.includes('/admin/') && x.method !== 'get'))
      expect(auditSpecOf(r)?.kind, `${r.method} ${r.path}`).toBe('admin_action')
    // Every action name fits the table's check (a bad one would turn the admin's request into a 500).
    for (const r of ROUTES) {
      const action = auditSpecOf(r)?.action
      if (action !== undefined) expect(action, `${r.method} ${r.path}`).toMatch(/^[a-z_]+(\.[a-z_]+)*$/)
    }
    // An admin route that names no audit of its own still gets one, named after its path.
    expect(
      auditSpecOf({
        method: 'put',
        path: '/api/v1/admin/foo-bars/:code',
        roles: ['admin'],
        hubScope: 'none',
        handler: async () => undefined,
      }),
    ).toEqual({ kind: 'admin_action', action: 'admin.foo_bars.put' })
    expect(
      auditSpecOf({
        method: 'get',
        path: '/api/v1/kpis',
        roles: ['admin', 'manager'],
        hubScope: 'none',
        handler: async () => undefined,
      }),
    ).toBeUndefined()
    for (const path of ['/api/v1/shipments/:waybill', '/api/v1/track', '/api/v1/handoffs']) {
      expect(ROUTES.find((r) => r.method === 'get' && r.path === path)?.audit?.kind, path).toBe('unmask')
    }
  })
})

describe('retention of personal data', () => {
  const old = (days: number, hours = 0) => new Date(Date.now() - days * DAY - hours * 3_600_000).toISOString()
  const parcels: Record<
    'oldDelivered' | 'oldReturned' | 'recentDelivered' | 'oldOpen',
    ReturnType<typeof shipment>
  > = {} as never

  beforeAll(async () => {
    parcels.oldDelivered = shipment({ collectedAt: old(200) })
    parcels.oldReturned = shipment({ collectedAt: old(200) })
    parcels.recentDelivered = shipment({ collectedAt: old(12) })
    parcels.oldOpen = shipment({ collectedAt: old(200) })
    expect(
      (await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: Object.values(parcels) })).accepted,
    ).toHaveLength(4)
    const events = [
      event(parcels.oldDelivered.waybill, { type: 'collected', hub: 'HGH-O1', courier: 'C-HGH-O1-01', time: old(200) }),
      event(parcels.oldDelivered.waybill, { type: 'arrived_hub', hub: 'SHA-TC', time: old(199, 12) }),
      event(parcels.oldDelivered.waybill, { type: 'delivered', hub: 'SHA-O1', signer: '李娜本人', time: old(199) }),
      event(parcels.oldReturned.waybill, { type: 'exception', hub: 'SHA-O1', reason: 'refused', time: old(195) }),
      event(parcels.oldReturned.waybill, { type: 'returned', hub: 'HGH-O1', time: old(190) }),
      event(parcels.recentDelivered.waybill, { type: 'delivered', hub: 'SHA-O1', signer: '前台代收', time: old(10) }),
      event(parcels.oldOpen.waybill, { type: 'arrived_hub', hub: 'SHA-TC', time: old(199) }),
    ]
    const r = await api(sys, { token: sys.token }).post('/api/v1/events', { body: events })
    expect(r.accepted, JSON.stringify(r)).toBe(events.length)
    // Complaints closed 200 and 10 days ago, each with contact details, a description and a note.
    for (const [days, name] of [
      [200, '欧阳修'],
      [10, '苏东坡'],
    ] as const) {
      await sys.database.pool.query(
        `WITH c AS (
           INSERT INTO complaints (channel, category, waybill, description, contact_name, contact_phone, contact_email, state, limit_hours, received_at, due_at, closed_at, satisfaction, updated_at)
           VALUES ('phone', 'delay', $1, $2, $3, '13600001111', 'ou@example.com', 'closed', 24, $4::timestamptz - interval '2 days', $4::timestamptz - interval '1 day', $4, 3, $4)
           RETURNING id)
         INSERT INTO complaint_history (complaint_id, at, from_state, to_state, note) SELECT id, $4, 'replied', 'closed', $5 FROM c`,
        [
          parcels.oldDelivered.waybill,
          `${name}来电：包裹三天未到，住址上海市长宁路 1 号`,
          name,
          old(days),
          `已电话联系${name} 13600001111`,
        ],
      )
    }
    // The old scans sit in chunks that compression (after 30 days) has compressed.
    await sys.database.pool.query(
      `SELECT compress_chunk(c, if_not_compressed => true) FROM show_chunks('scan_events', older_than => now() - interval '100 days') c`,
    )
  })

  const personal = async (waybill: string) =>
    (
      await sys.database.pool.query(
        `SELECT sender_name, sender_phone, sender_address, recipient_name, recipient_phone, recipient_phone_last4, recipient_address, signer,
       recipient_city, fee_total_fen, status FROM shipments WHERE waybill = $1`,
        [waybill],
      )
    ).rows[0]
  const signers = async (waybill: string) =>
    (
      await sys.database.pool.query<{ type: string; signer: string | null }>(
        'SELECT type, signer FROM scan_events WHERE waybill = $1 ORDER BY event_time',
        [waybill],
      )
    ).rows

  it('erases names, phones, addresses and signers of parcels closed more than 180 days ago, keeping the record and its scans', async () => {
    const compressed = await sys.database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'scan_events' AND is_compressed`,
    )
    expect(compressed.rows[0]!.n).toBeGreaterThan(0)
    const result = await erasePersonalData(sys.database.pool, quiet, 180, new Date())
    expect(result.parcels).toBe(2)
    expect(result.events).toBe(1)
    // This TimescaleDB build updates compressed chunks in place: nothing had to be decompressed, and they stay compressed.
    expect(result.chunksDecompressed).toBe(0)
    const after = await sys.database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'scan_events' AND is_compressed`,
    )
    expect(after.rows[0]!.n).toBe(compressed.rows[0]!.n)
    for (const p of [parcels.oldDelivered, parcels.oldReturned]) {
      expect(await personal(p.waybill)).toMatchObject({
        sender_name: null,
        sender_phone: null,
        sender_address: null,
        recipient_name: null,
        recipient_phone: null,
        recipient_phone_last4: null,
        recipient_address: null,
        signer: null,
        recipient_city: '上海',
      })
      expect((await personal(p.waybill)).fee_total_fen).toBeGreaterThan(0)
    }
    expect((await signers(parcels.oldDelivered.waybill)).map((e) => [e.type, e.signer])).toEqual([
      ['collected', null],
      ['arrived_hub', null],
      ['delivered', null],
    ])
    expect(await personal(parcels.recentDelivered.waybill)).toMatchObject({
      recipient_name: '李娜',
      recipient_phone: '13812341234',
      signer: '前台代收',
    })
    expect((await signers(parcels.recentDelivered.waybill))[0]!.signer).toBe('前台代收')
    expect(await personal(parcels.oldOpen.waybill)).toMatchObject({
      recipient_name: '李娜',
      sender_phone: '13911112222',
      status: 'in_transit',
    })
    // Complaints closed before the cutoff keep their figures, not their people.
    expect(result.complaints).toBe(1)
    const complaints = (
      await sys.database.pool.query(
        `SELECT c.contact_name, c.contact_phone, c.contact_email, c.description, c.state, c.satisfaction, array_agg(h.note) AS notes
       FROM complaints c JOIN complaint_history h ON h.complaint_id = c.id WHERE c.waybill = $1 GROUP BY c.id ORDER BY c.closed_at`,
        [parcels.oldDelivered.waybill],
      )
    ).rows
    expect(complaints).toEqual([
      {
        contact_name: null,
        contact_phone: null,
        contact_email: null,
        description: '',
        state: 'closed',
        satisfaction: 3,
        notes: [''],
      },
      {
        contact_name: '苏东坡',
        contact_phone: '13600001111',
        contact_email: 'ou@example.com',
        description: '苏东坡来电：包裹三天未到，住址上海市长宁路 1 号',
        state: 'closed',
        satisfaction: 3,
        notes: ['已电话联系苏东坡 13600001111'],
      },
    ])
  })

  it('does nothing the second time, and audits each run with counts only', async () => {
    const again = await erasePersonalData(sys.database.pool, quiet, 180, new Date())
    expect(again).toMatchObject({ parcels: 0, events: 0, complaints: 0 })
    const runs = await auditRows('retention.erase_personal_data')
    expect(runs.map((r) => [r.username, r.kind, r.details.parcels, r.details.events, r.details.retentionDays])).toEqual(
      [
        ['system', 'system', 2, 1, 180],
        ['system', 'system', 0, 0, 180],
      ],
    )
  })

  it('shows an erased parcel with its trajectory but no person', async () => {
    const cs = await person('cs-retention', 'cs_operator')
    const r = await api(sys, { cookie: cs }).get('/api/v1/shipments/:waybill', {
      status: 200,
      params: { waybill: parcels.oldDelivered.waybill },
    })
    expect(r.recipient).toMatchObject({ name: null, phone: null, address: null, city: '上海' })
    expect(r.trajectory).toHaveLength(3)
    expect(
      (await api(sys, { cookie: cs }).get('/api/v1/track', { query: { q: '5678' } })).results.map((x) => x.waybill),
    ).not.toContain(parcels.oldDelivered.waybill)
  })

  it('is a registered daily maintenance job', async () => {
    expect(() => checkRegistry()).not.toThrow()
    expect(JOB_QUEUE['pii-retention']).toBe('maintenance')
    const schedulers = await sys.queues.maintenance.getJobSchedulers()
    expect(schedulers.find((s) => s.key === 'pii-retention')).toMatchObject({
      pattern: '30 3 * * *',
      tz: 'Asia/Shanghai',
    })
  })
})

describe('hub-scoped staff', () => {
  const RECIPIENT = { name: '欧阳娜娜', phone: '13987655678', address: '广州市天河区体育西路 1 号', city: '广州' }
  let own: { id: number; waybills: string[] }
  let other: { id: number; waybills: string[] }
  let scopedOnCall: string
  let scopedCs: string
  let networkOnCall: string

  /** Late parcels last scanned at a hub, grouped by the sweep into one alert. */
  async function lateAlertAt(hub: string): Promise<{ id: number; waybills: string[] }> {
    const list = [
      shipment({ collectedAt: '2026-11-02T10:00:00+08:00', recipient: RECIPIENT }),
      shipment({ collectedAt: '2026-11-02T10:00:00+08:00', recipient: RECIPIENT }),
    ]
    expect((await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: list })).accepted).toHaveLength(2)
    await call(sys, 'POST', '/api/v1/events', {
      token: sys.token,
      body: list.map((s) => event(s.waybill, { type: 'arrived_hub', hub, time: minutesAgo(60) })),
    })
    await runSweep(sys.database.pool, sys.config.sla, new Map(), new Date())
    const { alerts } = await api(sys, { cookie: admin }).get('/api/v1/alerts', { query: { rule: 'parcel_late', hub } })
    expect(alerts).toHaveLength(1)
    return { id: alerts[0]!.id, waybills: list.map((s) => s.waybill) }
  }

  beforeAll(async () => {
    own = await lateAlertAt('NKG-SC')
    other = await lateAlertAt('WUH-TC')
    scopedOnCall = await person('oncall-nkg', 'on_call', 'NKG-SC')
    scopedCs = await person('cs-nkg', 'cs_operator', 'NKG-SC')
    networkOnCall = await person('oncall-all', 'on_call')
  })

  it('lists only the alerts of their own hub, while unscoped staff see every hub', async () => {
    const scoped = (await api(sys, { cookie: scopedOnCall }).get('/api/v1/alerts', { query: { state: 'all' } })).alerts
    expect(scoped.length).toBeGreaterThan(0)
    expect(new Set(scoped.map((a) => a.hubCode))).toEqual(new Set(['NKG-SC']))
    const filteredToOther = await api(sys, { cookie: scopedOnCall }).get('/api/v1/alerts', { query: { hub: 'WUH-TC' } })
    expect(filteredToOther.alerts).toEqual([])
    const all = (await api(sys, { cookie: networkOnCall }).get('/api/v1/alerts', { query: { state: 'all' } })).alerts
    expect(all.map((a) => a.id)).toEqual(expect.arrayContaining([own.id, other.id]))
  })

  it("answers 404, as for a missing alert, to detail, acknowledge, resolve and hand-off of another hub's alert", async () => {
    const missing = await call(sys, 'GET', '/api/v1/alerts/99999999', { cookie: scopedOnCall })
    const detail = await call(sys, 'GET', `/api/v1/alerts/${other.id}`, { cookie: scopedOnCall })
    expect(detail.status).toBe(404)
    expect(errorOf(detail).code).toBe(errorOf(missing).code)
    for (const action of ['acknowledge', 'resolve']) {
      expect(
        (
          await call(sys, 'POST', `/api/v1/alerts/${other.id}/${action}`, {
            cookie: scopedOnCall,
            body: { comment: 'not mine' },
          })
        ).status,
      ).toBe(404)
    }
    expect(
      (
        await call(sys, 'POST', `/api/v1/alerts/${other.id}/handoffs`, {
          cookie: scopedOnCall,
          body: { waybills: other.waybills, note: 'call them' },
        })
      ).status,
    ).toBe(404)
    const stored = await sys.database.pool.query<{ state: string }>('SELECT state FROM alerts WHERE id = $1', [
      other.id,
    ])
    expect(stored.rows[0]!.state).toBe('open')
    expect((await call(sys, 'GET', `/api/v1/alerts/${own.id}`, { cookie: scopedOnCall })).status).toBe(200)
    expect(
      (
        await call(sys, 'POST', `/api/v1/alerts/${own.id}/acknowledge`, {
          cookie: scopedOnCall,
          body: { comment: 'on it' },
        })
      ).status,
    ).toBe(200)
  })

  it("shows and closes only the hand-offs of their hub's alerts", async () => {
    const mine = await api(sys, { cookie: admin }).post('/api/v1/alerts/:id/handoffs', {
      status: 201,
      params: { id: own.id },
      body: { waybills: own.waybills, note: 'call them' },
    })
    const theirs = await api(sys, { cookie: admin }).post('/api/v1/alerts/:id/handoffs', {
      status: 201,
      params: { id: other.id },
      body: { waybills: other.waybills, note: 'call them' },
    })
    const listed = (await api(sys, { cookie: scopedCs }).get('/api/v1/handoffs', { query: { state: 'all' } })).handoffs
    expect(listed.map((h) => h.id)).toEqual([mine.handoff.id])
    expect(
      (
        await call(sys, 'POST', `/api/v1/handoffs/${theirs.handoff.id}/done`, {
          cookie: scopedCs,
          body: { comment: 'called' },
        })
      ).status,
    ).toBe(404)
    expect(
      (
        await call(sys, 'POST', `/api/v1/handoffs/${mine.handoff.id}/done`, {
          cookie: scopedCs,
          body: { comment: 'called' },
        })
      ).status,
    ).toBe(200)
    const stillOpen = await sys.database.pool.query<{ state: string }>('SELECT state FROM cs_handoffs WHERE id = $1', [
      theirs.handoff.id,
    ])
    expect(stillOpen.rows[0]!.state).toBe('open')
  })

  it('records the caller as the one who acted, whatever the body claims', async () => {
    const r = await call(sys, 'POST', `/api/v1/alerts/${own.id}/resolve`, {
      cookie: scopedOnCall,
      body: { comment: 'done', userId: 1 },
    })
    expect(r.status).toBe(400)
    const ok = await api(sys, { cookie: scopedOnCall }).post('/api/v1/alerts/:id/resolve', {
      params: { id: own.id },
      body: { comment: 'done' },
    })
    expect(ok.alert.resolvedBy).toBe('oncall-nkg')
  })

  it('raises incidents and silences at their own hub only', async () => {
    expect(
      (
        await call(sys, 'POST', '/api/v1/incidents', {
          cookie: scopedOnCall,
          body: { hub: 'WUH-TC', kind: 'weather', title: 'Storm at Wuhan' },
        })
      ).status,
    ).toBe(403)
    expect(
      (
        await call(sys, 'POST', '/api/v1/silences', {
          cookie: scopedOnCall,
          body: { rule: 'parcel_late', endsAt: new Date(Date.now() + 3_600_000).toISOString(), comment: 'noise' },
        })
      ).status,
    ).toBe(403)
    expect(
      (
        await call(sys, 'POST', '/api/v1/incidents', {
          cookie: scopedOnCall,
          body: { hub: 'NKG-SC', kind: 'weather', title: 'Storm at Nanjing' },
        })
      ).status,
    ).toBe(201)
  })

  it("gets only their hub's alert changes on the live channel", async () => {
    const ws = new WebSocket(`${wsUrl()}?channels=alerts`, { headers: { cookie: scopedOnCall } })
    const frames: ServerFrame[] = []
    ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as ServerFrame))
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve())
      ws.on('error', reject)
    })
    const otherIncident = await api(sys, { cookie: admin }).post('/api/v1/incidents', {
      body: { hub: 'WUH-TC', kind: 'other', title: 'Forklift down' },
    })
    const ownIncident = await api(sys, { cookie: admin }).post('/api/v1/incidents', {
      body: { hub: 'NKG-SC', kind: 'other', title: 'Belt stopped' },
    })
    const until = Date.now() + 10_000
    while (
      !frames.some((f) => f.type === 'alerts' && f.data.changes.some((c) => c.id === ownIncident.alert.id)) &&
      Date.now() < until
    )
      await new Promise((r) => setTimeout(r, 50))
    ws.close()
    const changes = frames.flatMap((f) => (f.type === 'alerts' ? f.data.changes : []))
    expect(changes.map((c) => c.id)).toContain(ownIncident.alert.id)
    expect(changes.map((c) => c.id)).not.toContain(otherIncident.alert.id)
    expect(new Set(changes.map((c) => c.hubCode))).toEqual(new Set(['NKG-SC']))
  })
})

describe('personal data in logs', () => {
  it("strips person fields and a database error's quoted row from log lines", async () => {
    const lines: string[] = []
    const { default: pino } = await import('pino')
    const { REDACT_PATHS } = await import('../../server/lib/logger.ts')
    const log = pino(
      { redact: { paths: REDACT_PATHS, remove: true } },
      {
        write: (s: string) => {
          lines.push(s)
        },
      },
    )
    const err = Object.assign(new Error('new row violates check constraint'), {
      detail: 'Failing row contains (PW1, 王小明, 13911112222)',
    })
    log.error(
      {
        err,
        name: '王小明',
        shipment: { waybill: 'PW1', recipient: { name: '李娜', phone: '13812341234' }, signer: '本人' },
      },
      'failed',
    )
    const line = lines.join('')
    expect(line).toContain('PW1')
    for (const secret of ['王小明', '13911112222', '李娜', '13812341234', '本人']) expect(line).not.toContain(secret)
  })
})
