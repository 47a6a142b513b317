import { describe, expect, it } from 'vitest'
import {
  EMPTY_MODEL,
  createHistModel,
  estimateArrival,
  overdueInSegment,
  type HistRow,
  type ParcelPosition,
} from '../../../server/domain/eta.ts'
import { segmentBucket, type SegmentKind } from '../../../server/domain/segments.ts'

const H = 3_600_000
const sh = (local: string) => new Date(`${local}+08:00`)
const ROUTE = ['HGH-O1', 'HGH-SC', 'NKG-SC', 'NKG-O1']

const rows = (kind: SegmentKind, place: string, hours: number): HistRow[] =>
  Array.from({ length: 40 }, (_, i) => ({
    kind,
    place,
    tier: 'standard',
    how: (i * 7) % 168,
    bucket: segmentBucket(hours),
    n: 1,
  }))

const model = createHistModel([
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
    for (const m of [model, EMPTY_MODEL])
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
