import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addUser, call, login, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api, errorOf } from '../helpers/api.ts'
import { event, shipment } from '../helpers/builders.ts'
import { dayOf } from '../../server/domain/sla-range.ts'

// Parcels closed yesterday and the day before (Beijing): on time, late, excused, at
// two destination hubs. The aggregates answer from real-time aggregation (nothing is
// materialised yet), so no refresh is needed.
let sys: TestSystem
let manager: string
const DAY = 86_400_000
const now = Date.now()
const from = dayOf(new Date(now - 9 * DAY))
const to = dayOf(new Date(now))
const q = (path: string, extra = '') => `/api/v1/sla/${path}?from=${from}&to=${to}${extra}`
const asManager = () => api(sys, { cookie: manager })

beforeAll(async () => {
  sys = await startTestSystem()
  for (const [u, r] of [
    ['mgr', 'manager'],
    ['cs', 'cs_operator'],
    ['fin', 'finance'],
    ['room', 'control_room'],
  ] as const)
    await addUser(sys, u, r)
  manager = await login(sys, 'mgr')
  const ago = (d: number) => new Date(now - d * DAY).toISOString()
  const onTime = [0, 1, 2].map(() => shipment({ tier: 'express', collectedAt: ago(2.5), destinationHub: 'SHA-O1' }))
  const late = [0, 1].map(() => shipment({ tier: 'standard', collectedAt: ago(9), destinationHub: 'BJS-O1' }))
  const excused = shipment({ tier: 'standard', collectedAt: ago(9), destinationHub: 'BJS-O1' })
  const r = await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: [...onTime, ...late, excused] })
  expect(r.accepted).toHaveLength(6)
  const ev = await api(sys, { token: sys.token }).post('/api/v1/events', {
    body: [
      ...onTime.map((s) =>
        event(s.waybill, { type: 'delivered', hub: 'SHA-O1', signer: '本人', courier: 'C-SHA-O1-01', time: ago(1.5) }),
      ),
      ...late.map((s) =>
        event(s.waybill, { type: 'delivered', hub: 'BJS-O1', signer: '本人', courier: 'C-BJS-O1-01', time: ago(1) }),
      ),
      event(excused.waybill, { type: 'exception', hub: 'BJS-O1', reason: 'refused', time: ago(3) }),
      event(excused.waybill, { type: 'returned', hub: 'BJS-O1', time: ago(1) }),
    ],
  })
  expect(ev.rejected).toEqual([])
})
afterAll(async () => {
  await sys?.stop()
})

