import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { call, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { event, minutesAgo, shipment } from '../helpers/builders.ts'

// The in-flight KPI reads a running count kept by triggers (sql/015) instead of
// counting the shipments table twice a second: it must always equal the count.
let sys: TestSystem
beforeAll(async () => {
  sys = await startTestSystem({ RUN_WORKERS: 'false' })
})
afterAll(async () => {
  await sys?.stop()
})

async function counted(): Promise<{ kept: number; actual: number }> {
  const r = await sys.database.pool.query<{ kept: number; actual: number }>(
    `SELECT (SELECT coalesce(sum(open), 0)::int FROM open_parcel_count) AS kept,
            (SELECT count(*)::int FROM shipments WHERE status NOT IN ('delivered', 'returned')) AS actual`,
  )
  return r.rows[0]!
}

/** The lanes the wall map draws, kept by triggers (sql/039) and counted afresh: they must be equal. */
async function flows(): Promise<{ kept: Record<string, number>; actual: Record<string, number> }> {
  const q = async (sql: string) =>
    Object.fromEntries((await sys.database.pool.query<{ k: string; n: number }>(sql)).rows.map((r) => [r.k, r.n]))
  return {
    kept: await q(
      `SELECT from_hub || '>' || to_hub AS k, sum(parcels)::int AS n FROM transit_flow_count GROUP BY 1 HAVING sum(parcels) <> 0`,
    ),
    actual: await q(`SELECT last_scan_hub || '>' || destination_hub AS k, count(*)::int AS n FROM shipments
      WHERE status = 'in_transit' AND last_scan_hub IS NOT NULL AND last_scan_hub <> destination_hub GROUP BY 1`),
  }
}

type Step = { kind: 'deliver' | 'return' | 'exception' | 'move' | 'late_scan_after_delivery'; parcel: number }

describe('open parcel count', () => {
  it('equals the count of open parcels after any mix of collections, scans, deliveries and returns', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.array(
          fc.record({
            kind: fc.constantFrom('deliver', 'return', 'exception', 'move', 'late_scan_after_delivery'),
            parcel: fc.nat(5),
          }),
          { maxLength: 12 },
        ),
        async (n, steps: Step[]) => {
          const parcels = Array.from({ length: n }, () => shipment())
          const start = await counted()
          const created = await api(sys, { token: sys.token }).post('/api/v1/shipments', { body: parcels })
          expect(created.accepted).toHaveLength(n)
          expect((await counted()).kept).toBe(start.kept + n)
          // Deliveries and the rest, in batches that mix parcels (one statement updates several rows).
          const events = steps.map((s, i) => {
            const p = parcels[s.parcel % n]!
            const time = minutesAgo(60 - i)
            if (s.kind === 'deliver')
              return event(p.waybill, {
                type: 'delivered',
                hub: 'SHA-O1',
                courier: 'C-SHA-O1-01',
                signer: '本人',
                time,
              })
            if (s.kind === 'return') return event(p.waybill, { type: 'returned', hub: 'HGH-O1', time })
            if (s.kind === 'exception')
              return event(p.waybill, { type: 'exception', hub: 'HGH-SC', reason: 'damaged', time })
            if (s.kind === 'late_scan_after_delivery')
              return event(p.waybill, { type: 'arrived_hub', hub: 'HGH-SC', time: minutesAgo(500) })
            return event(p.waybill, { type: 'departed_hub', hub: 'HGH-SC', time })
          })
          for (let i = 0; i < events.length; i += 4) {
            const r = await api(sys, { token: sys.token }).post('/api/v1/events', { body: events.slice(i, i + 4) })
            expect(r.rejected).toEqual([])
          }
          const c = await counted()
          expect(c.kept).toBe(c.actual)
          const f = await flows()
          expect(f.kept).toEqual(f.actual)
        },
      ),
      { numRuns: 8 },
    )
  })

  it('stays exact when shipments are written outside the API (bulk load, delete)', async () => {
    const before = await counted()
    expect(before.kept).toBe(before.actual)
    await sys.database.pool.query(`
      INSERT INTO shipments (waybill, tier, sender_city, recipient_city, origin_hub, destination_hub, item_name, weight_kg, volume_cm3,
        chargeable_weight_kg, fee_zone, fee_base_fen, fee_weight_fen, fee_tier_fen, fee_insurance_fen, fee_total_fen,
        collected_at, collected_by, status, status_at)
      SELECT 'PWBULK' || lpad(g::text, 8, '0'), 'standard', '杭州', '上海', 'HGH-O1', 'SHA-O1', '书', 1, 1000, 1, 1, 1000, 0, 0, 0, 1000,
             now(), 'C-HGH-O1-01', CASE WHEN g % 3 = 0 THEN 'delivered' ELSE 'in_transit' END, now()
      FROM generate_series(1, 30) g`)
    await sys.database.pool.query(
      `UPDATE shipments SET last_scan_hub = CASE WHEN waybill < 'PWBULK00000020' THEN 'HGH-SC' ELSE 'SHA-TC' END WHERE waybill LIKE 'PWBULK%'`,
    )
    const bulkFlows = await flows()
    expect(bulkFlows.kept).toEqual(bulkFlows.actual)
    expect(bulkFlows.kept['SHA-TC>SHA-O1']).toBeGreaterThanOrEqual(7)
    const loaded = await counted()
    expect(loaded.kept).toBe(before.kept + 20)
    expect(loaded.kept).toBe(loaded.actual)
    await sys.database.pool.query(`DELETE FROM shipments WHERE waybill LIKE 'PWBULK%' AND waybill <= 'PWBULK00000015'`)
    const after = await counted()
    expect(after.kept).toBe(after.actual)
    expect(after.kept).toBe(loaded.kept - 10)
    const afterFlows = await flows()
    expect(afterFlows.kept).toEqual(afterFlows.actual)
    // The wall map's flows are these lanes, biggest first.
    const { mapSnapshot } = await import('../../server/services/live-map.ts')
    const map = await mapSnapshot(sys.database.pool, new Date())
    for (const fl of map.flows) expect(fl.parcels).toBe(afterFlows.actual[`${fl.from}>${fl.to}`])
    expect(map.flows.length).toBe(Object.keys(afterFlows.actual).length)
  })

  it('is what the KPI snapshot reports as in flight', async () => {
    const c = await counted()
    expect(c.actual).toBeGreaterThan(0)
    const snap = (await import('../../server/services/kpis.ts')).kpiSnapshot
    expect((await snap(sys.database.pool, new Date())).inFlight).toBe(c.actual)
  })

  it("reports today's and yesterday's counters exactly as the raw events say, from whole hours plus the hour under way", async () => {
    const now = new Date()
    const startOfToday = new Date(Math.floor((now.getTime() + 8 * 3_600_000) / 86_400_000) * 86_400_000 - 8 * 3_600_000)
    const parcels = Array.from({ length: 12 }, () =>
      shipment({ collectedAt: new Date(startOfToday.getTime() - 30 * 3_600_000).toISOString() }),
    )
    await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: parcels })
    // Collections spread over yesterday and today, some in the current hour.
    const times = [-26, -20, -13.5, -1, 0.25, 1.5, 3.2, 5.9]
      .map((h) => new Date(startOfToday.getTime() + h * 3_600_000))
      .concat([
        new Date(now.getTime() - 2 * 60_000),
        new Date(now.getTime() - 61 * 60_000),
        new Date(now.getTime() - 25 * 3_600_000),
        new Date(now.getTime() - 23.9 * 3_600_000),
      ])
      .filter((t) => t.getTime() < now.getTime())
    const body = times.map((t, i) =>
      event(parcels[i]!.waybill, { type: 'collected', hub: 'HGH-O1', courier: 'C-HGH-O1-01', time: t.toISOString() }),
    )
    expect((await api(sys, { token: sys.token }).post('/api/v1/events', { body })).accepted).toBe(body.length)
    const raw = async (from: Date, to: Date) =>
      (
        await sys.database.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM scan_events WHERE type = 'collected' AND event_time >= $1 AND event_time < $2`,
          [from, to],
        )
      ).rows[0]!.n
    const { kpiSnapshot } = await import('../../server/services/kpis.ts')
    for (const phase of ['live', 'materialised']) {
      if (phase === 'materialised') {
        await sys.database.pool.query(`CALL refresh_continuous_aggregate('events_per_minute', NULL, NULL)`)
        await sys.database.pool.query(`CALL refresh_continuous_aggregate('events_per_hour', NULL, NULL)`)
      }
      const at = new Date()
      const snap = await kpiSnapshot(sys.database.pool, at)
      expect(snap.collectedToday, phase).toBe(await raw(startOfToday, new Date(at.getTime() + 1)))
      // Yesterday up to the same time of day, to the minute.
      const dayAgo = new Date(at.getTime() - 86_400_000)
      expect(snap.previous.collectedToday, phase).toBe(
        await raw(
          new Date(startOfToday.getTime() - 86_400_000),
          new Date(Math.floor(dayAgo.getTime() / 60_000) * 60_000),
        ),
      )
    }
  })

  it("reports today's deliveries and on-time counts by tier and by hub exactly as the raw scans say, from whole hours plus the minutes of the hour under way", async () => {
    const now = new Date()
    const startOfToday = new Date(Math.floor((now.getTime() + 8 * 3_600_000) / 86_400_000) * 86_400_000 - 8 * 3_600_000)
    const collectedAt = new Date(startOfToday.getTime() - 40 * 3_600_000)
    const tiers = ['express', 'standard', 'economy'] as const
    const parcels = Array.from({ length: 15 }, (_, i) =>
      shipment({
        tier: tiers[i % 3],
        destinationHub: i % 2 ? 'HGH-O1' : 'SHA-O1',
        collectedAt: collectedAt.toISOString(),
      }),
    )
    await call(sys, 'POST', '/api/v1/shipments', { token: sys.token, body: parcels })
    // Deliveries yesterday, earlier today and in the hour under way (a minute ago: not yet materialised by a policy).
    // Today's are spread over the part of the day gone by, so that at least five fall today at any hour
    // (fixed hours after midnight put most of them in the future just after midnight, Beijing time).
    const elapsed = now.getTime() - startOfToday.getTime()
    const times = [-20, -3]
      .map((h) => new Date(startOfToday.getTime() + h * 3_600_000))
      .concat([0.05, 0.2, 0.45, 0.7, 0.9].map((f) => new Date(startOfToday.getTime() + Math.floor(f * elapsed))))
      .concat([
        new Date(now.getTime() - 70 * 60_000),
        new Date(now.getTime() - 40 * 60_000),
        new Date(now.getTime() - 5 * 60_000),
        new Date(now.getTime() - 60_000),
        new Date(now.getTime() - 5_000),
      ])
      .filter((t) => t.getTime() < now.getTime())
    const body = times.map((t, i) =>
      event(parcels[i]!.waybill, {
        type: 'delivered',
        hub: parcels[i]!.destinationHub,
        time: t.toISOString(),
        signer: '本人',
      }),
    )
    expect((await api(sys, { token: sys.token }).post('/api/v1/events', { body })).accepted).toBe(body.length)
    const raw = async (at: Date, by: 'tier' | 'destination_hub') =>
      Object.fromEntries(
        (
          await sys.database.pool.query<{ k: string; delivered: number; on_time: number }>(
            `SELECT s.${by} AS k, count(*)::int AS delivered, (count(*) FILTER (WHERE e.event_time <= s.promised_deadline))::int AS on_time
       FROM scan_events e JOIN shipments s ON s.waybill = e.waybill
       WHERE e.type = 'delivered' AND e.event_time >= $1 AND e.event_time <= $2 GROUP BY 1`,
            [startOfToday, at],
          )
        ).rows.map((r) => [r.k, { delivered: r.delivered, onTime: r.on_time }]),
      )
    const { kpiSnapshot } = await import('../../server/services/kpis.ts')
    const { mapSnapshot } = await import('../../server/services/live-map.ts')
    for (const phase of ['live', 'materialised']) {
      if (phase === 'materialised') {
        await sys.database.pool.query(`CALL refresh_continuous_aggregate('deliveries_per_minute', NULL, NULL)`)
        await sys.database.pool.query(`CALL refresh_continuous_aggregate('deliveries_hourly', NULL, NULL)`)
      }
      const at = new Date()
      const byTier = await raw(at, 'tier')
      expect(
        Object.values(byTier).reduce((a, b) => a + b.delivered, 0),
        phase,
      ).toBeGreaterThan(5)
      const snap = await kpiSnapshot(sys.database.pool, at)
      for (const t of tiers)
        expect(snap.onTimeToday[t], `${phase} ${t}`).toEqual(byTier[t] ?? { delivered: 0, onTime: 0 })
      const byHub = await raw(at, 'destination_hub')
      const map = await mapSnapshot(sys.database.pool, at)
      for (const hub of ['HGH-O1', 'SHA-O1']) {
        const h = map.hubs.find((x) => x.code === hub)!
        expect({ delivered: h.delivered, onTime: h.onTime }, `${phase} ${hub}`).toEqual(
          byHub[hub] ?? { delivered: 0, onTime: 0 },
        )
      }
    }
  })
})
