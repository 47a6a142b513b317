import { describe, expect, it } from 'vitest'
import type { ExceptionReason, ShipmentStatus } from '../../../server/domain/status.ts'
import {
  isConsigneeCause,
  predictArrival,
  transitHoursQuantile,
  verdictOf,
  type VerdictInput,
} from '../../../server/domain/verdict.ts'

const deadline = new Date('2025-03-13T23:59:59.999+08:00')
const before = new Date('2025-03-12T15:00:00+08:00')
const after = new Date('2025-03-14T09:00:00+08:00')

function parcel(over: Partial<VerdictInput> & { status?: ShipmentStatus } = {}): VerdictInput {
  return { status: 'in_transit', deliveredAt: null, deadline, exceptionReason: null, predictedArrival: null, ...over }
}
const delivered = (at: Date, exceptionReason: ExceptionReason | null = null): VerdictInput =>
  parcel({ status: 'delivered', deliveredAt: at, exceptionReason })

describe('delivered parcels', () => {
  it('is on_time when delivered before the deadline', () => {
    expect(verdictOf(delivered(before), after)).toBe('on_time')
  })

  it('is on_time when delivered at the deadline instant itself (23:59:59.999)', () => {
    expect(verdictOf(delivered(new Date(deadline)), after)).toBe('on_time')
  })

  it('is late when delivered one millisecond after the deadline', () => {
    expect(verdictOf(delivered(new Date(deadline.getTime() + 1)), after)).toBe('late')
  })

  it('is excused when delivered late after the consignee refused or gave a wrong address', () => {
    expect(verdictOf(delivered(after, 'refused'), after)).toBe('excused')
    expect(verdictOf(delivered(after, 'wrong_address'), after)).toBe('excused')
  })

  it('is late, not excused, when delivered late after a cause of ours (lost, damaged)', () => {
    expect(verdictOf(delivered(after, 'damaged'), after)).toBe('late')
    expect(verdictOf(delivered(after, 'lost'), after)).toBe('late')
  })

  it('is on_time when delivered in time despite a consignee exception on the way', () => {
    expect(verdictOf(delivered(before, 'wrong_address'), after)).toBe('on_time')
  })

  it('does not change once delivered, whatever now is', () => {
    expect(verdictOf(delivered(before), new Date('2030-01-01T00:00:00Z'))).toBe('on_time')
  })
})

describe('returned parcels', () => {
  it('is excused when returned because the consignee refused or the address was wrong, even before the deadline', () => {
    expect(verdictOf(parcel({ status: 'returned', exceptionReason: 'refused' }), before)).toBe('excused')
    expect(verdictOf(parcel({ status: 'returned', exceptionReason: 'wrong_address' }), after)).toBe('excused')
  })

  it('is late at once when returned for a cause of ours or none, even before the deadline', () => {
    expect(verdictOf(parcel({ status: 'returned', exceptionReason: 'damaged' }), before)).toBe('late')
    expect(verdictOf(parcel({ status: 'returned' }), before)).toBe('late')
    expect(verdictOf(parcel({ status: 'returned' }), after)).toBe('late')
  })
})

describe('open parcels past the deadline', () => {
  it('is late when not delivered and now is past the deadline', () => {
    expect(verdictOf(parcel(), after)).toBe('late')
    expect(verdictOf(parcel({ status: 'out_for_delivery' }), after)).toBe('late')
  })

  it('is not yet late at the deadline instant itself', () => {
    expect(verdictOf(parcel(), new Date(deadline))).toBe('on_track')
  })

  it('is excused when still open past the deadline after a consignee exception', () => {
    expect(verdictOf(parcel({ status: 'exception', exceptionReason: 'wrong_address' }), after)).toBe('excused')
    expect(verdictOf(parcel({ status: 'delivery_failed', exceptionReason: 'refused' }), after)).toBe('excused')
  })

  it('is late when still open past the deadline after a lost or damaged exception', () => {
    expect(verdictOf(parcel({ status: 'exception', exceptionReason: 'lost' }), after)).toBe('late')
  })
})

