import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, ADMIN_PASSWORD, startTestSystem, type TestSystem } from '../helpers/system.ts'
import { api } from '../helpers/api.ts'
import { newWaybill, shipment } from '../helpers/builders.ts'
import { runDbPolicies } from '../../jobs/processors/run-db-policies.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { addDays, dayOf, dayRange, dayStart, type DayRange } from '../../server/domain/sla-range.ts'
import { TRANSIT_EDGES, histogramPercentile, transitBucket } from '../../server/domain/sla-transit.ts'
import {
  materialisedWeekCover,
  readParcels,
  readTierHistograms,
  weekCover,
  wholeWeeks,
  type SlaSource,
} from '../../server/db/sla-repo.ts'
import {
  courierSource,
  dailySource,
  hubSource,
  laneHistSource,
  laneSource,
  laneTransitSource,
  laneWeeklySource,
  outcomeSource,
  tierTransitSource,
} from '../../server/db/sla-sql.ts'
import { slaBreakdown, slaCauses, slaSummary, slaTransit } from '../../server/services/sla-report.ts'

// Each run generates parcels collected over a day and a half and closed within
// 3.5 days, in a window of its own (run k: from 6 + 6k days ago, 5 days long:
// the windows never share a Beijing day, and all lie inside the 35 days the wide
// refresh covers), posts their scans in shuffled batches, lets the
// registered policies refresh the aggregates, then posts late consignee
// exceptions (older event times than the delivery: they change the shipment row
// without touching the closing day) and runs the policies again: the forced wide
// refresh must pick them up. After each phase every SLA answer read from the
// continuous aggregates must equal the same question asked of the raw tables.

const HOUR = 3_600_000
const DAY = 24 * HOUR
const OUTLETS = ['SHA-O1', 'SHA-O2', 'BJS-O1', 'HGH-O1', 'NKG-O1']
const COURIER = (hub: string) => `C-${hub}-01`
type Fate =
  | 'delivered'
  | 'refused_returned'
  | 'refused_late'
  | 'wrong_address_late'
  | 'lost_returned'
  | 'damaged_delivered'
  | 'returned'
  | 'open'
  | 'late_refusal_scan'

interface ParcelSpec {
  tier: 'express' | 'standard' | 'economy'
  origin: number
  dest: number
  collectH: number
  transitH: number
  fate: Fate
  courierOnDelivery: boolean
  duplicateDelivered: boolean
}

const parcelArb: fc.Arbitrary<ParcelSpec> = fc.record({
  tier: fc.constantFrom('express', 'standard', 'economy'),
  origin: fc.integer({ min: 0, max: OUTLETS.length - 1 }),
  dest: fc.integer({ min: 0, max: OUTLETS.length - 1 }),
  collectH: fc.integer({ min: 0, max: 36 }),
  transitH: fc.double({ min: 1, max: 84, noNaN: true }),
  fate: fc.constantFrom<Fate>(
    'delivered',
    'delivered',
    'delivered',
    'refused_returned',
    'refused_late',
    'wrong_address_late',
    'lost_returned',
    'damaged_delivered',
    'returned',
    'open',
    'late_refusal_scan',
  ),
  courierOnDelivery: fc.boolean(),
  duplicateDelivered: fc.boolean(),
})
const scenarioArb = fc.record({ parcels: fc.array(parcelArb, { minLength: 8, maxLength: 24 }), seed: fc.integer() })

let sys: TestSystem
let admin: string
let run = 0
let policyClock = Date.now()
const log = createLogger('silent')

async function post(path: '/api/v1/shipments' | '/api/v1/events', body: unknown) {
  const r = await api(sys, { token: sys.token }).post(path, { status: 200, body })
  expect(r.rejected, JSON.stringify(r.rejected)).toEqual([])
}

