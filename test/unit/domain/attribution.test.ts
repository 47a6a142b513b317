import { describe, expect, it } from 'vitest'
import {
  breachCause,
  chargesOf,
  dwellP90ByHourOfWeek,
  excessAt,
  pareto,
  tallyCauses,
  type Norms,
} from '../../../server/domain/attribution.ts'
import { segmentBucket, type Segment } from '../../../server/domain/segments.ts'

const H = 3_600_000
const seg = (kind: Segment['kind'], place: string, hours: number, courier: string | null = null): Segment => ({
  kind,
  place,
  courier,
  start: 0,
  end: hours * H,
})
const norms: Norms = {
  p50: (kind) =>
    (({ first_mile: 2, line_haul: 4, hub_dwell: 3, last_mile: 6, delivery_run: 1.5 }) as Record<string, number>)[
      kind
    ] ?? null,
}

describe('attribution arithmetic', () => {
  const late = [
    seg('first_mile', 'HGH-O1', 1.5),
    seg('line_haul', 'HGH-O1>HGH-SC', 4),
    seg('hub_dwell', 'HGH-SC', 15),
    seg('line_haul', 'HGH-SC>BJS-TC', 9),
    seg('last_mile', 'BJS-O1', 6),
    seg('delivery_run', 'BJS-O1', 2, 'C-BJS-O1-01'),
    seg('to_delivery', 'HGH-O1>BJS-O1@first_mile:HGH-O1', 37.5),
  ]

  it('charges each segment its hours beyond the p50 (never below 0) to the hub, lane or courier that ran it', () => {
    const c = chargesOf(late, 'standard', norms)
    expect(c.map((x) => [x.responsible, x.excessHours])).toEqual([
      ['HGH-O1', 0],
      ['HGH-O1→HGH-SC', 0],
      ['HGH-SC', 12],
      ['HGH-SC→BJS-TC', 5],
      ['BJS-O1', 0],
      ['C-BJS-O1-01', 0.5],
    ])
  })

  it('names the segment that consumed most of the excess as the breach cause', () => {
    expect(breachCause(chargesOf(late, 'standard', norms))).toEqual({
      code: 'hub_dwell',
      hub: 'HGH-SC',
      excessHours: 12,
    })
    const lane = [seg('hub_dwell', 'HGH-SC', 4), seg('line_haul', 'HGH-SC>BJS-TC', 20)]
    expect(breachCause(chargesOf(lane, 'standard', norms))).toEqual({
      code: 'line_haul',
      lane: 'HGH-SC→BJS-TC',
      excessHours: 16,
    })
    expect(breachCause(chargesOf([seg('hub_dwell', 'HGH-SC', 1)], 'standard', norms))).toBeNull()
  })

  it('sums excess per responsible and kind, largest first, with a running share that ends at 1', () => {
    const other = [seg('hub_dwell', 'HGH-SC', 7), seg('hub_dwell', 'NKG-SC', 5)]
    const rows = pareto([chargesOf(late, 'standard', norms), chargesOf(other, 'standard', norms)])
    expect(rows.map((r) => [r.responsible, r.kind, r.excessHours, r.parcels])).toEqual([
      ['HGH-SC', 'hub_dwell', 16, 2],
      ['HGH-SC→BJS-TC', 'line_haul', 5, 1],
      ['NKG-SC', 'hub_dwell', 2, 1],
      ['C-BJS-O1-01', 'delivery_run', 0.5, 1],
    ])
    expect(rows.at(-1)!.cumulative).toBe(1)
    expect(rows[0]!.cumulative).toBeCloseTo(16 / 23.5, 3)
  })

  it('counts late parcels by breach cause, "hub dwell at X" and "line-haul A→B" among them, most parcels first', () => {
    const causes = [
      breachCause(chargesOf(late, 'standard', norms)),
      breachCause(chargesOf([seg('hub_dwell', 'HGH-SC', 10)], 'standard', norms)),
      breachCause(chargesOf([seg('line_haul', 'HGH-SC>BJS-TC', 20)], 'standard', norms)),
      breachCause(chargesOf([seg('delivery_run', 'BJS-O1', 4, 'C-BJS-O1-01')], 'standard', norms)),
      breachCause(chargesOf([seg('hub_dwell', 'HGH-SC', 1)], 'standard', norms)), // nothing over its p50: no cause
    ]
    expect(tallyCauses(causes)).toEqual([
      { code: 'hub_dwell', responsible: 'HGH-SC', parcels: 2, excessHours: 19 },
      { code: 'line_haul', responsible: 'HGH-SC→BJS-TC', parcels: 1, excessHours: 16 },
      { code: 'delivery_run', responsible: 'C-BJS-O1-01', parcels: 1, excessHours: 2.5 },
    ])
  })

  it('reads the excess one parcel lost at one bar of the Pareto', () => {
    const c = chargesOf(late, 'standard', norms)
    expect(excessAt(c, 'hub_dwell', 'HGH-SC')).toBe(12)
    expect(excessAt(c, 'line_haul', 'HGH-SC→BJS-TC')).toBe(5)
    expect(excessAt(c, 'hub_dwell', 'NKG-SC')).toBe(0)
  })

  it('reads the dwell p90 per hour of the week, null where nothing began', () => {
    const cells = dwellP90ByHourOfWeek([
      ...Array.from({ length: 9 }, () => ({ how: 2, bucket: segmentBucket(1), n: 1 })),
      { how: 2, bucket: segmentBucket(10), n: 1 },
    ])
    expect(cells).toHaveLength(168)
    expect(cells[0]).toBeNull()
    expect(cells[2]).toBeGreaterThanOrEqual(1)
    expect(cells[2]).toBeLessThanOrEqual(1.3) // the bucket [1, 1.25), rounded to 0.1 h
  })
})
