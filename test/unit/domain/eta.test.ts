import { describe, expect, it } from 'vitest'
import {
  EMPTY_MODEL,
  GRID_H,
  conditionOnElapsed,
  convolve,
  createHistModel,
  estimateArrival,
  overdueInSegment,
  pathSegments,
  pmfOfCounts,
  quantileHours,
  recentFactors,
  remainingPath,
  uniformPmf,
  type HistRow,
  type ParcelPosition,
} from '../../../server/domain/eta.ts'
import { segmentBucket, type SegmentKind } from '../../../server/domain/segments.ts'

const H = 3_600_000
const sh = (local: string) => new Date(`${local}+08:00`)
const ROUTE = ['HGH-O1', 'HGH-SC', 'NKG-SC', 'NKG-O1']

/** n samples of `hours` for a segment, spread over every hour of the week. */
function rows(kind: SegmentKind, place: string, hours: number, n = 40, tier = 'standard'): HistRow[] {
  return Array.from({ length: n }, (_, i) => ({
    kind,
    place,
    tier,
    how: (i * 7) % 168,
    bucket: segmentBucket(hours),
    n: 1,
  }))
}

/** Every segment of ROUTE takes exactly 2 h (bucket [2, 2.5)), last mile 4 h, delivery 1 h. */
const model = createHistModel([
  ...rows('first_mile', 'HGH-O1', 2),
  ...rows('line_haul', 'HGH-O1>HGH-SC', 2),
  ...rows('hub_dwell', 'HGH-SC', 2),
  ...rows('line_haul', 'HGH-SC>NKG-SC', 2),
  ...rows('hub_dwell', 'NKG-SC', 2),
  ...rows('line_haul', 'NKG-SC>NKG-O1', 2),
  ...rows('last_mile', 'NKG-O1', 4),
  ...rows('delivery_run', 'NKG-O1', 1),
])

const at = (over: Partial<ParcelPosition>): ParcelPosition => ({
  tier: 'standard',
  route: ROUTE,
  collectedAt: sh('2025-03-10T10:00:00'),
  status: 'collected',
  lastEventType: null,
  lastScanHub: null,
  lastScanAt: null,
  exceptionReason: null,
  ...over,
})

describe('distributions on the grid', () => {
  it('convolves two uniform segments into a triangle whose median is the sum of the medians', () => {
    const a = uniformPmf(2)
    const sum = convolve(a, a)
    expect(quantileHours(a, 0.5)).toBeCloseTo(1, 1)
    expect(quantileHours(sum, 0.5)).toBeCloseTo(2, 0)
    expect(quantileHours(sum, 0.1)).toBeGreaterThan(0.5)
    expect(quantileHours(sum, 0.9)).toBeLessThan(3.5)
  })

  it('conditions on time already spent: of a 0–4 h wait with 3 h gone, at most 1 h is left', () => {
    const left = conditionOnElapsed(uniformPmf(4), 3)!
    expect(quantileHours(left, 0.99)).toBeLessThanOrEqual(1 + GRID_H)
    expect(quantileHours(left, 0.5)).toBeCloseTo(0.5, 0)
  })

  it('says overdue (null) when less than 1 % of the segment lies beyond the time spent', () => {
    expect(conditionOnElapsed(uniformPmf(4), 4.5)).toBeNull()
  })

  it('spreads a bucket over its 15-minute bins', () => {
    const d = pmfOfCounts(new Map([[segmentBucket(2), 10]]))!
    expect(quantileHours(d, 0.5)).toBeCloseTo(2.25, 1)
  })
})

describe('remaining path', () => {
  it('is the whole route at collection, the rest after a departure, the delivery run when out for delivery', () => {
    expect(remainingPath(at({}))!.segments).toEqual(pathSegments(ROUTE))
    expect(
      remainingPath(
        at({
          status: 'in_transit',
          lastEventType: 'departed_hub',
          lastScanHub: 'HGH-SC',
          lastScanAt: sh('2025-03-10T15:00:00'),
        }),
      )!.segments.map((s) => s.place),
    ).toEqual(['HGH-SC>NKG-SC', 'NKG-SC', 'NKG-SC>NKG-O1', 'NKG-O1', 'NKG-O1'])
    expect(
      remainingPath(
        at({
          status: 'out_for_delivery',
          lastEventType: 'out_for_delivery',
          lastScanHub: 'NKG-O1',
          lastScanAt: sh('2025-03-11T08:00:00'),
        }),
      )!.segments,
    ).toEqual([{ kind: 'delivery_run', place: 'NKG-O1' }])
  })

  it('is nothing for a delivered, returned or lost parcel', () => {
    expect(remainingPath(at({ status: 'delivered' }))).toBeNull()
    expect(
      remainingPath(
        at({
          status: 'exception',
          exceptionReason: 'lost',
          lastEventType: 'exception',
          lastScanHub: 'HGH-SC',
          lastScanAt: sh('2025-03-10T12:00:00'),
        }),
      ),
    ).toBeNull()
  })
})