/** Runs every registered TimescaleDB policy and job, as the embedded database's scheduled job does. */
async function runPolicies() {
  policyClock += 2 * DAY
  await runDbPolicies({ db: sys.database.pool, log }, {}, new Date(policyClock))
  const failed = await sys.database.pool.query(
    `SELECT job_id, last_error FROM db_policy_runs WHERE last_error IS NOT NULL`,
  )
  expect(failed.rows).toEqual([])
}

function shuffle<T>(xs: T[], seed: number): T[] {
  let s = seed >>> 0 || 1
  const out = [...xs]
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) >>> 0
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

function build(specs: ParcelSpec[], base: number, now: number) {
  const ships: Array<Record<string, unknown>> = []
  const events: Array<Record<string, unknown>> = []
  const later: Array<Record<string, unknown>> = []
  for (const p of specs) {
    const waybill = newWaybill()
    const origin = OUTLETS[p.origin]!
    const dest = OUTLETS[p.dest]!
    const collected = base + p.collectH * HOUR
    const close = Math.min(collected + p.transitH * HOUR, now - 2 * HOUR)
    ships.push(
      shipment({
        waybill,
        tier: p.tier,
        originHub: origin,
        destinationHub: dest,
        collectedAt: new Date(collected).toISOString(),
        collectedBy: COURIER(origin),
      }),
    )
    const ev = (type: string, t: number, hub: string, over: Record<string, unknown> = {}) => ({
      id: `${waybill}-${type}-${events.length + later.length}`,
      time: new Date(t).toISOString(),
      waybill,
      type,
      hub,
      ...over,
    })
    const mid = collected + (close - collected) / 2
    events.push(
      ev('collected', collected, origin, { courier: COURIER(origin) }),
      ev('departed_hub', collected + (mid - collected) / 2, origin),
      ev('arrived_hub', mid, dest),
    )
    const deliver = (t: number) =>
      ev('delivered', t, dest, { signer: '本人', ...(p.courierOnDelivery ? { courier: COURIER(dest) } : {}) })
    const exc = (reason: string) => ev('exception', mid + (close - mid) / 2, dest, { reason })
    switch (p.fate) {
      case 'delivered':
        events.push(deliver(close))
        break
      case 'refused_returned':
        events.push(exc('refused'), ev('returned', close, dest))
        break
      case 'refused_late':
        events.push(exc('refused'), deliver(close))
        break
      case 'wrong_address_late':
        events.push(exc('wrong_address'), deliver(close))
        break
      case 'lost_returned':
        events.push(exc('lost'), ev('returned', close, dest))
        break
      case 'damaged_delivered':
        events.push(exc('damaged'), deliver(close))
        break
      case 'returned':
        events.push(ev('returned', close, dest))
        break
      case 'open':
        events.push(ev('out_for_delivery', mid + HOUR, dest))
        break
      case 'late_refusal_scan':
        events.push(deliver(close))
        later.push(exc('refused'))
        break
    }
    if (p.duplicateDelivered && (p.fate === 'delivered' || p.fate === 'damaged_delivered'))
      events.push(deliver(close + HOUR))
  }
  return { ships, events, later }
}

/** Every SLA answer, from one source. */
async function answers(src: SlaSource, range: DayRange) {
  const db = sys.database.pool
  return {
    summary: await slaSummary(db, range, src),
    hub: await slaBreakdown(db, range, 'hub', 'rate', 'asc', null, src),
    region: await slaBreakdown(db, range, 'region', 'closed', 'desc', 'standard', src),
    courier: await slaBreakdown(db, range, 'courier', 'key', 'asc', null, src),
    causes: await slaCauses(db, range, null, src),
    transit: await slaTransit(db, range, null, 'p90', 10_000, src),
    // Sorted by parcels or lane only the lanes shown are read (lane totals first).
    transitTop: await slaTransit(db, range, null, 'parcels', 3, src),
    transitByLane: await slaTransit(db, range, 'express', 'lane', 10_000, src),
  }
}

