import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  histDelta,
  histKey,
  histKeyString,
  hourOfWeek,
  segmentBucket,
  segmentsOf,
  SEGMENT_EDGES,
  type PathEvent,
  type Segment,
} from '../../../server/domain/segments.ts'
import { buildLifecycle, type Outcome, type RouteHub } from '../../../sim/lifecycle.ts'
import { createRng } from '../../../sim/random.ts'

const H = 3_600_000
const t0 = Date.parse('2025-03-10T02:00:00Z') // Monday 10:00 Shanghai
const ev = (h: number, type: PathEvent['type'], hub: string | null, courier: string | null = null): PathEvent => ({
  time: t0 + h * H,
  type,
  hub,
  courier,
})

describe('segmentsOf', () => {
  const path = [
    ev(0, 'collected', 'HGH-O1'),
    ev(2, 'departed_hub', 'HGH-O1'),
    ev(3, 'arrived_hub', 'HGH-SC'),
    ev(5, 'departed_hub', 'HGH-SC'),
    ev(9, 'arrived_hub', 'NKG-SC'),
    ev(10, 'departed_hub', 'NKG-SC'),
    ev(11, 'arrived_hub', 'NKG-O1'),
    ev(21, 'out_for_delivery', 'NKG-O1', 'C1'),
    ev(22, 'delivery_failed', 'NKG-O1', 'C1'),
    ev(46, 'out_for_delivery', 'NKG-O1', 'C2'),
    ev(47, 'delivered', 'NKG-O1', 'C2'),
  ]

  it('cuts first mile, legs, dwells, last mile and the delivery run (failed attempt included)', () => {
    const all = segmentsOf(t0, 'HGH-O1', 'NKG-O1', path)
    const s = all.filter((x) => x.kind !== 'to_delivery')
    expect(s.map((x) => [x.kind, x.place, (x.end - x.start) / H])).toEqual([
      ['first_mile', 'HGH-O1', 2],
      ['line_haul', 'HGH-O1>HGH-SC', 1],
      ['hub_dwell', 'HGH-SC', 2],
      ['line_haul', 'HGH-SC>NKG-SC', 4],
      ['hub_dwell', 'NKG-SC', 1],
      ['line_haul', 'NKG-SC>NKG-O1', 1],
      ['last_mile', 'NKG-O1', 10],
      ['delivery_run', 'NKG-O1', 26],
    ])
    expect(s.at(-1)!.courier).toBe('C2')
    // Once delivered: from each part's start to the delivery, per lane and part.
    const td = all.filter((x) => x.kind === 'to_delivery')
    expect(td.map((x) => [x.place, (x.end - x.start) / H])).toEqual([
      ['HGH-O1>NKG-O1@first_mile:HGH-O1', 47],
      ['HGH-O1>NKG-O1@line_haul:HGH-O1>HGH-SC', 45],
      ['HGH-O1>NKG-O1@hub_dwell:HGH-SC', 44],
      ['HGH-O1>NKG-O1@line_haul:HGH-SC>NKG-SC', 42],
      ['HGH-O1>NKG-O1@hub_dwell:NKG-SC', 38],
      ['HGH-O1>NKG-O1@line_haul:NKG-SC>NKG-O1', 37],
      ['HGH-O1>NKG-O1@last_mile:NKG-O1', 36],
      ['HGH-O1>NKG-O1@delivery_run:NKG-O1', 26],
    ])
  })

  it('gives the same segments whatever order the scans come in', () => {
    const shuffled = [path[5]!, path[0]!, path[10]!, path[3]!, ...path.slice(6, 10), path[1]!, path[2]!, path[4]!]
    expect(segmentsOf(t0, 'HGH-O1', 'NKG-O1', shuffled)).toEqual(segmentsOf(t0, 'HGH-O1', 'NKG-O1', path))
  })

  it('leaves a segment open while its closing scan is missing, and closes it when the scan turns up', () => {
    const missing = path.filter((_, i) => i !== 5)
    const s = segmentsOf(t0, 'HGH-O1', 'NKG-O1', missing)
    expect(s.some((x) => x.place === 'NKG-SC')).toBe(false)
    expect(s.some((x) => x.place === 'NKG-SC>NKG-O1')).toBe(false)
    expect(s.find((x) => x.kind === 'last_mile')).toBeDefined()
  })

  it('has no delivery run for a returned or lost parcel', () => {
    const s = segmentsOf(t0, 'HGH-O1', 'NKG-O1', [
      ...path.slice(0, 8),
      ev(23, 'exception', 'NKG-O1'),
      ev(30, 'returned', 'NKG-O1'),
    ])
    expect(s.some((x) => x.kind === 'delivery_run' || x.kind === 'to_delivery')).toBe(false)
  })
})

