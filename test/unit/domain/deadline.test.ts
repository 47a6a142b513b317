import { describe, expect, it } from 'vitest'
import { createCalendar } from '../../../server/domain/calendar.ts'
import { computePromise, startDayOf, TIER_WORKING_DAYS } from '../../../server/domain/deadline.ts'

const calendar = createCalendar()
/** An instant written in Shanghai local time. */
const sh = (local: string): Date => new Date(`${local}+08:00`)
/** The end of a Shanghai day, as a deadline. */
const endOf = (day: string): Date => sh(`${day}T23:59:59.999`)

describe('tiers', () => {
  it('promises express 1–2, standard 2–3 and economy 4–5 working days', () => {
    expect(TIER_WORKING_DAYS).toEqual({
      express: { min: 1, max: 2 },
      standard: { min: 2, max: 3 },
      economy: { min: 4, max: 5 },
    })
  })
})

describe('an ordinary week (Monday 2025-03-10)', () => {
  it('standard collected Monday 10:00 is due by Thursday 23:59:59.999 Shanghai, earliest Wednesday', () => {
    const p = computePromise(sh('2025-03-10T10:00:00'), 'standard', calendar)
    expect(p.startDay).toBe('2025-03-10')
    expect(p.earliest).toEqual(endOf('2025-03-12'))
    expect(p.deadline).toEqual(endOf('2025-03-13'))
    expect(p.deadline.toISOString()).toBe('2025-03-13T15:59:59.999Z')
  })

  it('express collected Monday 10:00 is due Wednesday, earliest Tuesday', () => {
    const p = computePromise(sh('2025-03-10T10:00:00'), 'express', calendar)
    expect(p.earliest).toEqual(endOf('2025-03-11'))
    expect(p.deadline).toEqual(endOf('2025-03-12'))
  })

  it('economy collected Monday 10:00 is due the next Monday, earliest Friday, skipping the weekend', () => {
    const p = computePromise(sh('2025-03-10T10:00:00'), 'economy', calendar)
    expect(p.earliest).toEqual(endOf('2025-03-14'))
    expect(p.deadline).toEqual(endOf('2025-03-17'))
  })
})

describe('cut-off', () => {
  it('counts a parcel collected Monday 19:00 from Tuesday (standard due Friday)', () => {
    const p = computePromise(sh('2025-03-10T19:00:00'), 'standard', calendar)
    expect(p.startDay).toBe('2025-03-11')
    expect(p.earliest).toEqual(endOf('2025-03-13'))
    expect(p.deadline).toEqual(endOf('2025-03-14'))
  })

  it('counts 17:59:59.999 from the same day and 18:00:00.000 exactly from the next', () => {
    expect(startDayOf(sh('2025-03-10T17:59:59.999'), calendar)).toBe('2025-03-10')
    expect(startDayOf(sh('2025-03-10T18:00:00.000'), calendar)).toBe('2025-03-11')
  })

  it('uses the Shanghai date, not the UTC one: Tuesday 00:30 Shanghai is still Monday in UTC', () => {
    const at = new Date('2025-03-10T16:30:00Z')
    expect(startDayOf(at, calendar)).toBe('2025-03-11')
  })

  it('takes a configurable cut-off hour, fractions allowed', () => {
    expect(computePromise(sh('2025-03-10T19:00:00'), 'standard', calendar, { cutoffHour: 20 }).startDay).toBe(
      '2025-03-10',
    )
    expect(computePromise(sh('2025-03-10T17:45:00'), 'standard', calendar, { cutoffHour: 17.5 }).startDay).toBe(
      '2025-03-11',
    )
  })

  it('counts a Friday evening collection from Monday', () => {
    expect(startDayOf(sh('2025-03-14T18:30:00'), calendar)).toBe('2025-03-17')
  })

  it('rejects a cut-off hour outside 0–24', () => {
    expect(() => computePromise(sh('2025-03-10T10:00:00'), 'standard', calendar, { cutoffHour: 25 })).toThrow(
      RangeError,
    )
    expect(() => computePromise(sh('2025-03-10T10:00:00'), 'standard', calendar, { cutoffHour: Number.NaN })).toThrow(
      RangeError,
    )
  })
})

describe('non-working collection days', () => {
  it('counts a parcel collected on Saturday from Monday (standard due Thursday)', () => {
    const p = computePromise(sh('2025-03-15T10:00:00'), 'standard', calendar)
    expect(p.startDay).toBe('2025-03-17')
    expect(p.deadline).toEqual(endOf('2025-03-20'))
  })

  it('counts a parcel collected Sunday morning from Monday, whatever the hour', () => {
    expect(startDayOf(sh('2025-03-16T08:00:00'), calendar)).toBe('2025-03-17')
  })
})

