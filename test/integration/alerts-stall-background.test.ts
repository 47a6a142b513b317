import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { event, shipment } from '../helpers/builders.ts'
import { runSweep } from '../../server/services/sla-sweep.ts'

/**
 * parcel_stalled judged against each hub's background, with the production page
 * threshold (PAGE_MIN_PARCELS 20): four centres each hold 10 % of their parcels
 * stalled, the busiest of them 25 (over the fixed 20, within its background: info),
 * and one centre holds all of its 24 parcels stalled (a stop: a page).
 */
let sys: TestSystem
beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false', ALERT_PENDING_MINUTES: '10', PAGE_MIN_PARCELS: '20' })
})
afterAll(async () => {
  await sys?.stop()
})

const MIN = 60_000
const HOUR = 60 * MIN
const T0 = Date.now()

/** `count` parcels (standard) whose last scan is an arrival at `hub` `hoursAgo` hours ago. */
async function parcelsAt(hub: string, count: number, hoursAgo: number) {
  if (count === 0) return
  const list = Array.from({ length: count }, () =>
    shipment({ collectedAt: new Date(T0 - (hoursAgo + 1) * HOUR).toISOString() }),
  )
  expect((await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: list })).accepted).toHaveLength(count)
  const r = await api(sys, { token: sys.token }).post('/api/v1/events', {
    body: list.map((s) =>
      event(s.waybill, { type: 'arrived_hub', hub, time: new Date(T0 - hoursAgo * HOUR).toISOString() }),
    ),
  })
  expect(r.accepted).toBe(count)
}

describe('parcel_stalled against the hub background', () => {
  it('pages for a centre that holds all its parcels, not for a busy centre within its usual share', async () => {
    // [hub, parcels there, of which stalled (30 h since their arrival scan; the fixed limit is 24 h)]
    const centres: Array<[string, number, number]> = [
      ['WUH-TC', 250, 25],
      ['XIY-TC', 100, 10],
      ['CTU-TC', 100, 10],
      ['HGH-SC', 80, 8],
      ['NKG-SC', 24, 24],
    ]
    for (const [hub, present, stalled] of centres) {
      await parcelsAt(hub, stalled, 30)
      await parcelsAt(hub, present - stalled, 1)
    }
    for (const m of [0, 5, 10]) await runSweep(sys.database.pool, sys.config.sla, new Map(), new Date(T0 + m * MIN))
    const r = await sys.database.pool.query<{
      hub: string
      severity: string
      n: number
      details: Record<string, number>
    }>(
      `SELECT hub_code AS hub, severity, item_count AS n, details FROM alerts WHERE rule = 'parcel_stalled' AND state <> 'resolved' ORDER BY hub_code`,
    )
    expect(r.rows.map((a) => [a.hub, a.severity, a.n])).toEqual([
      ['CTU-TC', 'info', 10],
      ['HGH-SC', 'info', 8],
      ['NKG-SC', 'warning', 24],
      ['WUH-TC', 'info', 25],
      ['XIY-TC', 'info', 10],
    ])
    // judged against 10 % of its 250 parcels: 25 expected
    expect(r.rows.find((a) => a.hub === 'WUH-TC')!.details).toMatchObject({
      present: 250,
      expected: 25,
      usualShare: 0.1,
    })
  })
})