describe('buckets and hours', () => {
  it('puts 0 h in bucket 0, 0.3 h in bucket 1, 2 h at its lower edge and 1,000 h in the last one', () => {
    expect(segmentBucket(0)).toBe(0)
    expect(segmentBucket(0.3)).toBe(1)
    expect(SEGMENT_EDGES[segmentBucket(2)]).toBe(2)
    expect(segmentBucket(1000)).toBe(SEGMENT_EDGES.length - 1)
  })

  it('counts the hour of the week from Monday 00:00 Shanghai', () => {
    expect(hourOfWeek(Date.parse('2025-03-09T16:00:00Z'))).toBe(0) // Monday 00:00 Shanghai
    expect(hourOfWeek(t0)).toBe(10)
    expect(hourOfWeek(Date.parse('2025-03-16T15:59:00Z'))).toBe(167) // Sunday 23:59
  })
})

// ---------------------------------------------------------------------------
// Property: histograms kept batch by batch equal a recomputation from all events.

const ROUTE: RouteHub[] = [
  { code: 'HGH-O1', kind: 'outlet', latitude: 30.2592, longitude: 120.13 },
  { code: 'HGH-SC', kind: 'sorting_centre', latitude: 30.184, longitude: 120.2646 },
  { code: 'SHA-TC', kind: 'transfer_centre', latitude: 31.1498, longitude: 121.1243 },
  { code: 'BJS-TC', kind: 'transfer_centre', latitude: 39.7828, longitude: 116.5123 },
  { code: 'BJS-O1', kind: 'outlet', latitude: 39.9219, longitude: 116.4436 },
]
const OUTCOMES: Outcome[] = ['normal', 'late', 'failed_then_delivered', 'damaged', 'lost', 'wrong_address', 'refused']

function histOf(parcels: ReadonlyArray<{ tier: string; segments: Segment[] }>): Map<string, number> {
  const m = new Map<string, number>()
  for (const p of parcels)
    for (const s of p.segments) {
      const k = histKeyString(histKey(s, p.tier))
      m.set(k, (m.get(k) ?? 0) + 1)
    }
  return m
}

describe('kept histograms', () => {
  it('equal a recomputation from the raw events for any split into batches, order and duplicate', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            seed: fc.nat(),
            outcome: fc.constantFrom(...OUTCOMES),
            tier: fc.constantFrom('express', 'standard', 'economy') as fc.Arbitrary<'express' | 'standard' | 'economy'>,
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.nat(),
        fc.integer({ min: 1, max: 8 }),
        (specs, shuffleSeed, batchSize) => {
          const parcels = specs.map((p, i) => {
            const life = buildLifecycle(
              {
                waybill: `PW${i}`,
                tier: p.tier,
                route: ROUTE,
                collectedAt: t0 + i * 600_000,
                pickupCourier: 'CA',
                deliveryCourier: 'CB',
                recipientName: '张三',
                outcome: p.outcome,
              },
              createRng(p.seed),
            )
            return {
              waybill: `PW${i}`,
              tier: p.tier,
              collectedAt: t0 + i * 600_000,
              events: life.steps.map((s): PathEvent => ({
                time: s.time,
                type: s.type,
                hub: s.hub,
                courier: s.courier ?? null,
              })),
            }
          })
          // Every event of every parcel, shuffled, some sent twice (resent batches).
          const rng = createRng(shuffleSeed)
          const all = parcels.flatMap((p) => p.events.map((e) => ({ p, e })))
          const sent = [...all, ...all.filter(() => rng.chance(0.1))]
          for (let i = sent.length - 1; i > 0; i--) {
            const j = rng.int(0, i)
            ;[sent[i], sent[j]] = [sent[j]!, sent[i]!]
          }
          const kept = new Map<string, number>()
          const state = new Map(
            parcels.map((p) => [p.waybill, { events: [] as PathEvent[], segments: [] as Segment[] }]),
          )
          for (let i = 0; i < sent.length; i += batchSize) {
            for (const { p, e } of sent.slice(i, i + batchSize)) {
              const s = state.get(p.waybill)!
              if (s.events.includes(e)) continue // the store skips an event it already has
              const events = [...s.events, e]
              const segments = segmentsOf(p.collectedAt, 'HGH-O1', 'BJS-O1', events)
              for (const [k, n] of histDelta(p.tier, s.segments, segments)) kept.set(k, (kept.get(k) ?? 0) + n)
              state.set(p.waybill, { events, segments })
            }
          }
          for (const [k, n] of kept) if (n === 0) kept.delete(k)
          const recomputed = histOf(
            parcels.map((p) => ({ tier: p.tier, segments: segmentsOf(p.collectedAt, 'HGH-O1', 'BJS-O1', p.events) })),
          )
          expect(kept).toEqual(recomputed)
          for (const n of kept.values()) expect(n).toBeGreaterThan(0)
        },
      ),
      { numRuns: 200 },
    )
  })
})
