import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addUser, ADMIN_PASSWORD, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { shipment } from '../helpers/builders.ts'
import { api, errorOf } from '../helpers/api.ts'
import { runSweep } from '../../server/services/sla-sweep.ts'
import { shanghaiDay } from '../../server/domain/calendar.ts'

let sys: TestSystem
const who: Record<string, string> = {}
let parcel: ReturnType<typeof shipment>
const HOUR = 3_600_000

beforeAll(async () => {
  sys = await startTestSystem()
  for (const [name, role] of [
    ['cs-a', 'cs_operator'],
    ['oncall-a', 'on_call'],
    ['mgr-a', 'manager'],
    ['fin-a', 'finance'],
  ] as const) {
    await addUser(sys, name, role)
    who[name] = await login(sys, name)
  }
  who.admin = await login(sys, 'admin', ADMIN_PASSWORD)
  parcel = shipment()
  await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: parcel })
})
afterAll(async () => {
  await sys?.stop()
})

const sweep = (now: Date) => runSweep(sys.database.pool, sys.config.sla, new Map(), now)
async function complaintAlerts(id: number) {
  const r = await sys.database.pool.query<{ id: number; state: string }>(
    `SELECT id, state FROM alerts WHERE rule = 'complaint_overdue' AND subject = $1 ORDER BY id`,
    [`complaint:${id}`],
  )
  return r.rows
}
async function open(category: string, extra: Record<string, unknown> = {}) {
  const r = await api(sys, { cookie: who['cs-a'] }).post('/api/v1/complaints', {
    status: 201,
    body: {
      channel: 'phone',
      category,
      waybill: parcel.waybill,
      description: '快递三天没动',
      contact: { name: '李娜', phone: '13812341234', email: 'lina@example.com' },
      ...extra,
    },
  })
  return r.complaint
}