describe('National Day', () => {
  it('2026 (1–7 Oct off, Saturday 10 Oct worked): standard collected Wed 30 Sep is due Saturday 10 Oct', () => {
    const p = computePromise(sh('2026-09-30T10:00:00'), 'standard', calendar)
    expect(p.startDay).toBe('2026-09-30')
    expect(p.earliest).toEqual(endOf('2026-10-09'))
    expect(p.deadline).toEqual(endOf('2026-10-10'))
  })

  it('2026: economy collected Wed 30 Sep is due Tuesday 13 Oct (8, 9, 10, 12, 13)', () => {
    const p = computePromise(sh('2026-09-30T10:00:00'), 'economy', calendar)
    expect(p.earliest).toEqual(endOf('2026-10-12'))
    expect(p.deadline).toEqual(endOf('2026-10-13'))
  })

  it('2025 (1–8 Oct off, Saturday 11 Oct worked): standard collected Tue 30 Sep is due Saturday 11 Oct', () => {
    const p = computePromise(sh('2025-09-30T10:00:00'), 'standard', calendar)
    expect(p.deadline).toEqual(endOf('2025-10-11'))
  })

  it('counts a parcel collected during the holiday from the first working day after it', () => {
    const p = computePromise(sh('2025-10-03T10:00:00'), 'express', calendar)
    expect(p.startDay).toBe('2025-10-09')
    expect(p.deadline).toEqual(endOf('2025-10-11'))
  })
})

describe('Spring Festival 2026 (15–23 Feb off, Saturdays 14 and 28 Feb worked)', () => {
  it('express collected Friday 13 Feb: earliest the make-up Saturday 14, due Tuesday 24 Feb', () => {
    const p = computePromise(sh('2026-02-13T10:00:00'), 'express', calendar)
    expect(p.earliest).toEqual(endOf('2026-02-14'))
    expect(p.deadline).toEqual(endOf('2026-02-24'))
  })

  it('standard collected Thursday 12 Feb after the cut-off counts from Friday and is due Wednesday 25 Feb', () => {
    const p = computePromise(sh('2026-02-12T19:00:00'), 'standard', calendar)
    expect(p.startDay).toBe('2026-02-13')
    expect(p.deadline).toEqual(endOf('2026-02-25'))
  })
})

describe('调休 make-up Saturday', () => {
  it('counts a parcel collected on the working Saturday 14 Feb 2026 from that Saturday (standard due Thu 26 Feb)', () => {
    const p = computePromise(sh('2026-02-14T10:00:00'), 'standard', calendar)
    expect(p.startDay).toBe('2026-02-14')
    expect(p.earliest).toEqual(endOf('2026-02-25'))
    expect(p.deadline).toEqual(endOf('2026-02-26'))
  })

  it('counts a parcel collected on the working Saturday 10 Oct 2026 from that Saturday (standard due Wed 14 Oct)', () => {
    const p = computePromise(sh('2026-10-10T10:00:00'), 'standard', calendar)
    expect(p.startDay).toBe('2026-10-10')
    expect(p.deadline).toEqual(endOf('2026-10-14'))
  })

  it('applies the cut-off on a make-up Saturday too', () => {
    expect(startDayOf(sh('2026-02-14T18:00:00'), calendar)).toBe('2026-02-24')
  })
})

describe('company days off', () => {
  const withDayOff = createCalendar({ companyDaysOff: ['2025-03-12'] })

  it('skips a company day off: standard collected Monday is due Friday instead of Thursday', () => {
    const p = computePromise(sh('2025-03-10T10:00:00'), 'standard', withDayOff)
    expect(p.earliest).toEqual(endOf('2025-03-13'))
    expect(p.deadline).toEqual(endOf('2025-03-14'))
  })

  it('counts a parcel collected on a company day off from the next working day', () => {
    expect(startDayOf(sh('2025-03-12T09:00:00'), withDayOff)).toBe('2025-03-13')
  })

  it('counts from a company extra working day', () => {
    const withSunday = createCalendar({ companyWorkdays: ['2025-03-16'] })
    const p = computePromise(sh('2025-03-14T19:00:00'), 'express', withSunday)
    expect(p.startDay).toBe('2025-03-16')
    expect(p.deadline).toEqual(endOf('2025-03-18'))
  })

  it('in a year without official data New Year counts as worked unless an admin takes it off', () => {
    // 2099 stands for "next year before the State Council publishes its holidays".
    expect(calendar.isCovered('2099-01-01')).toBe(false)
    const plain = computePromise(sh('2098-12-31T10:00:00'), 'express', calendar)
    expect(plain.earliest).toEqual(endOf('2099-01-01'))
    expect(plain.deadline).toEqual(endOf('2099-01-02'))
    const patched = computePromise(
      sh('2098-12-31T10:00:00'),
      'express',
      createCalendar({ companyDaysOff: ['2099-01-01'] }),
    )
    expect(patched.earliest).toEqual(endOf('2099-01-02'))
    expect(patched.deadline).toEqual(endOf('2099-01-05'))
  })
})

describe('input checks', () => {
  it('rejects an unknown tier', () => {
    expect(() => computePromise(sh('2025-03-10T10:00:00'), 'overnight' as never, calendar)).toThrow(RangeError)
  })

  it('rejects an invalid collection time', () => {
    expect(() => computePromise(new Date(Number.NaN), 'standard', calendar)).toThrow(RangeError)
  })
})
