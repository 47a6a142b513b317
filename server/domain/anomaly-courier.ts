/**
 * Couriers starting late or stopping early on one Shanghai working day (manual
 * 4.3.1 (5); rules in anomaly.ts). Pure: `now` is a parameter.
 */
import { shanghaiDay, startOfDay, type Day } from './calendar.ts'

const MINUTE_MS = 60_000

/** Shanghai wall-clock times 'HH:MM' (00:00–23:59); start before end, same day. */
export interface Shift {
  start: string
  end: string
}

export const DEFAULT_SHIFT: Readonly<Shift> = Object.freeze({ start: '08:30', end: '18:00' })
export const DEFAULT_GRACE_MINUTES = 30

export interface CourierDayInput {
  /** A working day of this courier, 'YYYY-MM-DD' in Shanghai. */
  day: Day
  /** The courier's first and last scan of the day; both null when none. */
  firstScan: Date | null
  lastScan: Date | null
  /** Default 08:30–18:00. */
  shift?: Shift
  /** Default 30. */
  graceMinutes?: number
}

/**
 * present — at least one scan this day;
 * absent  — no scan, and start + grace has passed at `now`;
 * not_yet — no scan, and start + grace has not passed yet.
 */
export type Attendance = 'present' | 'absent' | 'not_yet'

export interface CourierShiftResult {
  attendance: Attendance
  lateStart: boolean
  /** Whole minutes from the shift start to the first scan when lateStart, else 0. */
  minutesLate: number
  earlyStop: boolean
  /** Whole minutes from the last scan to the shift end when earlyStop, else 0. */
  minutesEarly: number
  /** Whether end + grace has passed at `now`, i.e. whether earlyStop is decided. */
  stopJudged: boolean
}

/** Minutes after midnight of 'HH:MM'; throws on anything else. */
function parseClock(name: string, hhmm: string): number {
  const m = typeof hhmm === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm) : null
  if (m === null) throw new RangeError(`${name} must be HH:MM (00:00–23:59): ${String(hhmm)}`)
  return Number(m[1]) * 60 + Number(m[2])
}

export function courierShiftCheck(input: CourierDayInput, now: Date): CourierShiftResult {
  const shift = input.shift ?? DEFAULT_SHIFT
  const grace = input.graceMinutes ?? DEFAULT_GRACE_MINUTES
  if (!(Number.isFinite(grace) && grace >= 0)) throw new RangeError(`graceMinutes must be ≥ 0: ${grace}`)
  const startMin = parseClock('shift start', shift.start)
  const endMin = parseClock('shift end', shift.end)
  if (startMin >= endMin)
    throw new RangeError(`shift must start before it ends, on the same day: ${shift.start}–${shift.end}`)

  const { firstScan, lastScan } = input
  if ((firstScan === null) !== (lastScan === null))
    throw new RangeError('firstScan and lastScan must both be set or both be null')
  for (const scan of [firstScan, lastScan]) {
    if (scan !== null && shanghaiDay(scan) !== input.day) {
      throw new RangeError(`scan ${scan.toISOString()} is not on ${input.day} (Asia/Shanghai)`)
    }
  }
  if (firstScan !== null && lastScan !== null && firstScan.getTime() > lastScan.getTime()) {
    throw new RangeError('firstScan is after lastScan')
  }

  const midnight = startOfDay(input.day).getTime()
  const start = midnight + startMin * MINUTE_MS
  const end = midnight + endMin * MINUTE_MS
  const graceMs = grace * MINUTE_MS
  const t = now.getTime()
  if (!Number.isFinite(t)) throw new RangeError('invalid now')
  const stopJudged = t > end + graceMs

  if (firstScan === null || lastScan === null) {
    const attendance: Attendance = t > start + graceMs ? 'absent' : 'not_yet'
    return { attendance, lateStart: false, minutesLate: 0, earlyStop: false, minutesEarly: 0, stopJudged }
  }
  const first = firstScan.getTime()
  const last = lastScan.getTime()
  const lateStart = first > start + graceMs
  const earlyStop = stopJudged && last < end - graceMs
  return {
    attendance: 'present',
    lateStart,
    minutesLate: lateStart ? Math.floor((first - start) / MINUTE_MS) : 0,
    earlyStop,
    minutesEarly: earlyStop ? Math.floor((end - last) / MINUTE_MS) : 0,
    stopJudged,
  }
}