describe('complaint intake and time limits', () => {
  it('sets the due time from the category limit (24 h for a delay, 48 h for damage) and frozen at intake', async () => {
    const delay = await open('delay')
    expect(delay).toMatchObject({
      state: 'received',
      channel: 'phone',
      limitHours: 24,
      waybill: parcel.waybill,
      overdue: false,
    })
    expect(Date.parse(delay.dueAt) - Date.parse(delay.receivedAt)).toBe(24 * HOUR)
    const damage = await open('damage', { channel: 'email' })
    expect(Date.parse(damage.dueAt) - Date.parse(damage.receivedAt)).toBe(48 * HOUR)
    // An admin changes a limit: new complaints follow it, earlier ones keep theirs.
    expect(
      (
        await call(sys, 'PUT', '/api/v1/admin/complaint-categories/delay', {
          cookie: who.admin,
          body: { limitHours: 12 },
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await call(sys, 'PUT', '/api/v1/admin/complaint-categories/delay', {
          cookie: who['mgr-a'],
          body: { limitHours: 1 },
        })
      ).status,
    ).toBe(403)
    const later = await open('delay', { channel: 'online' })
    expect(later.limitHours).toBe(12)
    expect(
      (await api(sys, { cookie: who['cs-a'] }).get('/api/v1/complaints/:id', { params: { id: delay.id } })).complaint
        .limitHours,
    ).toBe(24)
  })

  it('shows the contact in clear to customer service and masked to on-call and managers', async () => {
    const c = await open('other')
    expect(c.contactPhone).toBe('13812341234')
    const masked = (await api(sys, { cookie: who['oncall-a'] }).get('/api/v1/complaints/:id', { params: { id: c.id } }))
      .complaint
    expect(masked).toMatchObject({
      masked: true,
      contactName: '李*',
      contactPhone: '138****1234',
      contactEmail: 'l***@example.com',
    })
    expect(
      JSON.stringify(await api(sys, { cookie: who['mgr-a'] }).get('/api/v1/complaints', { query: { state: 'all' } })),
    ).not.toContain('13812341234')
    expect((await call(sys, 'GET', '/api/v1/complaints', { cookie: who['fin-a'] })).status).toBe(403)
  })

  it('refuses an unknown category or parcel', async () => {
    const bad = await call(sys, 'POST', '/api/v1/complaints', {
      cookie: who['cs-a'],
      body: { channel: 'phone', category: 'nope', description: 'x' },
    })
    expect(bad.status).toBe(400)
    const nobody = await call(sys, 'POST', '/api/v1/complaints', {
      cookie: who['cs-a'],
      body: { channel: 'phone', category: 'delay', waybill: 'PW000000000000', description: 'x' },
    })
    expect(nobody.status).toBe(400)
    expect(errorOf(nobody).code).toBe('unknown_waybill')
  })

  it('refuses an over-long description with a stable code naming the field and its limit', async () => {
    const r = await call(sys, 'POST', '/api/v1/complaints', {
      cookie: who['cs-a'],
      body: { channel: 'phone', category: 'delay', description: '慢'.repeat(5640) },
    })
    expect(r.status).toBe(400)
    expect(errorOf(r).code).toBe('bad_request')
    expect(errorOf(r).message).toMatch(/description/)
    expect(errorOf(r).details).toEqual([
      expect.objectContaining({ field: 'description', issue: 'too_big', origin: 'string', limit: 4000 }),
    ])
  })
})

describe('complaint states and the overdue alert', () => {
  it('raises one complaint_overdue alert past the limit, keeps it through analysing, resolves it when replied', async () => {
    const c = await open('attitude')
    // Not yet due: no alert.
    await sweep(new Date())
    expect(await complaintAlerts(c.id)).toEqual([])
    // Received 30 h ago with a 24 h limit: overdue now.
    await sys.database.pool.query(
      `UPDATE complaints SET received_at = now() - interval '30 hours', due_at = now() - interval '6 hours' WHERE id = $1`,
      [c.id],
    )
    const first = await sweep(new Date())
    expect(
      first.changes.filter((x) => x.rule === 'complaint_overdue' && x.action === 'opened').map((x) => x.subject),
    ).toEqual([`complaint:${c.id}`])
    await sweep(new Date())
    const alerts = await complaintAlerts(c.id)
    expect(alerts).toHaveLength(1)
    expect(alerts[0]!.state).toBe('open')
    // Through the alert lifecycle: on-call sees it with the parcel, and acknowledges.
    const detail = await api(sys, { cookie: who['oncall-a'] }).get('/api/v1/alerts/:id', {
      params: { id: alerts[0]!.id },
    })
    expect(detail.alert).toMatchObject({
      id: alerts[0]!.id,
      rule: 'complaint_overdue',
      subject: `complaint:${c.id}`,
      state: 'open',
    })
    expect(detail.parcels.map((p) => p.waybill)).toEqual([parcel.waybill])
    expect(
      (
        await call(sys, 'POST', `/api/v1/alerts/${alerts[0]!.id}/acknowledge`, {
          cookie: who['oncall-a'],
          body: { comment: 'asked CS to call back' },
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await api(sys, { cookie: who['cs-a'] }).get('/api/v1/complaints', { query: { state: 'overdue' } })
      ).complaints.map((x) => x.id),
    ).toContain(c.id)

    const analysing = await api(sys, { cookie: who['cs-a'] }).post('/api/v1/complaints/:id/transition', {
      params: { id: c.id },
      body: { to: 'analysing', note: 'courier was rude, checking with the outlet' },
    })
    expect(analysing.complaint).toMatchObject({ state: 'analysing', alertId: alerts[0]!.id })
    expect((await complaintAlerts(c.id))[0]!.state).toBe('acknowledged')
    // Never backwards.
    expect(
      (
        await call(sys, 'POST', `/api/v1/complaints/${c.id}/transition`, {
          cookie: who['cs-a'],
          body: { to: 'received', note: 'x' },
        })
      ).status,
    ).toBe(409)

    const replied = await api(sys, { cookie: who['cs-a'] }).post('/api/v1/complaints/:id/transition', {
      params: { id: c.id },
      body: { to: 'replied', note: 'apologised, courier retrained' },
    })
    expect(replied.complaint).toMatchObject({ state: 'replied', overdue: false })
    const after = await complaintAlerts(c.id)
    expect(after.map((a) => a.state)).toEqual(['resolved'])
    const history = await sys.database.pool.query(`SELECT action FROM alert_history WHERE alert_id = $1 ORDER BY id`, [
      after[0]!.id,
    ])
    expect(history.rows.map((h) => h.action)).toEqual(['opened', 'acknowledged', 'auto_resolved'])
    // Later sweeps open nothing again.
    await sweep(new Date())
    expect(await complaintAlerts(c.id)).toHaveLength(1)
  })

  it('closes with the customer satisfaction, keeps who and when for each step, and feeds the trend', async () => {
    const c = await open('fee')
    const step = (to: string, note: string, satisfaction?: number) =>
      call(sys, 'POST', `/api/v1/complaints/${c.id}/transition`, {
        cookie: who['cs-a'],
        body: { to, note, ...(satisfaction ? { satisfaction } : {}) },
      })
    expect((await step('coordinating', 'asked finance for the invoice')).status).toBe(200)
    expect((await step('replied', 'invoice resent')).status).toBe(200)
    expect((await step('closed', 'customer confirmed')).status).toBe(400) // satisfaction required
    const { complaint: closed } = await api(sys, { cookie: who['cs-a'] }).post('/api/v1/complaints/:id/transition', {
      params: { id: c.id },
      body: { to: 'closed', note: 'customer confirmed', satisfaction: 4 },
    })
    expect(closed).toMatchObject({ state: 'closed', satisfaction: 4 })
    expect(closed.history?.map((h) => [h.fromState, h.toState, h.by])).toEqual([
      [null, 'received', 'cs-a'],
      ['received', 'coordinating', 'cs-a'],
      ['coordinating', 'replied', 'cs-a'],
      ['replied', 'closed', 'cs-a'],
    ])
    expect(closed.history?.every((h) => Date.parse(h.at) > 0)).toBe(true)
    expect((await step('closed', 'again', 5)).status).toBe(409)

    const fb = await call(sys, 'POST', '/api/v1/feedback', {
      token: sys.token,
      body: { waybill: parcel.waybill, score: 2, comment: 'slow' },
    })
    expect(fb.status).toBe(201)
    await call(sys, 'POST', '/api/v1/feedback', { cookie: who['cs-a'], body: { waybill: parcel.waybill, score: 5 } })
    expect(
      (await call(sys, 'POST', '/api/v1/feedback', { token: sys.token, body: { waybill: parcel.waybill, score: 6 } }))
        .status,
    ).toBe(400)
    const day = shanghaiDay(new Date())
    const trend = await api(sys, { cookie: who['mgr-a'] }).get('/api/v1/satisfaction/trend', {
      query: { from: day, to: day },
    })
    expect(trend.days).toEqual([
      { day, count: 3, average: 3.67, parcel: { count: 2, average: 3.5 }, complaint: { count: 1, average: 4 } },
    ])
    expect(
      (await call(sys, 'GET', `/api/v1/satisfaction/trend?from=${day}&to=${day}`, { cookie: who['fin-a'] })).status,
    ).toBe(403)
  })
})
