import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, addUser, call, login } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { waitFor } from '../helpers/security-kit.ts'
import { loadConfig } from '../../server/config.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { startSystem, type System } from '../../server/system.ts'
import { createApiToken } from '../../server/services/auth.ts'
import { runSweep } from '../../server/services/sla-sweep.ts'
import { ROUTES } from '../../server/http/routes.ts'

/**
 * Personal data (names, phones, addresses, signers) never leaves the database:
 * not in the logs at debug level, not in BullMQ job payloads in Redis, not in the
 * webhook outbox or what receivers get, not in alerts or the audit log.
 */

const RECIPIENT = { name: '司马相如测', phone: '13566778899', address: '隐私路 42 号 秘密小区 7 栋', city: '上海' }
const SENDER = { name: '欧阳修测试', phone: '+86 139-0011-2233', address: '机密街 9 号 无名大厦 1201', city: '杭州' }
const SIGNER = '签收人诸葛'
const CONTACT = { name: '投诉人公孙', phone: '13700998877', email: 'secret.person@example.com' }
const SECRETS = [
  RECIPIENT.name,
  RECIPIENT.phone,
  RECIPIENT.address,
  SENDER.name,
  SENDER.phone,
  '13900112233',
  SENDER.address,
  SIGNER,
  CONTACT.name,
  CONTACT.phone,
  CONTACT.email,
]
/** Also as JSON would escape them (\uXXXX) in a log line. */
const forms = (s: string) => [
  s,
  JSON.stringify(s).slice(1, -1),
  s.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
]
const leaks = (haystack: string) => SECRETS.filter((s) => forms(s).some((f) => haystack.includes(f)))

