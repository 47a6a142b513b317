import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { newWaybill, shipment } from '../helpers/builders.ts'
import { addDays, dayOf, dayRange, dayStart } from '../../server/domain/sla-range.ts'
import { slaTransit } from '../../server/services/sla-report.ts'

// The weekly lane aggregates are materialised-only (sql/055): a week above their
// watermark has no rows there. The lane questions must read such weeks from the daily
// aggregates, so that their answers equal the raw tables' whether the weekly ones have
// stored none, some or all of a period's weeks. Nothing refreshes in the background
// (RUN_WORKERS=false); the test refreshes each aggregate itself.

const HOUR = 3_600_000
const OUTLETS = ['SHA-O1', 'SHA-O2', 'BJS-O1', 'HGH-O1', 'NKG-O1']
const TIERS = ['express', 'standard', 'economy'] as const

let sys: TestSystem
beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false' })
})
afterAll(async () => {
  await sys?.stop()
})

const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay()

async function post(path: '/api/v1/shipments' | '/api/v1/events', body: unknown) {
  const r = await api(sys, { token: sys.token }).post(path, { status: 200, body })
  expect(r.rejected, JSON.stringify(r.rejected)).toEqual([])
}

async function refresh(view: string, from: Date, to: Date) {
  await sys.database.pool.query(`CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)`, [
    view,
    from,
    to,
  ])
}

async function weeklyWatermarks(): Promise<Array<Date | null>> {
  const r = await sys.database.pool.query<{ view: string; w: Date | null }>(
    `SELECT c.user_view_name AS view, CASE WHEN w > '2000-01-01' THEN w END AS w
     FROM _timescaledb_catalog.continuous_agg c,
          _timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(c.mat_hypertable_id)) AS w
     WHERE c.user_view_name IN ('sla_lane_weekly', 'sla_lane_hist_weekly') ORDER BY 1`,
  )
  return r.rows.map((row) => row.w)
}

describe('lane questions with weeks the weekly aggregates have not stored', () => {
  it('answer exactly as the raw tables with none, one and both of a period’s weeks stored', async () => {
    // Two whole Beijing weeks from the Monday three weeks before this one, and days on either side.
    const today = dayOf(new Date())
    const monday = addDays(today, -((weekday(today) + 6) % 7) - 21)
    const range = dayRange(addDays(monday, -2), addDays(monday, 15))
    const weekStart = (k: number) => dayStart(addDays(monday, 7 * k))!

    // Parcels collected every 10 hours through the period, on all lanes and tiers, delivered 20-70 h later.
    const ships: Array<Record<string, unknown>> = []
    const events: Array<Record<string, unknown>> = []
    for (let i = 0; i < 36; i++) {
      const waybill = newWaybill()
      const origin = OUTLETS[i % OUTLETS.length]!
      const dest = OUTLETS[(i * 3 + 1) % OUTLETS.length]!
      const collected = range.start.getTime() + 6 * HOUR + i * 10 * HOUR
      const delivered = collected + (20 + ((i * 7) % 50)) * HOUR
      ships.push(
        shipment({
          waybill,
          tier: TIERS[i % 3],
          originHub: origin,
          destinationHub: dest,
          collectedAt: new Date(collected).toISOString(),
          collectedBy: `C-${origin}-01`,
        }),
      )
      events.push(
        { id: `${waybill}-c`, time: new Date(collected).toISOString(), waybill, type: 'collected', hub: origin },
        { id: `${waybill}-a`, time: new Date(delivered - HOUR).toISOString(), waybill, type: 'arrived_hub', hub: dest },
        {
          id: `${waybill}-d`,
          time: new Date(delivered).toISOString(),
          waybill,
          type: 'delivered',
          hub: dest,
          signer: '本人',
        },
      )
    }
    await post('/api/v1/shipments', ships)
    await post('/api/v1/events', events)

    // The daily aggregates, parents first, over the period and a margin; the weekly ones not yet.
    const from = dayStart(addDays(monday, -7))!
    const to = dayStart(addDays(monday, 21))!
    for (const view of [
      'sla_daily',
      'sla_transit_lane_daily',
      'sla_transit_tier_daily',
      'sla_lane_hist_daily',
      'sla_lane_daily',
    ])
      await refresh(view, from, to)

    const agree = async () => {
      for (const [sort, limit] of [
        ['parcels', 5],
        ['p90', 1000],
        ['lane', 1000],
      ] as const) {
        const agg = await slaTransit(sys.database.pool, range, null, sort, limit, 'aggregate')
        const raw = await slaTransit(sys.database.pool, range, null, sort, limit, 'raw')
        expect(agg, sort).toEqual(raw)
        expect(agg.laneCount).toBeGreaterThan(0)
      }
    }

    // None stored: every week above the watermark.
    for (const w of await weeklyWatermarks()) expect(w === null || w <= weekStart(0)).toBe(true)
    await agree()

    // The first week stored, the second not.
    for (const view of ['sla_lane_hist_weekly', 'sla_lane_weekly']) await refresh(view, weekStart(-1), weekStart(1))
    expect(await weeklyWatermarks()).toEqual([weekStart(1), weekStart(1)])
    await agree()

    // Both stored: the weeks come from the weekly aggregates, which hold rows for them.
    for (const view of ['sla_lane_hist_weekly', 'sla_lane_weekly']) await refresh(view, weekStart(1), weekStart(2))
    expect(await weeklyWatermarks()).toEqual([weekStart(2), weekStart(2)])
    const stored = await sys.database.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sla_lane_hist_weekly WHERE week >= $1 AND week < $2`,
      [weekStart(0), weekStart(2)],
    )
    expect(stored.rows[0]!.n).toBeGreaterThan(0)
    await agree()
  })
})
