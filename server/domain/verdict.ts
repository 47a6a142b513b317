/**
 * The SLA verdict of a parcel against its deadline, and a lane-based arrival
 * prediction. Pure: `now` is a parameter.
 *
 * Verdicts:
 *   on_time  — delivered on or before the deadline;
 *   late     — the promise was missed and the cause is ours;
 *   excused  — the promise was missed because of the consignee;
 *   at_risk  — still open and inside the deadline, but expected to miss it;
 *   on_track — still open, inside the deadline, nothing says it will miss it.
 * on_time, late and excused are outcomes; at_risk and on_track are live states
 * that turn into an outcome as time passes or scans arrive. The on-time rate is
 * on_time / (on_time + late): excused parcels count on neither side.
 *
 * Rules, first that applies (the consignee causes are the exception reasons
 * `refused` and `wrong_address`; `lost` and `damaged` are ours):
 *  1. Delivered at or before the deadline → on_time, whatever exception happened
 *     on the way: the promise was kept.
 *  2. Delivered after the deadline → excused if a consignee cause was recorded,
 *     else late.
 *  3. Returned → excused with a consignee cause; otherwise late at once, even
 *     before the deadline: a returned parcel will never be delivered, so the
 *     promise is already broken, and a closed parcel must not show as on track.
 *  4. Still open and now after the deadline → excused with a consignee cause,
 *     else late.
 *  5. Still open, deadline not passed, and either the predicted arrival is after
 *     the deadline, or it has already passed (the parcel is overdue on its lane's
 *     usual time: stuck somewhere, e.g. 27 h on a 20 h lane), or the parcel is
 *     stopped in `exception` → at_risk. A consignee
 *     cause does not hide an open parcel from this list: there is still time to
 *     reach the consignee and deliver, and someone has to make that call. The
 *     excuse applies only once the deadline is actually missed.
 *  6. Otherwise → on_track (also when there is no prediction).
 * Instants: "after the deadline" means strictly later than 23:59:59.999 of the
 * deadline day, so a delivery at that very millisecond is on time. "Delivered"
 * is read from `deliveredAt`, which the status machine sets with the status.
 *
 * The look-up and the SLA sweep pass the segment model's estimate
 * (server/domain/eta.ts via server/services/transit-model.ts): its p50 as
 * `predictedArrival` and its `overdue` flag, so both call the same parcels at risk.
 *
 * Prediction (the older lane median, kept for callers without a model): the arrival of an open parcel is estimated from recent transit
 * times (hours) of the same lane and tier: a quantile of the samples, by
 * default the median, added to the collection time (or to the last scan, with
 * samples of remaining hours from that scan). The median, not the mean, because
 * transit times have a long tail (a parcel stuck a week at a hub would drag a
 * mean for every parcel after it); the median rather than the 80th percentile so
 * that at_risk means "more likely late than not", not "one parcel in five of this
 * lane is late". Fewer than 5 usable samples give no prediction (null).
 */
import type { ExceptionReason, ShipmentStatus } from './status.ts'

import type { Verdict } from '../../contract/enums.ts'

export type { Verdict } from '../../contract/enums.ts'

export const CONSIGNEE_CAUSES: readonly ExceptionReason[] = ['refused', 'wrong_address']

export function isConsigneeCause(reason: ExceptionReason | null): boolean {
  return reason !== null && CONSIGNEE_CAUSES.includes(reason)
}

export interface VerdictInput {
  status: ShipmentStatus
  deliveredAt: Date | null
  deadline: Date
  exceptionReason: ExceptionReason | null
  predictedArrival: Date | null
  /** The arrival estimate says the parcel has spent longer in its segment than that segment's p99 (server/domain/eta.ts). */
  overdue?: boolean
}

export function verdictOf(input: VerdictInput, now: Date): Verdict {
  const deadline = input.deadline.getTime()
  const excused = isConsigneeCause(input.exceptionReason)
  if (input.deliveredAt !== null) {
    if (input.deliveredAt.getTime() <= deadline) return 'on_time'
    return excused ? 'excused' : 'late'
  }
  if (input.status === 'returned') return excused ? 'excused' : 'late'
  if (now.getTime() > deadline) return excused ? 'excused' : 'late'
  if (input.status === 'exception') return 'at_risk'
  if (input.overdue === true) return 'at_risk'
  if (input.predictedArrival !== null && input.predictedArrival.getTime() > deadline) return 'at_risk'
  // Overdue on its lane's usual time: "arrives now" would be a guess that nothing supports.
  if (input.predictedArrival !== null && input.predictedArrival.getTime() < now.getTime()) return 'at_risk'
  return 'on_track'
}

// ---------------------------------------------------------------------------
// Prediction

export const MIN_SAMPLES = 5
export const DEFAULT_QUANTILE = 0.5
const HOUR_MS = 3_600_000

export interface PredictionOptions {
  /** 0–1; 0.5 = median (default), 0.8 = 80th percentile (more cautious). */
  quantile?: number
  /** Fewer usable samples than this give null. Default 5. */
  minSamples?: number
}

/**
 * The quantile of the lane's transit times in hours, or null with too few
 * samples. Negative, NaN and infinite samples are dropped as bad data before
 * counting. Linear interpolation between order statistics (numpy's default), so
 * the median of an even count is the mean of the two middle values. A sweep
 * should call this once per lane and tier, not once per parcel.
 */
export function transitHoursQuantile(samples: readonly number[], options: PredictionOptions = {}): number | null {
  const { quantile = DEFAULT_QUANTILE, minSamples = MIN_SAMPLES } = options
  if (!(quantile >= 0 && quantile <= 1)) throw new RangeError(`quantile must be within 0–1: ${quantile}`)
  const usable = samples.filter((h) => Number.isFinite(h) && h >= 0).sort((a, b) => a - b)
  if (usable.length === 0 || usable.length < minSamples) return null
  const pos = (usable.length - 1) * quantile
  const lo = Math.floor(pos)
  const below = usable[lo]!
  const above = usable[Math.min(lo + 1, usable.length - 1)]!
  return below + (above - below) * (pos - lo)
}

/**
 * Predicted arrival: `from` (the collection time, with collection-to-delivery
 * samples; or the last scan, with samples of hours remaining from such a scan)
 * plus the quantile of the samples. Null with fewer than `minSamples` samples.
 */
export function predictArrival(
  from: Date,
  transitHoursSamples: readonly number[],
  options: PredictionOptions = {},
): Date | null {
  const hours = transitHoursQuantile(transitHoursSamples, options)
  return hours === null ? null : new Date(from.getTime() + Math.round(hours * HOUR_MS))
}