describe('SLA API', () => {
  it('lets managers and admins in, and nobody else', async () => {
    expect((await call(sys, 'GET', q('summary'), { cookie: manager })).status).toBe(200)
    for (const u of ['cs', 'fin', 'room'])
      expect((await call(sys, 'GET', q('summary'), { cookie: await login(sys, u) })).status).toBe(403)
    expect((await call(sys, 'GET', q('summary'))).status).toBe(401)
    expect((await call(sys, 'GET', q('summary'), { token: sys.token })).status).toBe(403)
  })

  it('answers 400 for a sort column off the allow-list, a bad day, a reversed or too long range, an unknown parameter', async () => {
    const bad = [
      q('breakdown', '&by=hub&sort=waybill'),
      q('breakdown', '&by=hub&sort=closed;DROP TABLE shipments'),
      q('breakdown', '&by=depot'),
      q('transit', '&sort=p75'),
      `/api/v1/sla/summary?from=2026-02-30&to=${to}`,
      `/api/v1/sla/summary?from=${to}&to=${from}`,
      `/api/v1/sla/summary?from=2024-01-01&to=2025-06-01`,
      `/api/v1/sla/summary?to=${to}`,
      q('summary', '&hub=SHA-O1'),
      q('parcels', '&outcome=lost'),
    ]
    for (const path of bad) {
      const r = await call(sys, 'GET', path, { cookie: manager })
      expect(r.status, path).toBe(400)
      expect(errorOf(r).code).toBe('bad_request')
    }
  })

  it('counts on time, late and excused by tier, with the previous period', async () => {
    const r = await asManager().get('/api/v1/sla/summary', { query: { from, to } })
    const tier = (t: string) => r.tiers.find((x) => x.tier === t)!
    expect(tier('express').current).toMatchObject({ closed: 3, onTime: 3, late: 0, excused: 0, rate: 100 })
    expect(tier('standard').current).toMatchObject({ closed: 3, onTime: 0, late: 2, excused: 1, rate: 0 })
    expect(r.all.current.rate).toBe(60)
    expect(r.previousRange.days).toBe(r.range.days)
    expect(r.all.previous.closed).toBe(0)
    expect(r.all.change).toBeNull()
  })

  it('sorts breakdowns by the column asked for, and every figure drills down to as many parcels', async () => {
    const breakdown = (query: Record<string, string>) =>
      asManager().get('/api/v1/sla/breakdown', { query: { from, to, ...query } })
    const parcels = (query: Record<string, string | number>) =>
      asManager().get('/api/v1/sla/parcels', { status: 200, query: { from, to, ...query } })
    const asc = await breakdown({ by: 'hub', sort: 'rate', dir: 'asc' })
    expect(asc.rows.map((r) => r.key)).toEqual(['BJS-O1', 'SHA-O1'])
    const desc = await breakdown({ by: 'hub', sort: 'rate', dir: 'desc' })
    expect(desc.rows.map((r) => r.key)).toEqual(['SHA-O1', 'BJS-O1'])
    for (const by of ['hub', 'region', 'courier'] as const) {
      const b = await breakdown({ by })
      for (const row of b.rows) {
        for (const [outcome, n] of [
          ['on_time', row.onTime],
          ['late', row.late],
          ['excused', row.excused],
        ] as const) {
          const param = by === 'hub' ? 'hub' : by === 'region' ? 'region' : 'courier'
          const p = await parcels({ [param]: row.key, outcome })
          expect(p.total, `${by} ${row.key} ${outcome}`).toBe(n)
          expect(p.parcels).toHaveLength(n)
        }
      }
    }
    const causes = await asManager().get('/api/v1/sla/causes', { query: { from, to } })
    expect(causes.totalLate).toBe(2)
    expect(causes.excused).toEqual([{ cause: 'refused', parcels: 1 }])
    for (const c of causes.late) {
      const p = await parcels({ outcome: 'late', cause: c.cause })
      expect(p.total).toBe(c.parcels)
    }
    const transit = await asManager().get('/api/v1/sla/transit', { query: { from, to, tier: 'express' } })
    const express = transit.tiers.find((t) => t.tier === 'express')!
    expect(express.parcels).toBe(3)
    expect(express.p50).toBeGreaterThanOrEqual(24)
    expect(express.p50).toBeLessThan(26)
    const lane = transit.lanes[0]!
    const p = await parcels({ tier: lane.tier, origin: lane.origin, hub: lane.destination, delivered: 'true' })
    expect(p.total).toBe(lane.parcels)
  })

  it('limits a drill-down list but still says how many parcels stand behind the figure', async () => {
    const p = await asManager().get('/api/v1/sla/parcels', { query: { from, to, tier: 'express', limit: 2 } })
    expect(p.total).toBe(3)
    expect(p.parcels).toHaveLength(2)
  })

  it('pages a drill-down past its limit: the next page holds the rest, none twice, the total unchanged', async () => {
    const page = (offset: number) =>
      asManager().get('/api/v1/sla/parcels', { status: 200, query: { from, to, tier: 'express', limit: 2, offset } })
    const first = await page(0)
    const second = await page(2)
    const past = await page(4)
    expect(second.total).toBe(3)
    expect(second.parcels).toHaveLength(1)
    const waybills = [...first.parcels, ...second.parcels].map((x) => x.waybill)
    expect(new Set(waybills).size).toBe(3)
    expect(past.parcels).toEqual([])
    expect(past.total).toBe(3)
  })
})