/** Every SLA continuous aggregate (020 and 022) and its raw form: FROM item builder and grouping columns. */
const SOURCES = {
  sla_daily: [dailySource, 'day, tier, hub_code, courier_code, outcome, cause'],
  sla_transit_lane_daily: [laneTransitSource, 'day, tier, origin_hub, destination_hub, bucket'],
  sla_transit_tier_daily: [tierTransitSource, 'day, tier, bucket'],
  sla_outcome_daily: [outcomeSource, 'day, tier, outcome, cause'],
  sla_hub_daily: [hubSource, 'day, tier, hub_code, outcome'],
  sla_courier_daily: [courierSource, 'day, tier, courier_code, outcome'],
  sla_lane_hist_daily: [laneHistSource, 'day, tier, origin_hub, destination_hub'],
  sla_lane_daily: [laneSource, 'day, tier, origin_hub, destination_hub'],
  // Whole Beijing weeks (the raw form widens the range to them); compared on the weeks starting in the range.
  sla_lane_weekly: [laneWeeklySource, 'week, tier, origin_hub, destination_hub'],
} as const

/** The rows of one aggregate in the range, as materialised and as computed from the raw tables. */
async function aggregateRows(name: keyof typeof SOURCES, src: SlaSource, range: DayRange) {
  const [source, keys] = SOURCES[name]
  const r = await sys.database.pool.query(
    `SELECT * FROM ${source(src, '$1', '$2', 'a')} WHERE ${keys.split(',')[0]} >= $1 AND ${keys.split(',')[0]} < $2 ORDER BY ${keys}`,
    [range.start, range.end],
  )
  return r.rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v]),
    ),
  )
}

async function assertAgreement(range: DayRange) {
  for (const name of Object.keys(SOURCES) as Array<keyof typeof SOURCES>) {
    const materialised = await aggregateRows(name, 'aggregate', range)
    expect(materialised, name).toEqual(await aggregateRows(name, 'raw', range))
  }
  const agg = await answers('aggregate', range)
  const raw = await answers('raw', range)
  expect(agg).toEqual(raw)
  // The lanes chosen from the totals are the first ones of every lane's percentiles sorted alike.
  const key = (l: { origin: string; destination: string; tier: string }) => `${l.origin}>${l.destination}|${l.tier}`
  const byParcels = [...agg.transit.lanes].sort((a, b) => b.parcels - a.parcels || key(a).localeCompare(key(b)))
  expect(agg.transitTop.lanes).toEqual(byParcels.slice(0, 3))
  expect(agg.transitTop.laneCount).toBe(agg.transit.laneCount)
  const express = agg.transit.lanes.filter((l) => l.tier === 'express').sort((a, b) => key(a).localeCompare(key(b)))
  expect(agg.transitByLane.lanes).toEqual(express)
  return agg
}

beforeAll(async () => {
  sys = await startTestSystem()
  admin = await login(sys, 'admin', ADMIN_PASSWORD)
})
afterAll(async () => {
  await sys?.stop()
})

