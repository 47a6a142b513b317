import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  TRANSIT_EDGES,
  histogramPercentile,
  transitBucket,
  transitPercentiles,
} from '../../../server/domain/sla-transit.ts'
import { dayRange, previousRange, RangeProblem } from '../../../server/domain/sla-range.ts'

describe('SLA report periods', () => {
  it('covers whole Beijing days and compares with the period of equal length just before', () => {
    const r = dayRange('2026-03-01', '2026-03-07')
    expect(r.start.toISOString()).toBe('2026-02-28T16:00:00.000Z')
    expect(r.end.toISOString()).toBe('2026-03-07T16:00:00.000Z')
    expect(r.days).toBe(7)
    const p = previousRange(r)
    expect([p.from, p.to, p.days]).toEqual(['2026-02-22', '2026-02-28', 7])
  })

  it('refuses days that do not exist, reversed ranges and ranges over 366 days', () => {
    expect(() => dayRange('2026-02-29', '2026-03-01')).toThrow(RangeProblem)
    expect(() => dayRange('2026-03-02', '2026-03-01')).toThrow(/before/)
    expect(() => dayRange('2024-01-01', '2025-01-02')).toThrow(/at most 366/)
    expect(dayRange('2024-01-01', '2024-12-31').days).toBe(366)
  })
})

describe('transit percentiles from histogram buckets', () => {
  it('interpolates inside the bucket where the cumulative count reaches q·n', () => {
    // 10 parcels in [24, 26) h, 10 in [48, 54) h
    const h = new Map([
      [transitBucket(25), 10],
      [transitBucket(50), 10],
    ])
    expect(histogramPercentile(h, 0.5)).toEqual({ hours: 26, bucket: transitBucket(25) })
    expect(histogramPercentile(h, 0.9)!.hours).toBeCloseTo(52.8, 5)
    expect(transitPercentiles(new Map())).toEqual({ parcels: 0, p50: null, p90: null, p99: null })
  })

  it('always lands in the bucket of the exact percentile (percentile_disc) of the raw hours', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 900, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(0.5, 0.9, 0.99),
        (hours, q) => {
          const counts = new Map<number, number>()
          for (const x of hours) counts.set(transitBucket(x), (counts.get(transitBucket(x)) ?? 0) + 1)
          const sorted = [...hours].sort((a, b) => a - b)
          const exact = sorted[Math.ceil(q * sorted.length) - 1]!
          const est = histogramPercentile(counts, q)!
          expect(est.bucket).toBe(transitBucket(exact))
          expect(est.hours).toBeGreaterThanOrEqual(TRANSIT_EDGES[est.bucket - 1]! - 0.05)
        },
      ),
    )
  })
})
