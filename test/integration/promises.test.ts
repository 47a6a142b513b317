import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, addUser, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api, errorOf } from '../helpers/api.ts'
import { shipment } from '../helpers/builders.ts'

let sys: TestSystem
let admin: string
let manager: string
beforeAll(async () => {
  sys = await startTestSystem()
  admin = await login(sys, 'admin', ADMIN_PASSWORD)
  await addUser(sys, 'boss', 'manager')
  manager = await login(sys, 'boss')
})
afterAll(async () => {
  await sys?.stop()
})

// Monday 23 November 2026, an ordinary week.
const MONDAY_10AM = '2026-11-23T10:00:00+08:00'
const THURSDAY_END = '2026-11-26T15:59:59.999Z' // 23:59:59.999 Shanghai
const FRIDAY_END = '2026-11-27T15:59:59.999Z'

async function deadlineOf(waybill: string): Promise<string | null> {
  const r = await api(sys, { cookie: admin }).get('/api/v1/shipments/:waybill', { params: { waybill } })
  return r.promise.deadline
}

describe('promised deadlines', () => {
  it('gives a standard parcel collected Monday 10:00 a deadline at the end of Thursday, stored and shown', async () => {
    const s = shipment({ tier: 'standard', collectedAt: MONDAY_10AM })
    const created = await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: s })
    expect(created.accepted[0]!.promise).toEqual({ earliest: '2026-11-25T15:59:59.999Z', deadline: THURSDAY_END })
    const r = await api(sys, { cookie: admin }).get('/api/v1/shipments/:waybill', { params: { waybill: s.waybill } })
    expect(r.promise).toMatchObject({
      tier: 'standard',
      startDay: '2026-11-23',
      earliest: '2026-11-25T15:59:59.999Z',
      deadline: THURSDAY_END,
    })
    expect(['late', 'on_track']).toContain(r.promise.verdict)
  })

  it('counts a collection after the 18:00 cut-off from the next working day', async () => {
    const s = shipment({ tier: 'express', collectedAt: '2026-11-23T18:30:00+08:00' })
    const created = await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: s })
    expect(created.accepted[0]!.promise.deadline).toBe(THURSDAY_END) // Tuesday + 2 working days
  })

  it('moves the deadlines of open parcels when an admin adds a company day off, and back when it is removed', async () => {
    const s = shipment({ tier: 'standard', collectedAt: MONDAY_10AM })
    await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: s })
    expect(await deadlineOf(s.waybill)).toBe(THURSDAY_END)

    const put = await call(sys, 'PUT', '/api/v1/admin/calendar/days/2026-11-25', {
      cookie: admin,
      body: { kind: 'day_off', note: 'company anniversary' },
    })
    expect(put.status).toBe(200)
    await expect.poll(() => deadlineOf(s.waybill), { timeout: 15_000 }).toBe(FRIDAY_END)
    const cal = await api(sys, { cookie: manager }).get('/api/v1/admin/calendar')
    expect(cal.companyDays).toEqual([{ day: '2026-11-25', kind: 'day_off', note: 'company anniversary' }])
    expect(cal.cutoffHour).toBe(18)

    // A parcel collected now uses the new calendar at once.
    const later = shipment({ tier: 'standard', collectedAt: MONDAY_10AM })
    const created = await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: later })
    expect(created.accepted[0]!.promise.deadline).toBe(FRIDAY_END)

    expect((await call(sys, 'DELETE', '/api/v1/admin/calendar/days/2026-11-25', { cookie: admin })).status).toBe(204)
    await expect.poll(() => deadlineOf(s.waybill), { timeout: 15_000 }).toBe(THURSDAY_END)
  })

  it('refuses a malformed day and a calendar change by a manager', async () => {
    const bad = await call(sys, 'PUT', '/api/v1/admin/calendar/days/25-11-2026', {
      cookie: admin,
      body: { kind: 'day_off' },
    })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(errorOf(bad))).toMatch(/YYYY-MM-DD/)
    expect(
      (await call(sys, 'PUT', '/api/v1/admin/calendar/days/2026-02-30', { cookie: admin, body: { kind: 'day_off' } }))
        .status,
    ).toBe(400)
    expect(
      (await call(sys, 'PUT', '/api/v1/admin/calendar/days/2026-11-25', { cookie: manager, body: { kind: 'day_off' } }))
        .status,
    ).toBe(403)
  })
})
