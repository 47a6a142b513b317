import { describe, expect, it } from 'vitest'
import chineseDays from 'chinese-days'
import { COVERED_YEARS, createCalendar, endOfDay, shanghaiDay, startOfDay } from '../../../server/domain/calendar.ts'

const official = createCalendar()

describe('official working days (chinese-days data)', () => {
  it('works Monday to Friday and rests at the weekend in an ordinary week', () => {
    // 2025-03-10 is a Monday.
    expect(['10', '11', '12', '13', '14', '15', '16'].map((d) => official.isWorkingDay(`2025-03-${d}`))).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ])
  })

  it('rests on National Day 2025 (1–8 October) and works the make-up Sunday 28 Sep and Saturday 11 Oct', () => {
    for (let d = 1; d <= 8; d++) expect(official.isWorkingDay(`2025-10-0${d}`)).toBe(false)
    expect(official.isWorkingDay('2025-09-28')).toBe(true)
    expect(official.isWorkingDay('2025-10-11')).toBe(true)
  })

  it('rests on Spring Festival 2026 (15–23 February) and works the make-up Saturdays 14 and 28 February', () => {
    for (let d = 15; d <= 23; d++) expect(official.isWorkingDay(`2026-02-${d}`)).toBe(false)
    expect(official.isWorkingDay('2026-02-14')).toBe(true)
    expect(official.isWorkingDay('2026-02-28')).toBe(true)
    expect(official.isWorkingDay('2026-02-24')).toBe(true)
  })

  it('rests on National Day 2026 (1–7 October) and works the make-up Saturday 10 October', () => {
    for (let d = 1; d <= 7; d++) expect(official.isWorkingDay(`2026-10-0${d}`)).toBe(false)
    expect(official.isWorkingDay('2026-10-08')).toBe(true)
    expect(official.isWorkingDay('2026-10-10')).toBe(true)
    expect(official.isWorkingDay('2026-10-11')).toBe(false)
  })
})

describe('holiday data coverage', () => {
  it('covers 2004 to at least 2026, one entry per year, ascending', () => {
    expect(COVERED_YEARS[0]).toBe(2004)
    expect(COVERED_YEARS).toContain(2025)
    expect(COVERED_YEARS).toContain(2026)
    expect(COVERED_YEARS).toEqual([...new Set(COVERED_YEARS)].sort((a, b) => a - b))
    expect(official.coveredYears).toBe(COVERED_YEARS)
  })

  it('says whether a day is covered', () => {
    expect(official.isCovered('2026-10-01')).toBe(true)
    expect(official.isCovered('2003-10-01')).toBe(false)
    expect(official.isCovered('2099-10-01')).toBe(false)
  })

  it('falls back to Monday–Friday outside the covered years (New Year 2099 is then a working Thursday)', () => {
    const lastCovered = COVERED_YEARS[COVERED_YEARS.length - 1]!
    expect(lastCovered).toBeLessThan(2099)
    expect(official.isWorkingDay('2099-01-01')).toBe(true) // Thursday
    expect(official.isWorkingDay('2099-01-03')).toBe(false) // Saturday
    expect(official.isWorkingDay('2003-10-01')).toBe(true) // Wednesday, before the data starts
    expect(official.nextWorkingDay('2099-01-02')).toBe('2099-01-05')
  })

  // The package reads the weekday in the process's local time, so it is right
  // only where local time is at or east of UTC; calendar.ts does not depend on it
  // (this whole file also passes with TZ=America/New_York).
  const packageIsReliableHere = [0, 6].every((month) => new Date(2025, month, 1).getTimezoneOffset() <= 0)
  it.skipIf(!packageIsReliableHere)('agrees with chinese-days isWorkday on every day 2000–2030', () => {
    const mismatches: string[] = []
    for (let t = Date.UTC(2000, 0, 1); t < Date.UTC(2031, 0, 1); t += 86_400_000) {
      const day = new Date(t).toISOString().slice(0, 10)
      if (official.isWorkingDay(day) !== chineseDays.isWorkday(day)) mismatches.push(day)
    }
    expect(mismatches).toEqual([])
  })
})