describe('SLA continuous aggregates', () => {
  it('keeps the transit buckets of sql/020 and server/domain/sla-transit.ts identical', async () => {
    const r = await sys.database.pool.query<{ edges: number[]; b: number[] }>(
      `SELECT sla_transit_edges() AS edges, ARRAY[sla_transit_bucket(-1), sla_transit_bucket(0), sla_transit_bucket(47.9), sla_transit_bucket(48), sla_transit_bucket(5000)] AS b`,
    )
    expect(r.rows[0]!.edges).toEqual([...TRANSIT_EDGES])
    expect(r.rows[0]!.b).toEqual([
      transitBucket(-1),
      transitBucket(0),
      transitBucket(47.9),
      transitBucket(48),
      transitBucket(5000),
    ])
  })

  it("finds the whole weeks of a period exactly where sla_lane_weekly's Beijing week buckets lie", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 0, max: 40 }), async (offset, length) => {
        const range = dayRange(addDays('2020-01-01', offset), addDays('2020-01-01', offset + length))
        const r = await sys.database.pool.query<{ first: Date; last: Date }>(
          `SELECT time_bucket('7 days', $1::timestamptz + INTERVAL '6 days', 'Asia/Shanghai') AS first, time_bucket('7 days', $2::timestamptz, 'Asia/Shanghai') AS last`,
          [range.start, range.end],
        )
        const { first, last } = r.rows[0]!
        expect(wholeWeeks(range)).toEqual(first < last ? { start: first, end: last } : null)
      }),
      { numRuns: 60 },
    )
  })

  it('covers every day of a period exactly once with weeks plus and minus days, and none outside it', () => {
    // weekCover, and materialisedWeekCover with 'now' anywhere from before the period to after it: never the week under way,
    // nor a week at or after the weekly aggregates' watermark (sql/055: they store whole weeks only).
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4000 }),
        fc.integer({ min: 0, max: 60 }),
        fc.option(fc.integer({ min: -10, max: 80 })),
        // The weekly aggregates' watermark: a Beijing Monday some weeks from 2020-01-06, or null (none stored).
        fc.option(fc.integer({ min: -2, max: 600 }), { nil: undefined }),
        fc.boolean(),
        (offset, length, nowDay, storedWeek, noneStored) => {
          const range = dayRange(addDays('2020-01-01', offset), addDays('2020-01-01', offset + length))
          const now =
            nowDay === null
              ? undefined
              : new Date(dayStart(addDays('2020-01-01', offset + nowDay))!.getTime() + 13 * HOUR)
          const stored =
            storedWeek === undefined ? undefined : noneStored ? null : dayStart(addDays('2020-01-06', 7 * storedWeek))!
          const cover = now ? materialisedWeekCover(range, now, stored) : weekCover(range)
          if (now && cover.weeks)
            expect(cover.weeks.end.getTime()).toBeLessThanOrEqual(
              now.getTime() - ((new Date(now.getTime() + 8 * HOUR).getUTCDay() + 6) % 7) * DAY - 13 * HOUR,
            )
          if (now && stored === null) expect(cover.weeks).toBeNull()
          if (now && stored && cover.weeks) expect(cover.weeks.end.getTime()).toBeLessThanOrEqual(stored.getTime())
          const times = new Map<number, number>()
          const count = (a: Date, b: Date, sign: number) => {
            for (let t = a.getTime(); t < b.getTime(); t += DAY) times.set(t, (times.get(t) ?? 0) + sign)
          }
          if (cover.weeks) {
            expect(cover.weeks.start.getTime() % (7 * DAY)).toBe(cover.weeks.end.getTime() % (7 * DAY))
            expect(new Date(cover.weeks.start.getTime() + 8 * HOUR).getUTCDay()).toBe(1) // a Beijing Monday
            count(cover.weeks.start, cover.weeks.end, 1)
          }
          for (const [a, b] of cover.add) count(a, b, 1)
          for (const [a, b] of cover.sub) count(a, b, -1)
          for (const [t, n] of times)
            expect(n, new Date(t).toISOString()).toBe(t >= range.start.getTime() && t < range.end.getTime() ? 1 : 0)
          expect([...times.values()].filter((n) => n === 1)).toHaveLength(range.days)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('answers every SLA question from the aggregates exactly as from the raw tables, on generated parcels', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ parcels, seed }) => {
        const now = Date.now()
        const base = now - (6 + 6 * run++) * DAY
        const { ships, events, later } = build(parcels, base, now)
        await post('/api/v1/shipments', ships)
        const shuffled = shuffle(events, seed)
        const cut = Math.floor(shuffled.length / 2)
        await post('/api/v1/events', shuffled.slice(cut)) // the later half of the list first: out of order
        await post('/api/v1/events', shuffled.slice(0, cut))
        const range = dayRange(dayOf(new Date(base)), dayOf(new Date(base + 5 * DAY)))

        await runPolicies()
        await assertAgreement(range)
        if (later.length > 0) await post('/api/v1/events', later)
        await runPolicies()
        const agg = await assertAgreement(range)

        // The figures count exactly this run's closed parcels (the window is the run's own).
        const closedSpecs = parcels.filter((p) => p.fate !== 'open')
        expect(agg.summary.all.current.closed).toBe(closedSpecs.length)

        // Drill-down: the parcels behind each tier's on-time / late / excused figure, and their
        // outcome is the verdict the look-up computes with server/domain/verdict.ts.
        for (const t of agg.summary.tiers) {
          for (const outcome of ['on_time', 'late', 'excused'] as const) {
            const list = await readParcels(sys.database.pool, range, { tier: t.tier, outcome }, 5000)
            const figure = outcome === 'on_time' ? t.current.onTime : t.current[outcome]
            expect(list.total).toBe(figure)
            expect(list.parcels).toHaveLength(figure)
            for (const p of list.parcels) {
              const look = await api(sys, { cookie: admin }).get('/api/v1/shipments/:waybill', {
                params: { waybill: p.waybill },
              })
              expect(look.promise.verdict, p.waybill).toBe(outcome)
            }
          }
        }
        // Cause figures drill down to as many parcels.
        for (const c of agg.causes.late) {
          const list = await readParcels(sys.database.pool, range, { outcome: 'late', cause: c.cause }, 5000)
          expect(list.total).toBe(c.parcels)
        }
        // Percentiles: the estimate lies in the bucket of the exact percentile of the raw transit times.
        const hist = await readTierHistograms(sys.database.pool, 'aggregate', range)
        for (const [tier, counts] of hist) {
          const raw = await sys.database.pool.query<{ q50: number; q90: number; q99: number }>(
            `SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY h) AS q50, percentile_disc(0.9) WITHIN GROUP (ORDER BY h) AS q90,
                    percentile_disc(0.99) WITHIN GROUP (ORDER BY h) AS q99
             FROM (SELECT extract(epoch FROM e.event_time - s.collected_at)::float8 / 3600 AS h
                   FROM scan_events e JOIN shipments s ON s.waybill = e.waybill
                   WHERE e.type = 'delivered' AND s.status = 'delivered' AND e.event_time = s.status_at
                     AND s.tier = $1 AND e.event_time >= $2 AND e.event_time < $3) x`,
            [tier, range.start, range.end],
          )
          const exact = raw.rows[0]!
          expect(histogramPercentile(counts, 0.5)!.bucket).toBe(transitBucket(exact.q50))
          expect(histogramPercentile(counts, 0.9)!.bucket).toBe(transitBucket(exact.q90))
          expect(histogramPercentile(counts, 0.99)!.bucket).toBe(transitBucket(exact.q99))
        }
      }),
      { numRuns: 5, endOnFailure: true },
    )
    expect(run).toBeGreaterThanOrEqual(5)
    // Over every run at once: a period with whole Beijing weeks, which the lane totals read from sla_lane_weekly.
    const all = dayRange(dayOf(new Date(Date.now() - 34 * DAY)), dayOf(new Date()))
    const weekly = await aggregateRows('sla_lane_weekly', 'aggregate', all)
    expect(weekly.length).toBeGreaterThan(0)
    const agg = await assertAgreement(all)
    expect(agg.transitTop.laneCount).toBeGreaterThan(0)
    // Periods ending on each day of the week (both edges taken by adding days or by subtracting them).
    for (let k = 1; k <= 6; k++)
      await assertAgreement(
        dayRange(dayOf(new Date(Date.now() - (31 + k) * DAY)), dayOf(new Date(Date.now() - k * DAY))),
      )
  }, 240_000)
})