describe('open parcels inside the deadline', () => {
  it('is at_risk when the predicted arrival is after the deadline', () => {
    expect(verdictOf(parcel({ predictedArrival: after }), before)).toBe('at_risk')
  })

  it('is on_track when the predicted arrival is at or before the deadline', () => {
    expect(verdictOf(parcel({ predictedArrival: before }), before)).toBe('on_track')
    expect(verdictOf(parcel({ predictedArrival: new Date(deadline) }), before)).toBe('on_track')
  })

  it('is at_risk when the predicted arrival has passed and the parcel is still open (stuck), never on_track', () => {
    const stuckSince27h = new Date(before.getTime() - 7 * 3_600_000) // a 20 h lane, collected 27 h ago
    expect(verdictOf(parcel({ predictedArrival: stuckSince27h }), before)).toBe('at_risk')
    expect(
      verdictOf(parcel({ status: 'out_for_delivery', predictedArrival: new Date(before.getTime() - 1) }), before),
    ).toBe('at_risk')
    // Delivered or past the deadline: the outcome decides, not the prediction.
    expect(
      verdictOf(parcel({ status: 'delivered', deliveredAt: before, predictedArrival: stuckSince27h }), before),
    ).toBe('on_time')
    expect(verdictOf(parcel({ predictedArrival: stuckSince27h }), after)).toBe('late')
  })

  it('is on_track when there is no prediction', () => {
    expect(verdictOf(parcel(), before)).toBe('on_track')
  })

  it('is at_risk while stopped in exception, whatever the cause and the prediction', () => {
    expect(verdictOf(parcel({ status: 'exception', exceptionReason: 'lost' }), before)).toBe('at_risk')
    expect(
      verdictOf(parcel({ status: 'exception', exceptionReason: 'wrong_address', predictedArrival: before }), before),
    ).toBe('at_risk')
  })

  it('still shows at_risk with a consignee cause: the excuse applies only once the deadline is missed', () => {
    expect(
      verdictOf(parcel({ status: 'delivery_failed', exceptionReason: 'refused', predictedArrival: after }), before),
    ).toBe('at_risk')
  })
})

describe('consignee causes', () => {
  it('are refused and wrong_address only', () => {
    expect(isConsigneeCause('refused')).toBe(true)
    expect(isConsigneeCause('wrong_address')).toBe(true)
    expect(isConsigneeCause('lost')).toBe(false)
    expect(isConsigneeCause('damaged')).toBe(false)
    expect(isConsigneeCause(null)).toBe(false)
  })
})

describe('arrival prediction from lane transit times', () => {
  const collectedAt = new Date('2025-03-10T10:00:00+08:00')

  it('returns null with fewer than 5 samples', () => {
    expect(predictArrival(collectedAt, [])).toBeNull()
    expect(predictArrival(collectedAt, [20, 30, 40, 50])).toBeNull()
  })

  it('adds the median of 5 samples to the collection time', () => {
    expect(predictArrival(collectedAt, [50, 20, 40, 30, 60])).toEqual(new Date('2025-03-12T02:00:00+08:00')) // +40 h
  })

  it('takes the mean of the two middle samples for an even count', () => {
    expect(transitHoursQuantile([10, 20, 30, 40, 50, 60])).toBe(35)
  })

  it('is robust to a long tail: one parcel stuck for weeks does not move the prediction', () => {
    expect(transitHoursQuantile([24, 25, 26, 27, 28])).toBe(26)
    expect(transitHoursQuantile([24, 25, 26, 27, 600])).toBe(26)
  })

  it('offers a more cautious quantile, e.g. the 80th percentile', () => {
    const samples = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]
    expect(transitHoursQuantile(samples, { quantile: 0.8 })).toBe(90)
    expect(predictArrival(collectedAt, samples, { quantile: 0.8 })).toEqual(
      new Date(collectedAt.getTime() + 90 * 3_600_000),
    )
  })

  it('drops negative and non-finite samples before counting them', () => {
    expect(transitHoursQuantile([30, 30, 30, 30, -5, Number.NaN, Number.POSITIVE_INFINITY])).toBeNull()
    expect(transitHoursQuantile([30, 30, 30, 30, 31, -5, Number.NaN])).toBe(30)
  })

  it('does not reorder the caller’s samples', () => {
    const samples = [50, 20, 40, 30, 60]
    transitHoursQuantile(samples)
    expect(samples).toEqual([50, 20, 40, 30, 60])
  })

  it('takes a different minimum sample count', () => {
    expect(transitHoursQuantile([10, 20, 30], { minSamples: 3 })).toBe(20)
    expect(transitHoursQuantile([10, 20], { minSamples: 3 })).toBeNull()
  })

  it('rejects a quantile outside 0–1', () => {
    expect(() => transitHoursQuantile([1, 2, 3, 4, 5], { quantile: 80 })).toThrow(RangeError)
  })

  it('feeds the verdict: a slow lane makes an open parcel at_risk', () => {
    const slowLane = [80, 90, 96, 100, 110, 120] // median 98 h: Friday noon, after Thursday's deadline
    const predictedArrival = predictArrival(collectedAt, slowLane)
    expect(verdictOf(parcel({ predictedArrival }), before)).toBe('at_risk')
    const fastLane = [20, 22, 24, 26, 30]
    // Asked an hour after collection (before the predicted arrival): nothing says it will miss.
    const anHourIn = new Date(collectedAt.getTime() + 3_600_000)
    expect(verdictOf(parcel({ predictedArrival: predictArrival(collectedAt, fastLane) }), anHourIn)).toBe('on_track')
    // Asked at `before`, two days in, it should have arrived a day ago: overdue, at risk (not "on track, arriving now").
    expect(verdictOf(parcel({ predictedArrival: predictArrival(collectedAt, fastLane) }), before)).toBe('at_risk')
  })
})