describe('estimateArrival', () => {
  it('adds every segment from collection: 6 × ~2.25 h + last mile + delivery run', () => {
    const now = sh('2025-03-10T10:00:00')
    const e = estimateArrival(at({}), model, now)!
    const p50h = (e.p50.getTime() - now.getTime()) / H
    expect(p50h).toBeGreaterThan(6 * 2.25 + 4)
    expect(p50h).toBeLessThan(6 * 2.25 + 4.5 + 1.5 + 0.5)
    expect(e.p10.getTime()).toBeLessThanOrEqual(e.p50.getTime())
    expect(e.p90.getTime()).toBeGreaterThanOrEqual(e.p50.getTime())
    expect(e.basis).toBe('model')
    expect(e.overdue).toBe(false)
  })

  it('moves later as the parcel sits at a hub, and says overdue past the dwell p99, never "now"', () => {
    const arrived = sh('2025-03-10T16:00:00')
    const pos = at({ status: 'in_transit', lastEventType: 'arrived_hub', lastScanHub: 'NKG-SC', lastScanAt: arrived })
    const fresh = estimateArrival(pos, model, new Date(arrived.getTime() + 0.1 * H))!
    const stuck = estimateArrival(pos, model, new Date(arrived.getTime() + 27 * H))!
    expect(fresh.overdue).toBe(false)
    expect(stuck.overdue).toBe(true)
    expect(stuck.p50.getTime()).toBeGreaterThan(arrived.getTime() + 27 * H + 3 * H)
    expect(stuck.current).toMatchObject({ kind: 'hub_dwell', place: 'NKG-SC', elapsedHours: 27 })
  })

  it('falls back to the tier priors on a fresh install: within the promise, not now', () => {
    const now = sh('2025-03-10T10:00:00')
    const e = estimateArrival(at({}), EMPTY_MODEL, now)!
    expect(e.basis).toBe('prior')
    const p50h = (e.p50.getTime() - now.getTime()) / H
    expect(p50h).toBeGreaterThan(20)
    expect(p50h).toBeLessThanOrEqual(72)
  })

  it('stretches a place whose recent segments ran slow, so parcels that still pass it move later', () => {
    const recent = recentFactors(model, [
      { kind: 'hub_dwell', place: 'NKG-SC', tier: 'standard', n: 5, hours: 5 * 6.75 },
    ])
    expect(recent.get('hub_dwell|NKG-SC')).toBeCloseTo(3, 1)
    const slowed = createHistModel([...rowsOf(model)], recent)
    const now = sh('2025-03-10T10:00:00')
    const before = estimateArrival(at({}), model, now)!
    const after = estimateArrival(at({}), slowed, now)!
    expect(after.p50.getTime() - before.p50.getTime()).toBeGreaterThan(3 * H)
  })
})

function* rowsOf(_: unknown): Iterable<HistRow> {
  yield* [
    ...rows('first_mile', 'HGH-O1', 2),
    ...rows('line_haul', 'HGH-O1>HGH-SC', 2),
    ...rows('hub_dwell', 'HGH-SC', 2),
    ...rows('line_haul', 'HGH-SC>NKG-SC', 2),
    ...rows('hub_dwell', 'NKG-SC', 2),
    ...rows('line_haul', 'NKG-SC>NKG-O1', 2),
    ...rows('last_mile', 'NKG-O1', 4),
    ...rows('delivery_run', 'NKG-O1', 1),
  ]
}

/** Part of ROUTE's segments only (the others without history), for overdueInSegment below. */
const overdueModel = createHistModel([
  ...rows('first_mile', 'HGH-O1', 2),
  ...rows('line_haul', 'HGH-O1>HGH-SC', 2),
  ...rows('hub_dwell', 'HGH-SC', 2),
  ...rows('last_mile', 'NKG-O1', 4),
  ...rows('delivery_run', 'NKG-O1', 1),
])

const scannedAt = sh('2025-03-10T10:00:00')
const positions: ParcelPosition[] = [
  { status: 'collected', lastEventType: null, lastScanHub: null },
  { status: 'in_transit', lastEventType: 'departed_hub' as const, lastScanHub: 'HGH-O1' },
  { status: 'in_transit', lastEventType: 'arrived_hub' as const, lastScanHub: 'HGH-SC' },
  { status: 'in_transit', lastEventType: 'arrived_hub' as const, lastScanHub: 'NKG-O1' },
  { status: 'out_for_delivery', lastEventType: 'out_for_delivery' as const, lastScanHub: 'NKG-O1' },
  { status: 'delivered', lastEventType: 'delivered' as const, lastScanHub: 'NKG-O1' },
].map((p) => ({
  tier: 'standard',
  route: ROUTE,
  collectedAt: scannedAt,
  lastScanAt: p.lastScanHub ? scannedAt : null,
  exceptionReason: null,
  ...p,
}))

describe('overdueInSegment (the at-risk rule skips the rest of an overdue estimate)', () => {
  it("says what estimateArrival's overdue says, for every state and time spent, with and without history", () => {
    let overdue = 0
    for (const m of [overdueModel, EMPTY_MODEL])
      for (const pos of positions)
        for (let hours = 0; hours <= 60; hours += 0.75) {
          const now = new Date(scannedAt.getTime() + hours * H)
          const e = estimateArrival(pos, m, now)
          expect(overdueInSegment(pos, m, now)).toBe(e === null ? null : e.overdue)
          if (e?.overdue) overdue++
        }
    expect(overdue).toBeGreaterThan(0)
  })
})
