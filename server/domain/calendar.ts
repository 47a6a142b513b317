/**
 * The working-day calendar the delivery promises are counted in. Pure: no clock,
 * no driver; the official data is a static import.
 *
 * A "day" is a calendar date in Asia/Shanghai written 'YYYY-MM-DD'. China has kept
 * UTC+8 all year since 1991 (see clock.ts), so day boundaries are a fixed offset.
 *
 * Whether a day is worked, first rule that applies:
 *  1. a company extra working day (admin)                → working;
 *  2. a company day off (admin)                          → off;
 *  3. an official make-up working day (调休, e.g. a Saturday) → working;
 *  4. an official public holiday                         → off;
 *  5. otherwise Monday–Friday working, Saturday–Sunday off.
 *
 * Official days come from the data file of the `chinese-days` package (State
 * Council notices, 2004 onwards), not from its functions: those parse the date as
 * UTC and then read the weekday in the process's time zone, so on a server set to
 * a zone west of UTC they call every Monday a Sunday. The package answers years it
 * has no data for (before 2004, or next year before the State Council publishes
 * it, usually in November) silently with plain Monday–Friday; we do the same, rule
 * 5, but say so: `isCovered(day)` and `coveredYears` let callers warn, because such
 * a year's holidays (New Year's Day, Spring Festival…) count as working days until
 * the package is updated or an admin enters them as company days off.
 *
 * Speed: a sweep asks this millions of times, so days are handled as integers
 * (days since 1970-01-01) with Howard Hinnant's civil-date formulas, and each
 * day's answer is memoised in a byte table on first use.
 */
import chineseDays from 'chinese-days/dist/chinese-days.json' with { type: 'json' }
import { DAY_MS, SHANGHAI_OFFSET_MS as OFFSET_MS } from './clock.ts'

export type Day = string

interface OfficialData {
  holidays: Record<string, string>
  workdays: Record<string, string>
}
const OFFICIAL: OfficialData = chineseDays

// ---------------------------------------------------------------------------
// Day <-> integer conversions

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146_097 + doe - 719_468
}

// Days 1900-01-01 … 2199-12-31 are memoised (strings here, answers per calendar below).
const TABLE_FIRST = daysFromCivil(1900, 1, 1)
const TABLE_SIZE = daysFromCivil(2200, 1, 1) - TABLE_FIRST
const DAY_STRINGS: (Day | undefined)[] = new Array<Day | undefined>(TABLE_SIZE).fill(undefined)

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n)
}

/** 'YYYY-MM-DD' of a day number, memoised: a sweep formats the same few hundred days over and over. */
function formatDay(z: number): Day {
  const i = z - TABLE_FIRST
  if (i < 0 || i >= TABLE_SIZE) return civilFromDays(z)
  return (DAY_STRINGS[i] ??= civilFromDays(z))
}

