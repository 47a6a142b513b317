import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import {
  createWebhook,
  deactivateWebhook,
  deliverDue,
  enqueueAlertActions,
  enqueueAlertNotifications,
  listWebhooks,
  type AlertNotice,
} from '../../server/services/webhooks.ts'
import { WEBHOOK_ROUTES } from '../../server/http/webhook-routes.ts'
import { api, errorOf } from '../helpers/api.ts'
import { webhookCreated } from '../../contract/admin.ts'
import { deliverWebhooks } from '../../jobs/processors/deliver-webhooks.ts'

let sys: TestSystem
let db: pg.Pool
beforeAll(async () => {
  // No in-process workers: the test calls the delivery itself, with "now" as a parameter.
  sys = await startTestSystem({ RUN_WORKERS: 'false' })
  db = sys.database.pool
})
afterAll(async () => {
  await sys?.stop()
})

interface Hit {
  path: string
  deliveryId: string
  signature: string
  contentType: string
  raw: string
  answered: number
}

/** A webhook receiver on a real port: answers `status` (503 while "down"), can stop listening and come back on the same port. */
class Receiver {
  hits: Hit[] = []
  status = 503
  delayMs = 0
  port = 0
  private server: Server | undefined

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const answered = this.status
        this.hits.push({
          path: req.url ?? '',
          deliveryId: String(req.headers['x-parcelwatch-delivery']),
          signature: String(req.headers['x-parcelwatch-signature']),
          contentType: String(req.headers['content-type']),
          raw: Buffer.concat(chunks).toString('utf8'),
          answered,
        })
        setTimeout(
          () =>
            res
              .writeHead(answered, { 'content-type': 'text/plain' })
              .end(answered < 300 ? 'ok' : 'receiver down for maintenance'),
          this.delayMs,
        )
      })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', resolve)
    })
    this.port = (server.address() as AddressInfo).port
    this.server = server
  }

  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    const closed = new Promise((resolve) => server.close(resolve))
    server.closeAllConnections()
    await closed
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`
  }
  /** What the receiver took (answered 2xx). */
  accepted(): Hit[] {
    return this.hits.filter((h) => h.answered < 300)
  }
}

// $1 rule, $2 hub, $3 severity, $4 title, $5 now
async function insertAlert(
  rule: string,
  hubCode: string | null,
  severity: string,
  title: string,
  now: Date,
): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO alerts (rule, subject, hub_code, severity, title, item_count, opened_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING id`,
    [rule, `hub:${hubCode ?? 'none'}:${Math.random()}`, hubCode, severity, title, now],
  )
  return r.rows[0]!.id
}

const change = (
  id: number,
  rule: string,
  hubCode: string | null,
  severity: string,
  action: string,
  itemCount = 1,
): AlertNotice => ({
  id,
  rule,
  hubCode,
  severity,
  title: `${rule} at ${hubCode ?? 'nowhere'}`,
  titleKey: null,
  titleParams: null,
  itemCount,
  action,
})

interface OutboxRow {
  id: number
  endpoint_id: number
  alert_id: number
  event: string
  attempts: number
  next_attempt_at: Date
  delivered_at: Date | null
  last_status: number | null
  last_error: string | null
}
const outboxOf = async (endpointId: number): Promise<OutboxRow[]> =>
  (
    await db.query<OutboxRow>(
      `SELECT id, endpoint_id, alert_id, payload->>'event' AS event, attempts, next_attempt_at, delivered_at, last_status, last_error
   FROM webhook_outbox WHERE endpoint_id = $1 ORDER BY id`,
      [endpointId],
    )
  ).rows

