/**
 * The delivery promise of the manual's tiers, in working days. Pure: the calendar
 * and the collection time are parameters.
 *
 *  - tiers: express 1–2 working days, standard 2–3, economy 4–5;
 *  - start day: a parcel collected on a working day before the cut-off (18:00
 *    Asia/Shanghai unless configured) counts from that day; one collected at or
 *    after the cut-off, or on a day that is not worked, counts from the next
 *    working day;
 *  - deadline = end (23:59:59.999 Asia/Shanghai) of the N-th working day after
 *    the start day, N = the tier's upper bound (2, 3, 5);
 *  - earliest = end of the lower bound's working day after the start day
 *    (1, 2, 4): the customer is told "between earliest's day and deadline's day".
 *
 * Example: standard, collected Monday 10:00 in an ordinary week → start Monday,
 * earliest end of Wednesday, deadline end of Thursday.
 */
import type { Day, WorkingCalendar } from './calendar.ts'
import type { Tier } from './fees.ts'

export const TIER_WORKING_DAYS: Readonly<Record<Tier, { readonly min: number; readonly max: number }>> = {
  express: { min: 1, max: 2 },
  standard: { min: 2, max: 3 },
  economy: { min: 4, max: 5 },
}

export const DEFAULT_CUTOFF_HOUR = 18

export interface PromiseOptions {
  /** Shanghai hour (0–24, fractions allowed: 17.5 = 17:30) from which a collection counts from the next working day. */
  cutoffHour?: number
}

export interface DeliveryPromise {
  /** The working day the tier's working days are counted from. */
  startDay: Day
  /** End of the first day the parcel can be expected. */
  earliest: Date
  /** End of the last day the promise allows. */
  deadline: Date
}

type Calendar = Pick<
  WorkingCalendar,
  'isWorkingDay' | 'nextWorkingDay' | 'addWorkingDays' | 'shanghaiDay' | 'startOfDay' | 'endOfDay'
>

/** The working day a collection at `collectedAt` counts from. */
export function startDayOf(collectedAt: Date, calendar: Calendar, cutoffHour: number = DEFAULT_CUTOFF_HOUR): Day {
  if (!(cutoffHour >= 0 && cutoffHour <= 24)) throw new RangeError(`cut-off hour must be within 0–24: ${cutoffHour}`)
  const day = calendar.shanghaiDay(collectedAt)
  const cutoff = calendar.startOfDay(day).getTime() + cutoffHour * 3_600_000
  return calendar.isWorkingDay(day) && collectedAt.getTime() < cutoff ? day : calendar.nextWorkingDay(day)
}

export function computePromise(
  collectedAt: Date,
  tier: Tier,
  calendar: Calendar,
  { cutoffHour = DEFAULT_CUTOFF_HOUR }: PromiseOptions = {},
): DeliveryPromise {
  const bounds = TIER_WORKING_DAYS[tier]
  if (bounds === undefined) throw new RangeError(`unknown tier: ${String(tier)}`)
  const startDay = startDayOf(collectedAt, calendar, cutoffHour)
  return {
    startDay,
    earliest: calendar.endOfDay(calendar.addWorkingDays(startDay, bounds.min)),
    deadline: calendar.endOfDay(calendar.addWorkingDays(startDay, bounds.max)),
  }
}
