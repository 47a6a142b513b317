import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addUser, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'
import { freePort, waitFor } from '../helpers/fault-kit.ts'
import { createWebhook } from '../../server/services/webhooks.ts'

/**
 * Fault injection: the on-call bridge that receives the alert webhooks is down
 * while alerts open, escalate and get reminders: first nothing listens on its
 * port (connection refused), then it answers 503, then it is back. Everything
 * is real: the product with its in-process BullMQ workers (sweep every 5 s,
 * webhook delivery every 5 s, escalation after 3 s and reminders every 6 s so
 * that an alert goes through several notifications in seconds), a receiver on
 * a real port, people acknowledging and resolving over HTTP.
 *
 * When it is back, its first answer comes after the sender's timeout: it took
 * that delivery, the sender retries it (at least once).
 *
 * Ends with the count: every outbox row reached the receiver, the one repeat
 * carries the same delivery id and body (a receiver dedupes on the id),
 * each alert's notifications arrived in the order of its history, and the
 * notifications are exactly the alert's notifiable history: nothing lost.
 * Size: three alerts (6 late parcels); about 40 s, most of it the retry backoff.
 */
const HUBS = { 'SHA-TC': 3, 'CAN-TC': 2, 'WUH-TC': 1 } as const
type Hub = keyof typeof HUBS

let sys: TestSystem | undefined
const receiver = new (class Receiver {
  hits: Array<{ deliveryId: string; raw: string; answered: number }> = []
  status = 503
  /** Answer the next 2xx this much later: past the sender's 5 s timeout, so it takes the delivery but the sender retries it. */
  slowNextMs = 0
  port = 0
  private server: Server | undefined

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const answered = this.status
        this.hits.push({
          deliveryId: String(req.headers['x-parcelwatch-delivery']),
          raw: Buffer.concat(chunks).toString('utf8'),
          answered,
        })
        const delay = answered < 300 ? this.slowNextMs : 0
        if (delay) this.slowNextMs = 0
        setTimeout(
          () =>
            res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'ok' : 'bridge restarting'),
          delay,
        )
      })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', resolve)
    })
    this.server = server
  }

  async close(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (!server) return
    const closed = new Promise((r) => server.close(r))
    server.closeAllConnections()
    await closed
  }
})()

beforeAll(async () => {
  receiver.port = await freePort() // reserved, but nothing listens yet: connection refused
  sys = await startTestSystem({
    SWEEP_INTERVAL_SECONDS: '5',
    ESCALATE_AFTER_MINUTES: '0.05',
    REMIND_EVERY_MINUTES: '0.1',
  })
  await addUser(sys, 'duty', 'on_call')
  await addUser(sys, 'boss', 'manager')
})
afterAll(async () => {
  await receiver.close()
  await sys?.stop()
})

interface OutboxRow {
  id: number
  alert_id: number
  event: string
  body: string
  attempts: number
  delivered_at: Date | null
  last_error: string | null
}

