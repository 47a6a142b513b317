import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addUser, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { event, shipment } from '../helpers/builders.ts'
import { api, errorOf, fieldErrorsOf } from '../helpers/api.ts'
import type { ResponseOf } from '../../contract/routes.ts'

// A shift window around the start of the test: [T − 6 h, T + 6 h). Parcels and
// alerts are stamped hours before T (the API takes past event times; alerts of
// the past are written with SQL, as a sweep would have); what people do during
// the test (resolve, acknowledge, raise an incident) happens at real time, inside
// the window. The report stops at now, since the window reaches into the future.
let sys: TestSystem
let T: number
let dayDuty: string
let controlRoom: string
const at = (hours: number) => new Date(T + hours * 3_600_000)
const iso = (hours: number) => at(hours).toISOString()
/** The report of [T + fromH, T + toH), as the typed API helper reads it (a non-2xx answer throws). */
async function handover(fromH: number, toH: number, cookie = controlRoom) {
  const r = await api(sys, { cookie }).send('GET', '/api/v1/handover', { query: { from: iso(fromH), to: iso(toH) } })
  if (!r.ok) throw new Error(`handover answered ${r.status}: ${r.body.error.message}`)
  return r
}
type ActivityList = ResponseOf<'GET /api/v1/handover'>['alerts']['opened']

async function userId(username: string): Promise<number> {
  return (await sys.database.pool.query<{ id: number }>('SELECT id FROM users WHERE username = $1', [username]))
    .rows[0]!.id
}

interface PastAlert {
  rule: string
  hub: string
  severity: 'info' | 'warning' | 'critical'
  opened: number
  ack?: { at: number; by: number }
  escalated?: number
  resolved?: { at: number; by: number | null }
  details?: Record<string, unknown>
  openedBy?: number
}