describe('company days', () => {
  it('takes a company day off on an otherwise working day', () => {
    const cal = createCalendar({ companyDaysOff: ['2026-12-31'] })
    expect(official.isWorkingDay('2026-12-31')).toBe(true)
    expect(cal.isWorkingDay('2026-12-31')).toBe(false)
    expect(cal.nextWorkingDay('2026-12-30')).not.toBe('2026-12-31')
  })

  it('makes a company working day of a Sunday or a public holiday', () => {
    const cal = createCalendar({ companyWorkdays: ['2025-03-16', '2026-10-03'] })
    expect(cal.isWorkingDay('2025-03-16')).toBe(true)
    expect(cal.isWorkingDay('2026-10-03')).toBe(true)
  })

  it('can take a company day off on an official make-up Saturday', () => {
    const cal = createCalendar({ companyDaysOff: ['2026-02-14'] })
    expect(cal.isWorkingDay('2026-02-14')).toBe(false)
  })

  it('rejects a day that is both a company day off and a company working day', () => {
    expect(() => createCalendar({ companyDaysOff: ['2026-12-31'], companyWorkdays: ['2026-12-31'] })).toThrow(
      RangeError,
    )
  })

  it('rejects malformed company days', () => {
    expect(() => createCalendar({ companyDaysOff: ['2026-12-32'] })).toThrow(RangeError)
    expect(() => createCalendar({ companyDaysOff: ['31/12/2026'] })).toThrow(RangeError)
  })

  it('is immutable: changing the options array afterwards changes nothing', () => {
    const daysOff = ['2026-12-31']
    const cal = createCalendar({ companyDaysOff: daysOff })
    daysOff.push('2026-12-30')
    expect(cal.isWorkingDay('2026-12-30')).toBe(true)
    expect(cal.companyDaysOff).toEqual(['2026-12-31'])
    expect(Object.isFrozen(cal)).toBe(true)
    expect(Object.isFrozen(cal.companyDaysOff)).toBe(true)
  })

  it('does not share company days between calendars', () => {
    const a = createCalendar({ companyDaysOff: ['2025-03-12'] })
    expect(a.isWorkingDay('2025-03-12')).toBe(false)
    expect(official.isWorkingDay('2025-03-12')).toBe(true)
  })
})

describe('working-day arithmetic', () => {
  it('nextWorkingDay is strictly after the day and skips weekends and holidays', () => {
    expect(official.nextWorkingDay('2025-03-10')).toBe('2025-03-11')
    expect(official.nextWorkingDay('2025-03-14')).toBe('2025-03-17') // Friday → Monday
    expect(official.nextWorkingDay('2025-09-30')).toBe('2025-10-09') // over National Day
    expect(official.nextWorkingDay('2026-02-13')).toBe('2026-02-14') // onto the make-up Saturday
  })

  it('addWorkingDays counts working days after the day, returns the day itself for 0, and goes back for negative n', () => {
    expect(official.addWorkingDays('2025-03-10', 3)).toBe('2025-03-13')
    expect(official.addWorkingDays('2025-03-15', 0)).toBe('2025-03-15')
    expect(official.addWorkingDays('2025-03-15', 1)).toBe('2025-03-17')
    expect(official.addWorkingDays('2025-03-13', -3)).toBe('2025-03-10')
    expect(official.addWorkingDays('2026-10-09', -2)).toBe('2026-09-30')
  })

  it('addWorkingDays crosses year ends and Spring Festival', () => {
    // 1–3 Jan 2026 off; Sunday 4 Jan is a make-up working day.
    expect(official.addWorkingDays('2025-12-31', 1)).toBe('2026-01-04')
    expect(official.addWorkingDays('2025-12-31', 2)).toBe('2026-01-05')
    expect(official.addWorkingDays('2026-02-13', 2)).toBe('2026-02-24')
  })

  it('rejects a non-integer number of working days', () => {
    expect(() => official.addWorkingDays('2025-03-10', 1.5)).toThrow(RangeError)
    expect(() => official.addWorkingDays('2025-03-10', Number.NaN)).toThrow(RangeError)
  })
})

describe('days and instants in Asia/Shanghai', () => {
  it('puts 16:00Z into the next Shanghai day (midnight at UTC+8)', () => {
    expect(shanghaiDay(new Date('2025-03-09T15:59:59.999Z'))).toBe('2025-03-09')
    expect(shanghaiDay(new Date('2025-03-09T16:00:00.000Z'))).toBe('2025-03-10')
    expect(official.shanghaiDay(new Date('2025-03-10T10:00:00+08:00'))).toBe('2025-03-10')
  })

  it('starts a day at 00:00 and ends it at 23:59:59.999 Shanghai', () => {
    expect(startOfDay('2025-03-13').toISOString()).toBe('2025-03-12T16:00:00.000Z')
    expect(endOfDay('2025-03-13').toISOString()).toBe('2025-03-13T15:59:59.999Z')
    expect(official.endOfDay('2024-12-31').toISOString()).toBe('2024-12-31T15:59:59.999Z')
  })

  it('round-trips every day from 1900 to 2200 (leap years included)', () => {
    for (let t = Date.UTC(1900, 0, 1); t < Date.UTC(2200, 0, 1); t += 86_400_000) {
      const day = new Date(t).toISOString().slice(0, 10)
      const start = startOfDay(day)
      if (start.getTime() !== t - 8 * 3_600_000 || shanghaiDay(start) !== day || shanghaiDay(endOfDay(day)) !== day) {
        throw new Error(`round trip failed for ${day}`)
      }
    }
  })

  it('rejects malformed or impossible days', () => {
    for (const bad of [
      '2026-02-30',
      '2100-02-29',
      '2026-2-3',
      '2026-13-01',
      '2026-00-10',
      'abcd-ef-gh',
      'abcd-03-10',
      '2026-0x-10',
      '',
      '2026-02-03T00:00',
    ]) {
      expect(() => official.isWorkingDay(bad), bad).toThrow(RangeError)
    }
    expect(official.isWorkingDay('2024-02-29')).toBe(true)
  })

  it('rejects an invalid Date', () => {
    expect(() => shanghaiDay(new Date(Number.NaN))).toThrow(RangeError)
  })
})