/** 'YYYY-MM-DD' of a day number (Hinnant's civil_from_days). */
function civilFromDays(z: number): Day {
  const zz = z + 719_468
  const era = Math.floor(zz / 146_097)
  const doe = zz - era * 146_097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0)
  return `${y >= 1000 ? y : String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48
  return c >= 0 && c <= 9 ? c : NaN
}

/**
 * Day number of a 'YYYY-MM-DD' string. Throws on anything else, including dates
 * that do not exist (2026-02-30): a silent wrong answer would move a deadline.
 */
function parseDay(day: Day): number {
  if (typeof day !== 'string' || day.length !== 10 || day.charCodeAt(4) !== 45 || day.charCodeAt(7) !== 45) {
    throw new RangeError(`not a day (YYYY-MM-DD): ${String(day)}`)
  }
  const y = digit(day, 0) * 1000 + digit(day, 1) * 100 + digit(day, 2) * 10 + digit(day, 3)
  const m = digit(day, 5) * 10 + digit(day, 6)
  const d = digit(day, 8) * 10 + digit(day, 9)
  if (!(y >= 0 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m))) {
    throw new RangeError(`not a day (YYYY-MM-DD): ${day}`)
  }
  return daysFromCivil(y, m, d)
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31
}

/** 0 = Sunday … 6 = Saturday. 1970-01-01 was a Thursday. */
function weekday(z: number): number {
  return (((z + 4) % 7) + 7) % 7
}

// ---------------------------------------------------------------------------
// Shanghai day boundaries (calendar-independent, also exported on their own)

/** The Shanghai calendar date of an instant. */
export function shanghaiDay(at: Date): Day {
  const t = at.getTime()
  if (!Number.isFinite(t)) throw new RangeError('invalid date')
  return formatDay(Math.floor((t + OFFSET_MS) / DAY_MS))
}

/** 00:00:00.000 Asia/Shanghai of the day. */
export function startOfDay(day: Day): Date {
  return new Date(parseDay(day) * DAY_MS - OFFSET_MS)
}

/** 23:59:59.999 Asia/Shanghai of the day: the last instant that still belongs to it. */
export function endOfDay(day: Day): Date {
  return new Date((parseDay(day) + 1) * DAY_MS - OFFSET_MS - 1)
}

// ---------------------------------------------------------------------------
// Official coverage

/** Years the official data covers, ascending (2004–2026 with chinese-days 1.5.7). */
export const COVERED_YEARS: readonly number[] = Object.freeze(
  [...new Set(Object.keys(OFFICIAL.holidays).map((d) => Number(d.slice(0, 4))))].sort((a, b) => a - b),
)
const COVERED = new Set(COVERED_YEARS)

// ---------------------------------------------------------------------------
// The calendar

export interface CalendarOptions {
  /** Extra days off decided by the company, e.g. '2026-12-31'. */
  companyDaysOff?: readonly Day[]
  /** Extra working days decided by the company, e.g. a peak-season Sunday. */
  companyWorkdays?: readonly Day[]
}

export interface WorkingCalendar {
  /** Years with official holiday data; other years fall back to Monday–Friday. */
  readonly coveredYears: readonly number[]
  readonly companyDaysOff: readonly Day[]
  readonly companyWorkdays: readonly Day[]
  /** Whether the official data covers the day's year (otherwise Monday–Friday is assumed). */
  isCovered(day: Day): boolean
  isWorkingDay(day: Day): boolean
  /** The first working day strictly after `day`. */
  nextWorkingDay(day: Day): Day
  /**
   * The n-th working day strictly after `day` (n > 0), before it (n < 0), or `day`
   * itself for n = 0, whether or not `day` is a working day.
   */
  addWorkingDays(day: Day, n: number): Day
  shanghaiDay(at: Date): Day
  startOfDay(day: Day): Date
  endOfDay(day: Day): Date
}

// Memo table: one byte per day (0 = not yet known, 1 = working, 2 = off), for
// the days of TABLE_FIRST … TABLE_FIRST + TABLE_SIZE - 1 (1900–2199); other days
// are computed each time.
const UNKNOWN = 0
const WORKING = 1
const OFF = 2

function dayNumbers(days: readonly Day[] | undefined): Set<number> {
  return new Set((days ?? []).map(parseDay))
}

export function createCalendar(options: CalendarOptions = {}): WorkingCalendar {
  const companyOff = dayNumbers(options.companyDaysOff)
  const companyWork = dayNumbers(options.companyWorkdays)
  for (const z of companyOff) {
    if (companyWork.has(z)) {
      throw new RangeError(`${formatDay(z)} is both a company day off and a company working day`)
    }
  }
  const table = new Uint8Array(TABLE_SIZE)

  function compute(z: number): boolean {
    if (companyWork.has(z)) return true
    if (companyOff.has(z)) return false
    const day = formatDay(z)
    if (OFFICIAL.workdays[day] !== undefined) return true
    if (OFFICIAL.holidays[day] !== undefined) return false
    const w = weekday(z)
    return w !== 0 && w !== 6
  }

  function works(z: number): boolean {
    const i = z - TABLE_FIRST
    if (i < 0 || i >= TABLE_SIZE) return compute(z)
    const known = table[i]
    if (known !== UNKNOWN) return known === WORKING
    const answer = compute(z)
    table[i] = answer ? WORKING : OFF
    return answer
  }

  function step(z: number, n: number): number {
    const dir = n > 0 ? 1 : -1
    let left = Math.abs(n)
    while (left > 0) {
      z += dir
      if (works(z)) left--
    }
    return z
  }

  const sorted = (set: Set<number>): readonly Day[] => Object.freeze([...set].sort((a, b) => a - b).map(formatDay))

  return Object.freeze({
    coveredYears: COVERED_YEARS,
    companyDaysOff: sorted(companyOff),
    companyWorkdays: sorted(companyWork),
    isCovered(day: Day): boolean {
      parseDay(day) // validates
      return COVERED.has(Number(day.slice(0, 4)))
    },
    isWorkingDay: (day: Day) => works(parseDay(day)),
    nextWorkingDay: (day: Day) => formatDay(step(parseDay(day), 1)),
    addWorkingDays(day: Day, n: number): Day {
      if (!Number.isSafeInteger(n)) throw new RangeError(`working days must be an integer: ${n}`)
      return formatDay(step(parseDay(day), n))
    },
    shanghaiDay,
    startOfDay,
    endOfDay,
  })
}
