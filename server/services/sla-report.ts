import type pg from 'pg'
import {
  readBreakdown,
  readCauses,
  readLaneHistograms,
  readLaneTotals,
  readOnTimeByDay,
  readParcels,
  readTierHistograms,
  readTotalsByTier,
  type Breakdown,
  type BreakdownSort,
  type OutcomeCounts,
  type ParcelFilter,
  type SlaSource,
} from '../db/sla-repo.ts'
import { dayOf, previousRange, type DayRange } from '../domain/sla-range.ts'
import { transitPercentiles } from '../domain/sla-transit.ts'

import { TIERS } from '../../contract/enums.ts'

export { TIERS }

/** On time / (on time + late), in per cent to 0.1; excused parcels count on neither side (verdict.ts). */
export function onTimeRate(c: Pick<OutcomeCounts, 'onTime' | 'late'>): number | null {
  const judged = c.onTime + c.late
  return judged === 0 ? null : Math.round((1000 * c.onTime) / judged) / 10
}

const zero = (): OutcomeCounts => ({ closed: 0, onTime: 0, late: 0, excused: 0 })
const plus = (a: OutcomeCounts, b: OutcomeCounts): OutcomeCounts => ({
  closed: a.closed + b.closed,
  onTime: a.onTime + b.onTime,
  late: a.late + b.late,
  excused: a.excused + b.excused,
})
const withRate = (c: OutcomeCounts) => ({ ...c, rate: onTimeRate(c) })
const change = (now: number | null, before: number | null) =>
  now === null || before === null ? null : Math.round((now - before) * 10) / 10
const rangeView = (r: DayRange) => ({ from: r.from, to: r.to, days: r.days })

/** On-time rate by tier over the period, day by day, and against the period before. */
export async function slaSummary(db: pg.Pool, range: DayRange, src: SlaSource = 'aggregate') {
  const prev = previousRange(range)
  const [days, current, previous] = await Promise.all([
    readOnTimeByDay(db, src, range),
    readTotalsByTier(db, src, range),
    readTotalsByTier(db, src, prev),
  ])
  const pick = (rows: Array<OutcomeCounts & { tier: string }>, tier: string) =>
    rows.find((r) => r.tier === tier) ?? zero()
  const tiers = TIERS.map((tier) => {
    const now = withRate(pick(current, tier))
    const before = withRate(pick(previous, tier))
    return { tier, current: now, previous: before, change: change(now.rate, before.rate) }
  })
  const allNow = withRate(current.reduce(plus, zero()))
  const allBefore = withRate(previous.reduce(plus, zero()))
  return {
    range: rangeView(range),
    previousRange: rangeView(prev),
    tiers,
    all: { current: allNow, previous: allBefore, change: change(allNow.rate, allBefore.rate) },
    series: days.map((d) => ({
      day: dayOf(d.day),
      tier: d.tier,
      closed: d.closed,
      onTime: d.onTime,
      late: d.late,
      excused: d.excused,
      rate: onTimeRate(d),
    })),
  }
}

export async function slaBreakdown(
  db: pg.Pool,
  range: DayRange,
  by: Breakdown,
  sort: BreakdownSort,
  dir: 'asc' | 'desc',
  tier: string | null,
  src: SlaSource = 'aggregate',
) {
  return {
    range: rangeView(range),
    by,
    sort,
    dir,
    tier,
    rows: await readBreakdown(db, src, range, by, sort, dir, tier),
  }
}

/**
 * Late parcels by cause, largest first, with each cause's share and the
 * cumulative share (a Pareto chart); excused parcels by consignee cause beside.
 */
export async function slaCauses(db: pg.Pool, range: DayRange, tier: string | null, src: SlaSource = 'aggregate') {
  const rows = await readCauses(db, src, range, tier)
  const late = rows.filter((r) => r.outcome === 'late')
  const totalLate = late.reduce((s, r) => s + r.parcels, 0)
  let running = 0
  const pareto = late.map((r) => {
    running += r.parcels
    return {
      cause: r.cause,
      parcels: r.parcels,
      share: Math.round((1000 * r.parcels) / totalLate) / 10,
      cumulative: Math.round((1000 * running) / totalLate) / 10,
    }
  })
  const excused = rows.filter((r) => r.outcome === 'excused').map((r) => ({ cause: r.cause, parcels: r.parcels }))
  return { range: rangeView(range), tier, totalLate, late: pareto, excused }
}

export const TRANSIT_SORTS = ['parcels', 'p50', 'p90', 'p99', 'lane'] as const
export type TransitSort = (typeof TRANSIT_SORTS)[number]

type LaneRef = { tier: string; origin: string; destination: string }
const laneKey = (r: LaneRef) => `${r.origin}>${r.destination}|${r.tier}`

/**
 * Transit-time percentiles (hours, from histogram buckets) by tier, and by tier and lane.
 * Sorted by parcels or lane, the lanes shown are chosen from the lane totals and only
 * their histograms are read; sorted by a percentile, every lane's is needed.
 */
export async function slaTransit(
  db: pg.Pool,
  range: DayRange,
  tier: string | null,
  sort: TransitSort,
  limit: number,
  src: SlaSource = 'aggregate',
) {
  const tiers = await readTierHistograms(db, src, range)
  let laneCount: number
  let lanes: Awaited<ReturnType<typeof readLaneHistograms>>
  if (sort === 'parcels' || sort === 'lane') {
    const totals = await readLaneTotals(db, src, range, tier)
    totals.sort((a, b) => (sort === 'lane' ? 0 : b.parcels - a.parcels) || laneKey(a).localeCompare(laneKey(b)))
    laneCount = totals.length
    lanes = await readLaneHistograms(db, src, range, tier, totals.slice(0, limit))
  } else {
    lanes = await readLaneHistograms(db, src, range, tier)
    laneCount = lanes.length
  }
  const laneRows = lanes.map((l) => ({
    tier: l.tier,
    origin: l.origin,
    destination: l.destination,
    ...transitPercentiles(l.counts),
  }))
  laneRows.sort((a, b) =>
    sort === 'lane'
      ? laneKey(a).localeCompare(laneKey(b))
      : (b[sort] ?? -1) - (a[sort] ?? -1) || laneKey(a).localeCompare(laneKey(b)),
  )
  return {
    range: rangeView(range),
    tier,
    sort,
    tiers: TIERS.map((t) => ({ tier: t, ...transitPercentiles(tiers.get(t) ?? new Map()) })),
    laneCount,
    lanes: laneRows.slice(0, limit),
  }
}

export async function slaParcels(db: pg.Pool, range: DayRange, filter: ParcelFilter, limit: number, offset = 0) {
  const r = await readParcels(db, range, filter, limit, offset)
  return {
    range: rangeView(range),
    filter,
    total: r.total,
    offset,
    parcels: r.parcels.map((p) => ({
      ...p,
      collectedAt: p.collectedAt.toISOString(),
      closedAt: p.closedAt.toISOString(),
      deadline: p.deadline?.toISOString() ?? null,
    })),
  }
}