/** An alert with its history, as the sweeps and people would have left it (times in hours from T). */
async function pastAlert(a: PastAlert): Promise<number> {
  const db = sys.database.pool
  const state = a.resolved ? 'resolved' : a.ack ? 'acknowledged' : 'open'
  const r = await db.query<{ id: number }>(
    `INSERT INTO alerts (rule, subject, hub_code, severity, state, title, opened_at, last_seen_at, acknowledged_at, acknowledged_by,
                         resolved_at, resolved_by, escalation_level, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
    [
      a.rule,
      `${a.rule}:${a.hub}:${a.opened}`,
      a.hub,
      a.severity,
      state,
      `${a.rule} at ${a.hub}`,
      at(a.opened),
      a.ack ? at(a.ack.at) : null,
      a.ack?.by ?? null,
      a.resolved ? at(a.resolved.at) : null,
      a.resolved?.by ?? null,
      a.escalated === undefined ? 0 : 1,
      a.details ?? {},
    ],
  )
  const id = r.rows[0]!.id
  const history: Array<[number, string, number | null, Record<string, unknown>]> = [
    [a.opened, 'opened', a.openedBy ?? null, {}],
  ]
  if (a.escalated !== undefined) history.push([a.escalated, 'escalated', null, { level: 1 }])
  if (a.ack) history.push([a.ack.at, 'acknowledged', a.ack.by, {}])
  if (a.resolved)
    history.push([a.resolved.at, a.resolved.by === null ? 'auto_resolved' : 'resolved', a.resolved.by, {}])
  for (const [h, action, by, details] of history) {
    await db.query('INSERT INTO alert_history (alert_id, at, action, user_id, details) VALUES ($1, $2, $3, $4, $5)', [
      id,
      at(h),
      action,
      by,
      details,
    ])
  }
  return id
}

const ids: Record<string, number> = {}

async function parcels(): Promise<void> {
  const daysAgo = (d: number) => new Date(T - d * 86_400_000).toISOString()
  const p = {
    A: shipment({ collectedAt: iso(-10) }), // delivered before the shift
    B: shipment({ collectedAt: iso(-9), tier: 'express' }), // delivered on time during the shift
    C: shipment({ collectedAt: iso(-8) }), // still on the road
    D: shipment({ collectedAt: iso(-2) }), // collected during the shift
    E: shipment({ collectedAt: iso(-5) }), // collected during, damaged during
    F: shipment({ collectedAt: iso(-9) }), // returned during the shift
    G: shipment({ collectedAt: daysAgo(10) }), // delivered late during the shift
    H: shipment({ collectedAt: iso(-9) }), // exception before the shift, still open
    I: shipment({ collectedAt: daysAgo(20), tier: 'economy' }), // refused, then delivered late: excused
  }
  const created = await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: Object.values(p) })
  expect(created.accepted, JSON.stringify(created)).toHaveLength(9)
  const r = await api(sys, { token: sys.token }).post('/api/v1/events', {
    body: [
      event(p.A.waybill, { type: 'delivered', hub: 'SHA-O1', signer: '本人', time: iso(-7) }),
      event(p.B.waybill, { type: 'delivered', hub: 'SHA-O1', signer: '本人', time: iso(-3) }),
      event(p.C.waybill, { type: 'arrived_hub', hub: 'SHA-TC', time: iso(-5) }),
      event(p.D.waybill, { type: 'departed_hub', hub: 'HGH-SC', time: iso(-1) }),
      event(p.E.waybill, { type: 'exception', hub: 'HGH-SC', reason: 'damaged', time: iso(-1) }),
      event(p.F.waybill, { type: 'returned', hub: 'HGH-O1', time: iso(-4) }),
      event(p.G.waybill, { type: 'delivered', hub: 'SHA-O1', signer: '门卫', time: iso(-1) }),
      event(p.H.waybill, { type: 'exception', hub: 'SHA-TC', reason: 'lost', time: iso(-7) }),
      event(p.I.waybill, { type: 'exception', hub: 'SHA-O1', reason: 'refused', time: iso(-7) }),
      event(p.I.waybill, { type: 'delivered', hub: 'SHA-O1', signer: '本人', time: iso(-0.5) }),
    ],
  })
  expect(r.accepted, JSON.stringify(r)).toBe(10)
}

async function alerts(): Promise<void> {
  const night = await userId('night-duty')
  ids.alpha = await pastAlert({
    rule: 'parcel_late',
    hub: 'SHA-TC',
    severity: 'critical',
    opened: -8,
    ack: { at: -7, by: night },
  })
  ids.beta = await pastAlert({ rule: 'hub_silent', hub: 'NKG-SC', severity: 'warning', opened: -7, escalated: -6.5 })
  ids.zeta = await pastAlert({
    rule: 'hub_exception_spike',
    hub: 'CAN-TC',
    severity: 'critical',
    opened: -9,
    resolved: { at: -2, by: null },
  })
  ids.old = await pastAlert({
    rule: 'hub_volume_low',
    hub: 'HGH-SC',
    severity: 'warning',
    opened: -10,
    resolved: { at: -9, by: night },
  })
  ids.oldIncident = await pastAlert({
    rule: 'incident',
    hub: 'WUH-TC',
    severity: 'critical',
    opened: -12,
    openedBy: night,
    resolved: { at: -10, by: night },
    details: { kind: 'weather', comment: '暴雨' },
  })
  ids.gamma = await pastAlert({ rule: 'courier_late_start', hub: 'HGH-O1', severity: 'info', opened: -4 })
  ids.delta = await pastAlert({ rule: 'parcel_stalled', hub: 'BJS-TC', severity: 'warning', opened: -3, escalated: -2 })

  // What the day shift does, through the API, now.
  const ok = (r: { status: number; body: unknown }, status = 200) =>
    expect(r.status, JSON.stringify(r.body)).toBe(status)
  ok(
    await call(sys, 'POST', `/api/v1/alerts/${ids.beta}/resolve`, {
      cookie: dayDuty,
      body: { comment: '站点恢复扫描' },
    }),
  )
  const incident = await api(sys, { cookie: dayDuty }).post('/api/v1/incidents', {
    status: 201,
    body: { hub: 'CAN-TC', kind: 'equipment_failure', title: '分拣机故障', comment: '二号线停机' },
  })
  ids.epsilon = incident.alert.id
  ok(
    await call(sys, 'POST', `/api/v1/alerts/${ids.epsilon}/acknowledge`, {
      cookie: dayDuty,
      body: { comment: '维修已到场' },
    }),
  )
  ok(
    await call(sys, 'POST', '/api/v1/silences', {
      cookie: dayDuty,
      body: { hub: 'BJS-TC', kind: 'maintenance', startsAt: iso(-1), endsAt: iso(2), comment: '分拣线检修' },
    }),
    201,
  )
  ok(
    await call(sys, 'POST', '/api/v1/silences', {
      cookie: dayDuty,
      body: { hub: 'SHA-TC', startsAt: iso(-16), endsAt: iso(-10), comment: '昨夜演练' },
    }),
    201,
  )
}

beforeAll(async () => {
  // No workers: no sweep opens or resolves anything behind the test's back.
  sys = await startTestSystem({ RUN_WORKERS: 'false' })
  T = Date.now()
  await addUser(sys, 'day-duty', 'on_call')
  await addUser(sys, 'night-duty', 'on_call')
  await addUser(sys, 'wall-eye', 'control_room')
  await addUser(sys, 'desk', 'cs_operator')
  dayDuty = await login(sys, 'day-duty')
  controlRoom = await login(sys, 'wall-eye')
  await parcels()
  await alerts()
})
afterAll(async () => {
  await sys?.stop()
})

describe('shift handover report', () => {
  it('counts parcels in flight at the start and the end, and what was collected, delivered and returned in between', async () => {
    const r = await handover(-6, 6)
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    const k = r.body.kpis
    // Start: B, C, F, G, H, I (A was delivered before). End: C, D, E, H.
    expect(k.start.inFlight).toBe(6)
    expect(k.end.inFlight).toBe(4)
    expect(k.during).toMatchObject({ collected: 2, delivered: 3, returned: 1, exceptions: 1 })
    expect(k.end.inFlight).toBe(k.start.inFlight + k.during.collected - k.during.delivered - k.during.returned)
    expect(k.during.onTime).toEqual({
      express: { delivered: 1, onTime: 1, excused: 0 },
      standard: { delivered: 1, onTime: 0, excused: 0 },
      economy: { delivered: 1, onTime: 0, excused: 1 },
    })
  })

  it('stops at now when the shift is still running', async () => {
    const before = Date.now()
    const r = await handover(-6, 6)
    expect(r.body.complete).toBe(false)
    expect(r.body.to).toBe(iso(6))
    expect(Date.parse(r.body.end)).toBeGreaterThanOrEqual(before)
    expect(Date.parse(r.body.end)).toBeLessThan(at(6).getTime())
  })

  it('counts open alerts by severity at the start and the end, muted ones apart', async () => {
    const k = (await handover(-6, 6)).body.kpis
    // Start: alpha and zeta critical, beta warning. End: alpha and the incident critical, gamma info,
    // delta muted by the BJS-TC maintenance window.
    expect(k.start.openAlerts).toEqual({ critical: 2, warning: 1, info: 0, muted: 0 })
    expect(k.end.openAlerts).toEqual({ critical: 2, warning: 0, info: 1, muted: 1 })
  })

  it('lists who opened, acknowledged, resolved and escalated which alert during the shift', async () => {
    const a = (await handover(-6, 6)).body.alerts
    const brief = (list: ActivityList) => list.items.map((i) => [i.alertId, i.action, i.by])
    expect(a.opened.total).toBe(3)
    expect(brief(a.opened)).toEqual([
      [ids.gamma, 'opened', null],
      [ids.delta, 'opened', null],
      [ids.epsilon, 'opened', 'day-duty'],
    ])
    expect(brief(a.acknowledged)).toEqual([[ids.epsilon, 'acknowledged', 'day-duty']])
    expect(a.acknowledged.items[0]?.comment).toBe('维修已到场')
    expect(brief(a.resolved)).toEqual([
      [ids.zeta, 'auto_resolved', null],
      [ids.beta, 'resolved', 'day-duty'],
    ])
    expect(a.resolved.items[0]?.at).toBe(iso(-2))
    expect(brief(a.escalated)).toEqual([[ids.delta, 'escalated', null]])
    expect(a.escalated.items[0]?.level).toBe(1)
  })

  it('says who holds each alert still open at the end of the shift', async () => {
    const open = (await handover(-6, 6)).body.stillOpen
    expect(open.truncated).toBe(false)
    expect(
      open.items.map((i) => [
        i.id,
        i.holder.kind,
        i.holder.kind === 'acknowledged' ? i.holder.by : i.holder.kind === 'escalated' ? i.holder.level : null,
        i.muted,
      ]),
    ).toEqual([
      [ids.alpha, 'acknowledged', 'night-duty', false],
      [ids.epsilon, 'acknowledged', 'day-duty', false],
      [ids.delta, 'escalated', 1, true],
      [ids.gamma, 'unowned', null, false],
    ])
    expect(open.items[0]?.holder).toMatchObject({ at: iso(-7) })
  })

  it('lists the incidents and the silences of the shift, with who raised them', async () => {
    const body = (await handover(-6, 6)).body
    expect(body.incidents).toHaveLength(1)
    expect(body.incidents[0]).toMatchObject({
      id: ids.epsilon,
      hubCode: 'CAN-TC',
      kind: 'equipment_failure',
      title: '分拣机故障',
      comment: '二号线停机',
      openedBy: 'day-duty',
      acknowledgedBy: 'day-duty',
      resolvedAt: null,
    })
    expect(body.silences.map((s) => [s.kind, s.hubCode, s.createdBy, s.comment])).toEqual([
      ['maintenance', 'BJS-TC', 'day-duty', '分拣线检修'],
    ])
  })

  it('reads an earlier shift as it stood then: later actions are left out', async () => {
    const r = await handover(-14, -11)
    expect(r.status).toBe(200)
    expect(r.body.complete).toBe(true)
    expect(r.body.end).toBe(iso(-11))
    // The weather incident was still open at -11 h (resolved at -10 h).
    expect(r.body.incidents.map((i) => [i.id, i.openedBy, i.resolvedAt])).toEqual([
      [ids.oldIncident, 'night-duty', null],
    ])
    expect(r.body.stillOpen.items.map((i) => [i.id, i.holder.kind])).toEqual([[ids.oldIncident, 'unowned']])
    expect(r.body.silences.map((s) => s.comment)).toEqual(['昨夜演练'])
    // Only the long-open parcels G and I were on the road then.
    expect(r.body.kpis.start.inFlight).toBe(2)
    expect(r.body.kpis.end.inFlight).toBe(2)
    expect(r.body.kpis.during).toMatchObject({ collected: 0, delivered: 0, returned: 0, exceptions: 0 })
  })

  it('shows zeta unowned at the end of the window before the day shift', async () => {
    const r = await handover(-9.5, -8)
    expect(r.body.stillOpen.items.map((i) => [i.id, i.holder.kind])).toEqual([[ids.zeta, 'unowned']])
    expect(r.body.kpis.end.openAlerts).toEqual({ critical: 1, warning: 0, info: 0, muted: 0 })
    expect(r.body.alerts.resolved.items.map((i) => [i.alertId, i.by])).toEqual([[ids.old, 'night-duty']])
  })
})

describe('handover request checks', () => {
  const get = (query: string, cookie = controlRoom) => call(sys, 'GET', `/api/v1/handover${query}`, { cookie })

  it('names the missing or malformed parameter', async () => {
    const none = await get('')
    expect(none.status).toBe(400)
    expect(errorOf(none).message).toMatch(/from: required/)
    expect(errorOf(none).message).toMatch(/to: required/)
    const bad = await get(`?from=yesterday&to=${encodeURIComponent(iso(0))}`)
    expect(bad.status).toBe(400)
    expect(errorOf(bad).details).toEqual([{ field: 'from', message: expect.stringMatching(/ISO 8601/) }])
    const extra = await get(`?from=${encodeURIComponent(iso(-1))}&to=${encodeURIComponent(iso(0))}&shift=day`)
    expect(extra.status).toBe(400)
    expect(errorOf(extra).message).toMatch(/shift/)
  })

  it('refuses a window that is upside down, longer than 48 hours or in the future', async () => {
    const upside = await get(`?from=${encodeURIComponent(iso(-1))}&to=${encodeURIComponent(iso(-2))}`)
    expect(upside.status).toBe(400)
    expect(errorOf(upside).details).toEqual([{ field: 'to', message: 'must be after from' }])
    const long = await get(`?from=${encodeURIComponent(iso(-49))}&to=${encodeURIComponent(iso(0))}`)
    expect(long.status).toBe(400)
    expect(errorOf(long).message).toMatch(/48 hours/)
    expect((await get(`?from=${encodeURIComponent(iso(-48))}&to=${encodeURIComponent(iso(0))}`)).status).toBe(200)
    const future = await get(`?from=${encodeURIComponent(iso(1))}&to=${encodeURIComponent(iso(2))}`)
    expect(future.status).toBe(400)
    expect(fieldErrorsOf(future)[0]!.field).toBe('from')
  })

  it('is for the control room, on-call staff and managers, not customer service', async () => {
    const q = `?from=${encodeURIComponent(iso(-1))}&to=${encodeURIComponent(iso(0))}`
    expect((await get(q, dayDuty)).status).toBe(200)
    const cs = await get(q, await login(sys, 'desk'))
    expect(cs.status).toBe(403)
  })
})
