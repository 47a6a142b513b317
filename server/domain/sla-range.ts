/**
 * The period of an SLA report: whole Asia/Shanghai days, `from` to `to`
 * inclusive, and the period of equal length just before it. Pure.
 */
import { DAY_MS, SHANGHAI_OFFSET_MS as OFFSET_MS } from './clock.ts'

export const MAX_RANGE_DAYS = 366

export interface DayRange {
  from: string
  to: string
  days: number
  /** Start of `from` (Shanghai midnight). */
  start: Date
  /** Start of the day after `to`: the range is [start, end). */
  end: Date
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/

/** Shanghai midnight of a YYYY-MM-DD day, or null when it is not a real calendar day. */
export function dayStart(day: string): Date | null {
  const m = DAY_RE.exec(day)
  if (!m) return null
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  if (new Date(utc).toISOString().slice(0, 10) !== day) return null
  return new Date(utc - OFFSET_MS)
}

export function dayOf(at: Date): string {
  return new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 10)
}

export function addDays(day: string, n: number): string {
  const start = dayStart(day)
  if (!start) throw new RangeError(`not a day: ${day}`)
  return dayOf(new Date(start.getTime() + n * DAY_MS))
}

export class RangeProblem extends Error {}

/** Validates a day range; throws RangeProblem with a message fit for a 400. */
export function dayRange(from: string, to: string): DayRange {
  const start = dayStart(from)
  const last = dayStart(to)
  if (!start) throw new RangeProblem(`from: not a calendar day as YYYY-MM-DD: ${from}`)
  if (!last) throw new RangeProblem(`to: not a calendar day as YYYY-MM-DD: ${to}`)
  if (last < start) throw new RangeProblem(`to (${to}) is before from (${from})`)
  const days = Math.round((last.getTime() - start.getTime()) / DAY_MS) + 1
  if (days > MAX_RANGE_DAYS) throw new RangeProblem(`the range spans ${days} days; at most ${MAX_RANGE_DAYS}`)
  return { from, to, days, start, end: new Date(last.getTime() + DAY_MS) }
}

/** The period of the same length that ends the day before `range` starts. */
export function previousRange(range: DayRange): DayRange {
  return dayRange(addDays(range.from, -range.days), addDays(range.from, -1))
}