let sys: System
let dataDir: string
let token: string
let admin: string
let logText = ''
let receiver: Server
const delivered: string[] = []
let alertId: number
let lateWaybill: string
let complaintId: number | undefined
let handoffId: number
let csCookie: string

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      delivered.push(body)
      res.writeHead(200).end()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))

  // The whole product, like startTestSystem, with its log at debug level written into a string.
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'pw-pii-'))
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ADMIN_PASSWORD,
    LOG_LEVEL: 'debug',
    QUEUE_PREFIX: `{t${randomBytes(4).toString('hex')}}`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    // As startTestSystem: cheap password hashes, and one sweep opens the late parcels' alert at once.
    PASSWORD_HASH_COST: 'low',
    ALERT_PENDING_MINUTES: '0',
    PAGE_MIN_PARCELS: '1',
  })
  const sink = new Writable({
    write(chunk, _enc, done) {
      logText += chunk.toString()
      done()
    },
  })
  sys = await startSystem(config, createLogger('debug', sink))
  token = await createApiToken(sys.database.pool, 'pii tests', 'integrator', null)
  admin = await login(sys, 'admin', ADMIN_PASSWORD)
  await addUser(sys, 'kefu', 'cs_operator')
  await addUser(sys, 'boss', 'manager')
  const cs = await login(sys, 'kefu')
  csCookie = cs
  const manager = await login(sys, 'boss')

  await api(sys, { cookie: admin }).post('/api/v1/admin/webhooks', {
    status: 201,
    body: { name: 'pager', url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` },
  })

  // Parcels with distinctive people: late ones (an alert), a delivered one (a signer).
  const late = Array.from({ length: 3 }, () =>
    shipment({ collectedAt: '2026-11-02T10:00:00+08:00', recipient: RECIPIENT, sender: SENDER }),
  )
  const done = shipment({ recipient: RECIPIENT, sender: SENDER, collectedAt: minutesAgo(300) })
  expect((await call(sys, 'POST', '/api/v1/shipments', { token, body: [...late, done] })).status).toBe(200)
  // Refused records and events carry the same people: rejections must not log them either.
  await call(sys, 'POST', '/api/v1/shipments', {
    token,
    body: [shipment({ recipient: { ...RECIPIENT, phone: `${RECIPIENT.phone}x` }, sender: SENDER, originHub: 'NOPE' })],
  })
  await call(sys, 'POST', '/api/v1/shipments', {
    token,
    body: [shipment({ recipient: { ...RECIPIENT, name: `${RECIPIENT.name}\u0000` }, sender: SENDER })],
  }) // a NUL: refused before the database
  const ev = await api(sys, { token }).post('/api/v1/events', {
    body: [
      ...late.map((s) => event(s.waybill, { type: 'arrived_hub', hub: 'SHA-TC', time: minutesAgo(60) })),
      event(done.waybill, { type: 'collected', hub: 'HGH-O1', time: minutesAgo(290) }),
      event(done.waybill, { type: 'delivered', hub: 'SHA-O1', signer: SIGNER, time: minutesAgo(10) }),
      event(done.waybill, { type: 'delivered', hub: 'NOPE', signer: SIGNER, time: minutesAgo(9) }),
    ],
  })
  expect(ev.accepted, JSON.stringify(ev)).toBe(5)

  // Look-ups by everything a person is known by, in clear and masked.
  for (const q of [RECIPIENT.name, RECIPIENT.phone, RECIPIENT.phone.slice(-4), late[0]!.waybill]) {
    expect((await call(sys, 'GET', `/api/v1/track?q=${encodeURIComponent(q)}`, { cookie: cs })).status).toBe(200)
    expect((await call(sys, 'GET', `/api/v1/track?q=${encodeURIComponent(q)}`, { cookie: manager })).status).toBe(200)
  }
  expect(
    (await api(sys, { cookie: admin }).get('/api/v1/shipments/:waybill', { params: { waybill: done.waybill } })).signer,
  ).toBe(SIGNER)

  // An alert, its hand-off to customer service, and its lifecycle (webhook notifications).
  await runSweep(sys.database.pool, sys.config.sla, new Map(), new Date())
  const alerts = (
    await api(sys, { cookie: admin }).get('/api/v1/alerts', { query: { rule: 'parcel_late', hub: 'SHA-TC' } })
  ).alerts
  expect(alerts.length).toBe(1)
  alertId = alerts[0]!.id
  const handoff = await api(sys, { cookie: admin }).post('/api/v1/alerts/:id/handoffs', {
    status: 201,
    params: { id: alertId },
    body: { waybills: late.map((s) => s.waybill), note: '请致电收件人说明延误' },
  })
  handoffId = handoff.handoff.id
  lateWaybill = late[0]!.waybill
  expect(JSON.stringify(await api(sys, { cookie: cs }).get('/api/v1/handoffs'))).toContain(RECIPIENT.phone) // the people are there to be found
  expect(
    (
      await call(sys, 'POST', `/api/v1/handoffs/${handoff.handoff.id}/done`, {
        cookie: cs,
        body: { comment: '已联系' },
      })
    ).status,
  ).toBe(200)
  expect(
    (await call(sys, 'POST', `/api/v1/alerts/${alertId}/acknowledge`, { cookie: admin, body: { comment: 'on it' } }))
      .status,
  ).toBe(200)

  // A complaint with the caller's contact details, where the product has complaints.
  if (ROUTES.some((r) => r.method === 'post' && r.path === '/api/v1/complaints')) {
    const categories = await api(sys, { cookie: admin }).get('/api/v1/complaint-categories')
    const category = categories.categories[0]?.code
    const c = await api(sys, { cookie: cs }).post('/api/v1/complaints', {
      body: { channel: 'phone', category, waybill: late[0]!.waybill, description: '包裹延误', contact: CONTACT },
    }) // throws unless 2xx
    complaintId = c.complaint.id
  }

  // The workers deliver the notifications and follow the ingest batches up.
  await waitFor(() => delivered.length >= 2 || undefined, 'two webhook deliveries', 30_000)
}, 180_000)

afterAll(async () => {
  await sys?.close()
  receiver?.close()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

describe('personal data stays in the database', () => {
  it('is absent from the log at debug level', () => {
    expect(logText).toContain('"msg":"request"') // the capture did see the debug lines
    expect(logText).toContain('"status":422') // and the refused batches
    expect(leaks(logText)).toEqual([])
  })

  it('is absent from every BullMQ key of the system in Redis (job data, return values, events)', async () => {
    const redis = new Redis(sys.redisUrl)
    try {
      const prefix = sys.config.queuePrefix
      const keys: string[] = []
      let cursor = '0'
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
        keys.push(...batch)
        cursor = next
      } while (cursor !== '0')
      expect(keys.length).toBeGreaterThan(0)

      let stored = ''
      const jobData: string[] = []
      for (const key of keys) {
        const type = await redis.type(key)
        if (type === 'hash') {
          const h = await redis.hgetall(key)
          if (h.data !== undefined) jobData.push(h.data)
          stored += JSON.stringify(h)
        } else if (type === 'stream') stored += JSON.stringify(await redis.xrange(key, '-', '+'))
        else if (type === 'list') stored += JSON.stringify(await redis.lrange(key, 0, -1))
        else if (type === 'zset') stored += JSON.stringify(await redis.zrange(key, '0', '-1'))
        else if (type === 'set') stored += JSON.stringify(await redis.smembers(key))
        else if (type === 'string') stored += (await redis.get(key)) ?? ''
      }
      // Non-vacuous: the after-ingest jobs of the batches above are among them.
      expect(jobData.some((d) => d.includes('"waybills"'))).toBe(true)
      expect(leaks(stored)).toEqual([])
    } finally {
      redis.disconnect()
    }
  })

  it('is absent from the webhook outbox and from what receivers get', async () => {
    const outbox = (
      await sys.database.pool.query<{ payload: string }>('SELECT payload::text AS payload FROM webhook_outbox')
    ).rows
    expect(outbox.length).toBeGreaterThanOrEqual(2)
    expect(leaks(JSON.stringify(outbox))).toEqual([])
    expect(
      delivered.some((b) => new RegExp(`"id":\\s*${alertId}\\b`).test(b)),
      delivered.join('\n').slice(0, 600),
    ).toBe(true)
    expect(leaks(delivered.join('\n'))).toEqual([])
  })

  it('is absent from alerts and from the audit log', async () => {
    const alerts = (await sys.database.pool.query('SELECT title, details::text AS details FROM alerts')).rows
    expect(alerts.length).toBeGreaterThan(0)
    expect(leaks(JSON.stringify(alerts))).toEqual([])
    const audit = (await sys.database.pool.query(`SELECT to_regclass('audit_log') IS NOT NULL AS present`)).rows[0]
      .present
    if (audit) {
      const rows = (await sys.database.pool.query('SELECT target, route, details::text AS details FROM audit_log')).rows
      expect(rows.length).toBeGreaterThan(0)
      expect(leaks(JSON.stringify(rows))).toEqual([])
    }
  })
})

/**
 * Issue 16: complaint contacts were shown in clear and never audited. Every route,
 * as admin and as customer service (the roles that see people in clear), is called
 * on the seeded parcels, hand-off and complaint; an answer that carries any of the
 * people above in clear must have written its own `unmask` audit entry, naming the
 * caller and the route. A new route that shows people without auditing fails here.
 */
describe('every answer that shows personal data in clear is audited', () => {
  const unmaskCount = async (route: string, username: string) =>
    (
      await sys.database.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_log WHERE kind = 'unmask' AND route = $1 AND username = $2`,
        [route, username],
      )
    ).rows[0]!.n

  it('finds the audit entry of every route that answered with a person in clear (GETs, and the POSTs that answer with people)', async () => {
    expect(complaintId, 'the product has complaints with contacts').toBeDefined()
    const samples = (path: string) =>
      path
        .replace(':waybill', lateWaybill)
        .replace(/^\/api\/v1\/complaints\/:id/, `/api/v1/complaints/${complaintId}`)
        .replace(/^\/api\/v1\/alerts\/:id/, `/api/v1/alerts/${alertId}`)
        .replace(/^\/api\/v1\/handoffs\/:id/, `/api/v1/handoffs/${handoffId}`)
        .replace(/:[a-z]+/gi, '999999')
    const QUERY: Record<string, string> = {
      'GET /api/v1/track': `?q=${encodeURIComponent(RECIPIENT.phone)}`,
      'GET /api/v1/complaints': '?state=all',
      'GET /api/v1/handoffs': '?state=all',
    }
    // State-changing routes that answer with the people they touched, with a body that works on the seeded data.
    let step = 0
    const POSTS: Record<string, () => unknown> = {
      'POST /api/v1/complaints': () => ({
        channel: 'phone',
        category: 'delay',
        waybill: lateWaybill,
        description: '再次来电',
        contact: CONTACT,
      }),
      'POST /api/v1/complaints/:id/transition': () => ({
        to: (['analysing', 'coordinating', 'replied'] as const)[step++],
        note: '已受理',
      }),
      'POST /api/v1/alerts/:id/handoffs': () => ({ waybills: [lateWaybill], note: '请再次致电' }),
    }
    const who = [
      { cookie: admin, username: 'admin', role: 'admin' as const },
      { cookie: csCookie, username: 'kefu', role: 'cs_operator' as const },
    ]
    const shownBy = new Set<string>()
    for (const route of ROUTES) {
      const key = `${route.method.toUpperCase()} ${route.path}`
      if (route.method !== 'get' && !POSTS[key]) continue
      for (const caller of who) {
        if (route.roles === 'public' || !route.roles.includes(caller.role)) continue
        const before = await unmaskCount(key, caller.username)
        const r = await call(sys, route.method.toUpperCase(), samples(route.path) + (QUERY[key] ?? ''), {
          cookie: caller.cookie,
          ...(POSTS[key] ? { body: POSTS[key]!() } : {}),
        })
        const shown = leaks(JSON.stringify(r.body))
        if (shown.length === 0) continue
        shownBy.add(key)
        expect(r.status, `${caller.username} ${key}`).toBeLessThan(400)
        expect(
          await unmaskCount(key, caller.username),
          `${caller.username} ${key} showed ${shown.join(', ')} in clear without an audit entry`,
        ).toBe(before + 1)
      }
    }
    // Non-vacuous: the routes known to show people in clear did so here.
    expect([...shownBy].sort()).toEqual(
      expect.arrayContaining([
        'GET /api/v1/shipments/:waybill',
        'GET /api/v1/track',
        'GET /api/v1/handoffs',
        'GET /api/v1/complaints',
        'GET /api/v1/complaints/:id',
        'POST /api/v1/complaints',
        'POST /api/v1/complaints/:id/transition',
        'POST /api/v1/alerts/:id/handoffs',
      ]),
    )
    // …and every route marked as unmasking was among those exercised.
    for (const r of ROUTES.filter((x) => x.audit?.kind === 'unmask'))
      expect([...shownBy, 'POST /api/v1/handoffs/:id/done'], `${r.method} ${r.path}`).toContain(
        `${r.method.toUpperCase()} ${r.path}`,
      )
  })

  it('names the complaints shown by id, never the contact itself', async () => {
    const rows = (
      await sys.database.pool.query(
        `SELECT target, details::text AS details FROM audit_log WHERE action = 'complaint.unmask'`,
      )
    ).rows
    expect(rows.length).toBeGreaterThanOrEqual(4)
    expect(rows.some((r) => JSON.parse(r.details).complaints?.includes(complaintId))).toBe(true)
    expect(leaks(JSON.stringify(rows))).toEqual([])
  })
})