describe('a webhook receiver that is down for a while', () => {
  it("gets every notification once it is back, in order per alert, each delivery id once, none missing from the alerts' history", async () => {
    const s = sys!
    const db = s.database.pool
    const { webhook } = await createWebhook(db, {
      name: 'on-call bridge',
      url: `http://127.0.0.1:${receiver.port}/hook`,
      rules: ['parcel_late'],
      hubCodes: Object.keys(HUBS),
    })
    const outbox = async () =>
      (
        await db.query<OutboxRow>(
          `SELECT id, alert_id, payload->>'event' AS event, payload::text AS body, attempts, delivered_at, last_error FROM webhook_outbox WHERE endpoint_id = $1 ORDER BY id`,
          [webhook.id],
        )
      ).rows

    // Parcels collected ten days ago, scanned an hour ago at their hub: past their deadline, one parcel_late alert per hub.
    const waybills = {} as Record<Hub, string[]>
    for (const [hub, n] of Object.entries(HUBS) as Array<[Hub, number]>) {
      const list = Array.from({ length: n }, () => shipment({ collectedAt: minutesAgo(10 * 24 * 60) }))
      expect((await call(s, 'POST', '/api/v1/shipments', { token: s.token, body: list })).status).toBe(200)
      const r = await api(s, { token: s.token }).post('/api/v1/events', {
        body: list.map((p) => event(p.waybill, { hub, time: minutesAgo(60) })),
      })
      expect(r, JSON.stringify(r)).toMatchObject({ accepted: n })
      waybills[hub] = list.map((p) => p.waybill)
    }

    // Down, not even listening: the first notifications fail with a refused connection.
    const alerts = await waitFor(async () => {
      const r = await db.query<{ id: number; hub_code: Hub }>(
        `SELECT id, hub_code FROM alerts WHERE rule = 'parcel_late' AND state = 'open' ORDER BY id`,
      )
      // The three hubs' alerts exactly: a sweep that ran between a hub's shipments and its scans saw
      // those parcels at their origin (HGH-O1) and opened one there, which the next sweep resolves.
      const hubs = r.rows.map((a) => a.hub_code).sort()
      return JSON.stringify(hubs) === JSON.stringify(Object.keys(HUBS).sort()) ? r.rows : undefined
    }, 'three parcel_late alerts from the scheduled sweep, one per hub')
    expect(alerts.map((a) => a.hub_code).sort()).toEqual(Object.keys(HUBS).sort())
    const idOf = (hub: Hub) => alerts.find((a) => a.hub_code === hub)!.id
    await waitFor(
      async () =>
        (await outbox()).filter((r) => r.attempts > 0 && /ECONNREFUSED/.test(r.last_error ?? '')).length >= 3
          ? true
          : undefined,
      'a refused delivery for each alert',
      30_000,
    )

    // Listening again but answering 503 for a while.
    await receiver.listen()
    await waitFor(
      () => (receiver.hits.some((h) => h.answered === 503) ? true : undefined),
      'a delivery answered 503',
      30_000,
    )
    expect(receiver.hits.every((h) => h.answered === 503)).toBe(true)
    // Meanwhile nobody acknowledged: every alert escalates, a second notification queued behind the first.
    await waitFor(
      async () => {
        const r = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM alerts WHERE id = ANY($1::bigint[]) AND escalation_level >= 1`,
          [alerts.map((a) => a.id)],
        )
        return r.rows[0]!.n === 3 ? true : undefined
      },
      'the three alerts escalated while the receiver was down',
      30_000,
    )
    expect(receiver.hits.every((h) => h.answered === 503)).toBe(true)

    // Back for good, while the on-call works the alerts: one acknowledged and resolved by hand, then every parcel delivered
    // (a sweep between the hand resolution and the delivery would rightly open a new alert at WUH-TC: counted below too).
    receiver.status = 200
    receiver.slowNextMs = 6_000
    const duty = await login(s, 'duty')
    const boss = await login(s, 'boss')
    expect(
      (
        await call(s, 'POST', `/api/v1/alerts/${idOf('WUH-TC')}/acknowledge`, {
          cookie: duty,
          body: { comment: '已联系武汉' },
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await call(s, 'POST', `/api/v1/alerts/${idOf('WUH-TC')}/resolve`, {
          cookie: boss,
          body: { comment: '包裹已找到' },
        })
      ).status,
    ).toBe(200)
    for (const hub of Object.keys(HUBS) as Hub[]) {
      const r = await api(s, { token: s.token }).post('/api/v1/events', {
        body: waybills[hub].map((w) =>
          event(w, { type: 'delivered', hub: 'SHA-O1', signer: '本人', time: minutesAgo(2) }),
        ),
      })
      expect(r).toMatchObject({ accepted: HUBS[hub] })
    }
    await waitFor(async () => {
      const r = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM alerts WHERE rule = 'parcel_late' AND state <> 'resolved'`,
      )
      return r.rows[0]!.n === 0 ? true : undefined
    }, 'every parcel_late alert resolved (by hand or by the sweep)')
    const rows = await waitFor(
      async () => {
        const all = await outbox()
        return all.every((r) => r.delivered_at !== null) ? all : undefined
      },
      'every notification delivered',
      90_000,
      500,
    )

    // The count. Outbox: one row per notifiable history entry of each alert, in the same order.
    const alertIds = [...new Set([...alerts.map((a) => a.id), ...rows.map((r) => r.alert_id)])]
    const reopened = alertIds.filter((id) => !alerts.some((a) => a.id === id))
    const history = (
      await db.query<{ alert_id: number; action: string }>(
        `SELECT alert_id, action FROM alert_history WHERE alert_id = ANY($1::bigint[]) AND action <> 'updated' ORDER BY id`,
        [alertIds],
      )
    ).rows
    for (const id of alertIds) {
      const expected = history.filter((h) => h.alert_id === id).map((h) => `alert.${h.action}`)
      expect(
        rows.filter((r) => r.alert_id === id).map((r) => r.event),
        `alert ${id}`,
      ).toEqual(expected)
      expect(expected[0]).toBe('alert.opened')
      expect(expected.at(-1)).toBe(id === idOf('WUH-TC') ? 'alert.resolved' : 'alert.auto_resolved')
    }
    for (const a of alerts)
      expect(
        history.filter((h) => h.alert_id === a.id).map((h) => h.action),
        'it escalated while the receiver was down',
      ).toContain('escalated')
    expect(history.filter((h) => h.alert_id === idOf('WUH-TC')).map((h) => h.action)).toEqual(
      expect.arrayContaining(['acknowledged', 'resolved']),
    )
    expect(reopened.length).toBeLessThanOrEqual(1)

    // Receiver: every outbox row taken, by delivery id; a repeat (at-least-once) would carry the same id and body.
    const taken = receiver.hits.filter((h) => h.answered === 200)
    const byId = new Map(rows.map((r) => [String(r.id), r]))
    for (const h of taken) {
      const row = byId.get(h.deliveryId)
      expect(row, `delivery ${h.deliveryId} is an outbox row`).toBeDefined()
      expect(JSON.parse(h.raw)).toEqual(JSON.parse(row!.body))
    }
    const firstTaken = [...new Map(taken.map((h) => [h.deliveryId, h])).values()]
    expect(firstTaken.map((h) => h.deliveryId).sort()).toEqual(rows.map((r) => String(r.id)).sort())
    // At least once: the answer that came after the sender's timeout made it send that delivery again, same id, same body.
    const duplicates = taken.length - firstTaken.length
    expect(duplicates).toBe(1)
    // Nothing was taken while it was down: the 503 answers all came before the first 200.
    const firstOk = receiver.hits.findIndex((h) => h.answered === 200)
    expect(receiver.hits.slice(firstOk).every((h) => h.answered === 200)).toBe(true)
    // In order per alert: the first arrival of each row follows outbox (= history) order.
    for (const id of alertIds) {
      expect(firstTaken.filter((h) => JSON.parse(h.raw).alert.id === id).map((h) => Number(h.deliveryId))).toEqual(
        rows.filter((r) => r.alert_id === id).map((r) => r.id),
      )
    }
    process.stdout.write(
      `webhook-receiver-down reconciliation: ${JSON.stringify({
        alerts: alertIds.length,
        reopened: reopened.length,
        notifications: rows.length,
        deliveredOnce: firstTaken.length,
        duplicates,
        answered503: receiver.hits.filter((h) => h.answered === 503).length,
        maxAttempts: Math.max(...rows.map((r) => r.attempts)),
        perAlert: alertIds.map((id) => ({
          id,
          events: rows.filter((r) => r.alert_id === id).map((r) => r.event.replace('alert.', '')),
        })),
      })}\n`,
    )
  }, 180_000)
})