const verifies = (secret: string, hit: Hit): boolean => {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(hit.raw).digest('hex')}`)
  const given = Buffer.from(hit.signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

const at = (base: Date, ms: number) => new Date(base.getTime() + ms)

describe('outgoing webhooks', () => {
  it('retries a receiver that is down with growing delays, then delivers every notification once per delivery id, in order per alert, signed', async () => {
    const receiver = new Receiver()
    await receiver.start()
    const { webhook, secret } = await createWebhook(db, {
      name: 'on-call bridge',
      url: receiver.url(),
      rules: ['wh_lifecycle'],
    })
    const t0 = new Date()
    const a = await insertAlert('wh_lifecycle', 'SHA-TC', 'warning', 'late at Shanghai', t0)
    const b = await insertAlert('wh_lifecycle', 'CAN-TC', 'critical', 'late at Guangzhou', t0)

    const queued = await enqueueAlertNotifications(
      db,
      [
        change(a, 'wh_lifecycle', 'SHA-TC', 'warning', 'opened', 3),
        change(b, 'wh_lifecycle', 'CAN-TC', 'critical', 'opened', 7),
        change(a, 'wh_lifecycle', 'SHA-TC', 'warning', 'updated', 4),
      ],
      t0,
    )
    expect(queued).toBe(2)

    // Down (503): both fail, nothing is delivered, the next try is ~5 s later.
    const first = await deliverDue(db, t0)
    expect(first).toMatchObject({ claimed: 2, delivered: 0, failed: 2 })
    let rows = await outboxOf(webhook.id)
    expect(rows.map((r) => [r.alert_id, r.event, r.attempts, r.last_status, r.delivered_at])).toEqual([
      [a, 'alert.opened', 1, 503, null],
      [b, 'alert.opened', 1, 503, null],
    ])
    expect(rows[0]!.last_error).toMatch(/^HTTP 503: receiver down/)
    // Not before its time.
    expect(await deliverDue(db, new Date(Math.min(...rows.map((r) => r.next_attempt_at.getTime())) - 1))).toMatchObject(
      { claimed: 0 },
    )

    // The alert clears while the receiver is still down: its resolution waits behind its opening.
    const resolvedAt = at(t0, 1_000)
    expect(
      await enqueueAlertNotifications(
        db,
        [change(a, 'wh_lifecycle', 'SHA-TC', 'warning', 'auto_resolved', 0)],
        resolvedAt,
      ),
    ).toBe(1)
    const resolvedRowId = (await outboxOf(webhook.id)).find((r) => r.event === 'alert.auto_resolved')!.id

    const delays = [rows[0]!.next_attempt_at.getTime() - t0.getTime()]
    let now = new Date(Math.max(...rows.map((r) => r.next_attempt_at.getTime())))
    for (let round = 0; round < 4; round++) {
      if (round === 2) await receiver.stop() // not even listening: connection refused
      const r = await deliverDue(db, now)
      expect(r.delivered).toBe(0)
      rows = await outboxOf(webhook.id)
      const opened = rows.find((x) => x.alert_id === a && x.event === 'alert.opened')!
      delays.push(opened.next_attempt_at.getTime() - now.getTime())
      if (round === 2) {
        expect(opened.last_status).toBeNull()
        expect(opened.last_error).toMatch(/ECONNREFUSED|fetch failed/)
      }
      now = new Date(Math.max(...rows.filter((x) => x.attempts > 0).map((x) => x.next_attempt_at.getTime())))
    }
    // 5 s, 10 s, 20 s, 40 s, 80 s less up to 20 % jitter: every wait longer than the one before.
    expect(delays).toHaveLength(5)
    for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThan(delays[i - 1]!)
    expect(delays[0]!).toBeGreaterThanOrEqual(4_000)
    expect(delays[0]!).toBeLessThanOrEqual(5_000)
    const resolvedRow = rows.find((x) => x.id === resolvedRowId)!
    expect(resolvedRow.attempts).toBe(0)
    expect(receiver.hits.some((h) => h.deliveryId === String(resolvedRowId))).toBe(false)
    expect((await listWebhooks(db)).find((w) => w.id === webhook.id)).toMatchObject({
      pending: 3,
      failing: 2,
      delivered: 0,
    })

    // Back up on the same port: an hour later everything goes through.
    receiver.status = 200
    await receiver.start()
    let later = at(t0, 3_600_000)
    for (let i = 0; i < 5 && (await outboxOf(webhook.id)).some((r) => r.delivered_at === null); i++) {
      await deliverDue(db, later)
      later = at(later, 3_600_000)
    }
    rows = await outboxOf(webhook.id)
    expect(rows.every((r) => r.delivered_at !== null && r.last_status === 200 && r.last_error === null)).toBe(true)
    expect(await deliverDue(db, at(later, 3_600_000))).toMatchObject({ claimed: 0 })

    const got = receiver.accepted()
    expect(got.map((h) => h.deliveryId).sort()).toEqual(rows.map((r) => String(r.id)).sort()) // each exactly once
    const events = got.map((h) => JSON.parse(h.raw) as { event: string; alert: { id: number } })
    const ofA = events.filter((e) => e.alert.id === a).map((e) => e.event)
    expect(ofA).toEqual(['alert.opened', 'alert.auto_resolved'])
    for (const h of got) {
      expect(h.contentType).toBe('application/json')
      expect(h.path).toBe('/hook')
      expect(verifies(secret, h)).toBe(true)
      expect(verifies('another secret', h)).toBe(false)
    }
    expect(JSON.parse(got.find((h) => JSON.parse(h.raw).alert.id === b)!.raw)).toEqual({
      event: 'alert.opened',
      lang: 'zh',
      alert: {
        id: b,
        rule: 'wh_lifecycle',
        severity: 'critical',
        hubCode: 'CAN-TC',
        title: 'wh_lifecycle at CAN-TC',
        titleKey: null,
        titleParams: null,
        itemCount: 7,
        escalationLevel: 0,
      },
      at: t0.toISOString(),
    })
    expect((await listWebhooks(db)).find((w) => w.id === webhook.id)).toMatchObject({
      pending: 0,
      failing: 0,
      delivered: 3,
      lastError: null,
    })

    await deactivateWebhook(db, webhook.id)
    await receiver.stop()
  })

  it('routes by rule, minimum severity and hub, skips inactive endpoints and never sends "updated"', async () => {
    const receiver = new Receiver()
    receiver.status = 200
    await receiver.start()
    const rule = 'wh_routing'
    const critShanghai = (
      await createWebhook(db, {
        name: 'Shanghai critical',
        url: receiver.url('/crit-sha'),
        rules: [rule],
        minSeverity: 'critical',
        hubCodes: ['SHA-TC'],
      })
    ).webhook
    const warnAny = (
      await createWebhook(db, {
        name: 'warnings anywhere',
        url: receiver.url('/warn'),
        rules: [rule],
        minSeverity: 'warning',
      })
    ).webhook
    const otherRule = (
      await createWebhook(db, { name: 'other rule', url: receiver.url('/other'), rules: ['wh_something_else'] })
    ).webhook
    const everything = (await createWebhook(db, { name: 'everything', url: receiver.url('/all') })).webhook
    const retired = (await createWebhook(db, { name: 'retired', url: receiver.url('/retired'), rules: [rule] })).webhook
    await deactivateWebhook(db, retired.id)

    const now = new Date()
    const warnCan = await insertAlert(rule, 'CAN-TC', 'warning', 't', now)
    const critSha = await insertAlert(rule, 'SHA-TC', 'critical', 't', now)
    const critCan = await insertAlert(rule, 'CAN-TC', 'critical', 't', now)
    const warnSha = await insertAlert(rule, 'SHA-TC', 'warning', 't', now)
    const infoNoHub = await insertAlert(rule, null, 'info', 't', now)
    const updated = await insertAlert(rule, 'SHA-TC', 'critical', 't', now)
    await enqueueAlertNotifications(
      db,
      [
        change(warnCan, rule, 'CAN-TC', 'warning', 'opened'),
        change(critSha, rule, 'SHA-TC', 'critical', 'escalated'),
        change(critCan, rule, 'CAN-TC', 'critical', 'opened'),
        change(warnSha, rule, 'SHA-TC', 'warning', 'opened'),
        change(infoNoHub, rule, null, 'info', 'opened'),
        change(updated, rule, 'SHA-TC', 'critical', 'updated'),
      ],
      now,
    )

    const r = await deliverDue(db, now)
    expect(r).toMatchObject({ delivered: 10, failed: 0 })
    const received = (path: string) =>
      receiver
        .accepted()
        .filter((h) => h.path === path)
        .map((h) => JSON.parse(h.raw).alert.id as number)
        .sort((x, y) => x - y)
    expect(received('/crit-sha')).toEqual([critSha]) // not the warning at Shanghai, not the critical at Guangzhou
    expect(received('/warn')).toEqual([warnCan, critSha, critCan, warnSha].sort((x, y) => x - y))
    expect(received('/all')).toEqual([warnCan, critSha, critCan, warnSha, infoNoHub].sort((x, y) => x - y))
    expect(received('/other')).toEqual([])
    expect(received('/retired')).toEqual([])
    expect(receiver.accepted().some((h) => JSON.parse(h.raw).alert.id === updated)).toBe(false)
    expect(await outboxOf(otherRule.id)).toHaveLength(0)
    expect(await outboxOf(retired.id)).toHaveLength(0)
    expect((await outboxOf(critShanghai.id)).map((o) => o.event)).toEqual(['alert.escalated'])

    for (const w of [critShanghai, warnAny, otherRule, everything]) await deactivateWebhook(db, w.id)
    await receiver.stop()
  })

  it('notifies acknowledgements, reminders and resolutions known by alert id with the alert as stored', async () => {
    const receiver = new Receiver()
    receiver.status = 200
    await receiver.start()
    const { webhook } = await createWebhook(db, { name: 'by id', url: receiver.url(), rules: ['wh_by_id'] })
    const now = new Date()
    const id = await insertAlert('wh_by_id', 'SHA-TC', 'critical', 'stored title', now)
    expect(
      await enqueueAlertActions(
        db,
        [
          { id, action: 'acknowledged' },
          { id, action: 'reminded' },
          { id, action: 'resolved' },
        ],
        now,
      ),
    ).toBe(3)
    await deliverDue(db, now)
    const alert = {
      id,
      rule: 'wh_by_id',
      severity: 'critical',
      hubCode: 'SHA-TC',
      title: 'stored title',
      titleKey: null,
      titleParams: null,
      itemCount: 1,
      escalationLevel: 0,
    }
    expect(receiver.accepted().map((h) => JSON.parse(h.raw))).toEqual([
      { event: 'alert.acknowledged', lang: 'zh', alert, at: now.toISOString() },
      { event: 'alert.reminded', lang: 'zh', alert, at: now.toISOString() },
      { event: 'alert.resolved', lang: 'zh', alert, at: now.toISOString() },
    ])
    await deactivateWebhook(db, webhook.id)
    await receiver.stop()
  })

  it("sends a title stored as a message key in each endpoint's language (Chinese unless it asks for English), with the key and parameters", async () => {
    const receiver = new Receiver()
    receiver.status = 200
    await receiver.start()
    const zh = await createWebhook(db, { name: 'zh', url: receiver.url('/zh'), rules: ['wh_lang'] })
    const en = await createWebhook(db, { name: 'en', url: receiver.url('/en'), rules: ['wh_lang'], lang: 'en' })
    expect(zh.webhook.lang).toBe('zh')
    expect(en.webhook.lang).toBe('en')
    const now = new Date()
    const r = await db.query<{ id: number }>(
      `INSERT INTO alerts (rule, subject, hub_code, severity, title_key, title_params, item_count, opened_at, last_seen_at)
       VALUES ('wh_lang', 'hub:SHA-TC', 'SHA-TC', 'critical', 'parcel_late', '{"hub": "上海转运中心", "count": 350}', 350, $1, $1) RETURNING id`,
      [now],
    )
    const id = r.rows[0]!.id
    expect(await enqueueAlertActions(db, [{ id, action: 'escalated' }], now)).toBe(2)
    await deliverDue(db, now)
    const got = (path: string) =>
      receiver
        .accepted()
        .filter((h) => h.path === path)
        .map((h) => JSON.parse(h.raw))
    expect(got('/zh')).toEqual([
      expect.objectContaining({
        lang: 'zh',
        alert: expect.objectContaining({
          title: '上海转运中心：350 件包裹已超过承诺时效',
          titleKey: 'parcel_late',
          titleParams: { hub: '上海转运中心', count: 350 },
        }),
      }),
    ])
    expect(got('/en')).toEqual([
      expect.objectContaining({
        lang: 'en',
        alert: expect.objectContaining({
          title: '350 parcels past their promised deadline at 上海转运中心',
          titleKey: 'parcel_late',
        }),
      }),
    ])
    await deactivateWebhook(db, zh.webhook.id)
    await deactivateWebhook(db, en.webhook.id)
    await receiver.stop()
  })

  it('routes by escalation level: a manager endpoint hears of an alert only once it has escalated', async () => {
    const receiver = new Receiver()
    receiver.status = 200
    await receiver.start()
    const { webhook } = await createWebhook(db, {
      name: 'manager pager',
      url: receiver.url(),
      rules: ['wh_escalation'],
      minEscalationLevel: 1,
    })
    const now = new Date()
    const id = await insertAlert('wh_escalation', 'SHA-TC', 'critical', 'nobody answered', now)
    expect(await enqueueAlertActions(db, [{ id, action: 'opened' }], now)).toBe(0)
    await db.query('UPDATE alerts SET escalation_level = 1 WHERE id = $1', [id])
    expect(await enqueueAlertActions(db, [{ id, action: 'escalated' }], now)).toBe(1)
    await deliverDue(db, now)
    expect(receiver.accepted().map((h) => JSON.parse(h.raw).event)).toEqual(['alert.escalated'])
    await deactivateWebhook(db, webhook.id)
    await receiver.stop()
  })

  it('never sends a row twice when two workers deliver at once, and gives up on a receiver that does not answer in time', async () => {
    const receiver = new Receiver()
    receiver.status = 200
    receiver.delayMs = 100
    await receiver.start()
    const { webhook } = await createWebhook(db, { name: 'race', url: receiver.url(), rules: ['wh_race'] })
    const now = new Date()
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, i) => insertAlert('wh_race', 'SHA-TC', 'warning', `t${i}`, now)),
    )
    await enqueueAlertNotifications(
      db,
      ids.map((id) => change(id, 'wh_race', 'SHA-TC', 'warning', 'opened')),
      now,
    )
    const [x, y] = await Promise.all([deliverDue(db, now, { batch: 5 }), deliverDue(db, now, { batch: 5 })])
    expect(x.delivered + y.delivered).toBe(12)
    expect(receiver.hits.map((h) => h.deliveryId).sort()).toEqual(
      (await outboxOf(webhook.id)).map((r) => String(r.id)).sort(),
    )

    // A slow receiver is a failure like any other: retried later.
    receiver.delayMs = 500
    const slow = await insertAlert('wh_race', 'SHA-TC', 'warning', 'slow', now)
    await enqueueAlertNotifications(db, [change(slow, 'wh_race', 'SHA-TC', 'warning', 'resolved')], now)
    expect(await deliverDue(db, now, { timeoutMs: 100 })).toMatchObject({ delivered: 0, failed: 1 })
    const row = (await outboxOf(webhook.id)).find((r) => r.alert_id === slow)!
    expect(row).toMatchObject({ attempts: 1, last_status: null, delivered_at: null })
    expect(row.last_error).toMatch(/no answer within 100 ms/)
    await deactivateWebhook(db, webhook.id)
    await receiver.stop()
  })

  it('runs as a job: the processor delivers what is due and logs the counts', async () => {
    const receiver = new Receiver()
    receiver.status = 200
    await receiver.start()
    const { webhook } = await createWebhook(db, { name: 'job', url: receiver.url(), rules: ['wh_job'] })
    const now = new Date()
    const id = await insertAlert('wh_job', 'CAN-TC', 'info', 'job', now)
    await enqueueAlertNotifications(db, [change(id, 'wh_job', 'CAN-TC', 'info', 'opened')], now)
    const logged: unknown[] = []
    const log = { info: (o: unknown) => logged.push(o), warn: (o: unknown) => logged.push(o) } as unknown as Parameters<
      typeof deliverWebhooks
    >[0]['log']
    await deliverWebhooks({ db, log }, {}, now)
    expect(receiver.accepted()).toHaveLength(1)
    expect(logged).toEqual([expect.objectContaining({ claimed: 1, delivered: 1, failed: 0 })])
    await deactivateWebhook(db, webhook.id)
    await receiver.stop()
  })

  describe('admin routes', () => {
    const route = (method: string, path: string) => {
      const r = WEBHOOK_ROUTES.find((x) => x.method === method && x.path === path)
      if (!r) throw new Error(`no route ${method} ${path}`)
      return r
    }
    // Through the real HTTP stack as an admin (auth, body parsing, audit), not by calling handlers.
    let admin: string | undefined
    async function invoke(method: string, path: string, req: { body?: unknown; params?: Record<string, string> } = {}) {
      route(method, path) // the route must exist in the table
      admin ??= await login(sys, 'admin', ADMIN_PASSWORD)
      const concrete = path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(req.params?.[name] ?? ''))
      return call(sys, method.toUpperCase(), concrete, {
        cookie: admin,
        ...(req.body === undefined ? {} : { body: req.body }),
      })
    }

    it('lets only admins manage webhooks', () => {
      expect(WEBHOOK_ROUTES.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
        'delete /api/v1/admin/webhooks/:id',
        'get /api/v1/admin/webhooks',
        'post /api/v1/admin/webhooks',
      ])
      for (const r of WEBHOOK_ROUTES) expect(r.roles).toEqual(['admin'])
    })

    it('creates an endpoint with a server-made secret shown once, lists it with its counts but never the secret, and deactivates it', async () => {
      const created = await invoke('post', '/api/v1/admin/webhooks', {
        body: {
          name: 'PagerDuty bridge',
          url: 'https://hooks.example.com/pw',
          rules: ['parcel_late'],
          minSeverity: 'critical',
          hubCodes: ['SHA-TC'],
        },
      })
      expect(created.status).toBe(201)
      const made = webhookCreated.parse(created.body)
      expect(made.secret).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/)
      expect(made.webhook).toMatchObject({
        name: 'PagerDuty bridge',
        url: 'https://hooks.example.com/pw',
        rules: ['parcel_late'],
        minSeverity: 'critical',
        hubCodes: ['SHA-TC'],
        active: true,
      })
      expect(created.body).not.toHaveProperty('webhook.secret') // the answer as sent, not the parsed copy
      const id = made.webhook.id

      const asAdmin = api(sys, { cookie: admin })
      const list = await asAdmin.get('/api/v1/admin/webhooks')
      const listed = list.webhooks.find((w) => w.id === id)
      expect(listed).toMatchObject({ active: true, pending: 0, failing: 0, delivered: 0 })
      expect(JSON.stringify(list)).not.toContain(made.secret)
      expect(list.webhooks.every((w) => !('secret' in w))).toBe(true)

      expect((await invoke('delete', '/api/v1/admin/webhooks/:id', { params: { id: String(id) } })).status).toBe(204)
      expect((await asAdmin.get('/api/v1/admin/webhooks')).webhooks.find((w) => w.id === id)?.active).toBe(false)
      expect((await invoke('delete', '/api/v1/admin/webhooks/:id', { params: { id: '999999' } })).status).toBe(404)
      expect((await invoke('delete', '/api/v1/admin/webhooks/:id', { params: { id: 'x' } })).status).toBe(400)
    })

    it('refuses unknown fields, non-HTTP URLs, unknown severities and unknown hubs', async () => {
      const post = (body: unknown) => invoke('post', '/api/v1/admin/webhooks', { body })
      expect((await post({ name: 'x', url: 'https://a.example', secret: 'mine' })).status).toBe(400)
      expect((await post({ name: 'x', url: 'ftp://a.example' })).status).toBe(400)
      expect((await post({ name: 'x', url: 'javascript:alert(1)' })).status).toBe(400)
      expect((await post({ name: 'x', url: 'https://a.example', minSeverity: 'urgent' })).status).toBe(400)
      const badLang = await post({ name: 'x', url: 'https://a.example', lang: 'fr' })
      expect(badLang.status).toBe(400)
      expect(errorOf(badLang).details).toEqual([expect.objectContaining({ field: 'lang' })])
      expect((await post({ name: '', url: 'https://a.example' })).status).toBe(400)
      const badHub = await post({ name: 'x', url: 'https://a.example', hubCodes: ['NOPE-1'] })
      expect(badHub.status).toBe(400)
      expect(errorOf(badHub).details).toEqual([{ field: 'hubCodes', message: 'unknown hub(s): NOPE-1' }])
    })
  })
})
