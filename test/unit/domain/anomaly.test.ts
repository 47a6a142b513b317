import { describe, expect, it } from 'vitest'
import {
  courierShiftCheck,
  exceptionSpike,
  hourOfWeek,
  hubVolumeAnomaly,
  hypergeometricUpperTail,
  lastCompleteHour,
  median,
  medianAbsoluteDeviation,
  sameHourInPreviousWeeks,
  type CourierDayInput,
} from '../../../server/domain/anomaly.ts'

// ---------------------------------------------------------------------------
// Hour of week

describe('hourOfWeek (Asia/Shanghai, Monday 00:00 = 0)', () => {
  it('is 0 at Monday 00:00 Shanghai, which is Sunday 16:00 UTC', () => {
    // 2025-03-10 is a Monday.
    expect(hourOfWeek(new Date('2025-03-10T00:00:00+08:00'))).toBe(0)
    expect(hourOfWeek(new Date('2025-03-09T16:00:00Z'))).toBe(0)
  })

  it('is 167 one millisecond earlier, Sunday 23:59:59.999 Shanghai (still Sunday 15:59 UTC)', () => {
    expect(hourOfWeek(new Date('2025-03-09T15:59:59.999Z'))).toBe(167)
  })

  it('follows the Shanghai date, not the UTC date, across the UTC midnight', () => {
    // 2025-03-11 23:30 UTC is Wednesday 07:30 in Shanghai (UTC still says Tuesday).
    expect(hourOfWeek(new Date('2025-03-11T23:30:00Z'))).toBe(2 * 24 + 7)
    // 2025-03-12 15:59 UTC is Wednesday 23:59, 16:00 UTC is Thursday 00:00.
    expect(hourOfWeek(new Date('2025-03-12T15:59:00Z'))).toBe(2 * 24 + 23)
    expect(hourOfWeek(new Date('2025-03-12T16:00:00Z'))).toBe(3 * 24)
  })

  it('gives the same hour-of-week 1…8 weeks back, and dates before 1970 too', () => {
    const at = new Date('2025-03-14T10:20:00+08:00') // Friday 10:20
    expect(hourOfWeek(at)).toBe(4 * 24 + 10)
    for (const d of sameHourInPreviousWeeks(at, 8)) expect(hourOfWeek(d)).toBe(4 * 24 + 10)
    expect(hourOfWeek(new Date('1969-12-29T00:00:00+08:00'))).toBe(0) // a Monday
  })

  it('sameHourInPreviousWeeks starts on the whole hour, most recent week first', () => {
    const weeks = sameHourInPreviousWeeks(new Date('2025-03-14T10:20:00+08:00'), 2)
    expect(weeks.map((d) => d.toISOString())).toEqual(['2025-03-07T02:00:00.000Z', '2025-02-28T02:00:00.000Z'])
  })

  it('lastCompleteHour is the hour before the current one', () => {
    const h = lastCompleteHour(new Date('2025-03-14T10:20:00+08:00'))
    expect(h.start.toISOString()).toBe('2025-03-14T01:00:00.000Z')
    expect(h.end.toISOString()).toBe('2025-03-14T02:00:00.000Z')
  })

  it('throws on an invalid date', () => {
    expect(() => hourOfWeek(new Date('nope'))).toThrow(RangeError)
  })
})

// ---------------------------------------------------------------------------
// Hub volume

describe('median and MAD', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
  })

  it('MAD is the median distance from the median', () => {
    expect(medianAbsoluteDeviation([1, 1, 2, 2, 4, 6, 9])).toBe(1)
  })
})

describe('hubVolumeAnomaly', () => {
  const busy = [195, 205, 210, 190, 200, 198]

  it('flags a hub that stops scanning (0 against ~200) as low', () => {
    const r = hubVolumeAnomaly({ observed: 0, baseline: busy })
    expect(r.status).toBe('low')
    expect(r.expected).toBe(199)
    expect(r.z).toBeLessThan(-3.5)
  })

  it('leaves normal noise alone (205 against 180–220)', () => {
    const r = hubVolumeAnomaly({ observed: 205, baseline: [180, 220, 195, 210, 188, 215, 200, 190] })
    expect(r.status).toBe('normal')
    expect(Math.abs(r.z!)).toBeLessThan(1)
  })

  it('flags a surge as high', () => {
    expect(hubVolumeAnomaly({ observed: 420, baseline: busy }).status).toBe('high')
  })

  it('does not flag a quiet outlet with nothing this hour (0 against 0–3)', () => {
    const r = hubVolumeAnomaly({ observed: 0, baseline: [0, 3, 1, 2, 0, 1] })
    expect(r.status).toBe('normal')
  })

  it('does not page for a few events at an outlet that usually has none (minimum difference)', () => {
    const r = hubVolumeAnomaly({ observed: 5, baseline: [0, 0, 0, 0] })
    expect(r.z).toBe(5) // scale floored at 1 event
    expect(r.status).toBe('normal')
    expect(hubVolumeAnomaly({ observed: 5, baseline: [0, 0, 0, 0] }, { minAbsDiff: 3 }).status).toBe('high')
  })

  it('does not divide by ~0 when every baseline week is equal (scale floor 10 % of the median)', () => {
    const r = hubVolumeAnomaly({ observed: 230, baseline: [200, 200, 200, 200] })
    expect(r.scale).toBe(20)
    expect(r.z).toBe(1.5)
    expect(r.status).toBe('normal')
  })

  it('ignores one outlier week in the baseline: the median does not move', () => {
    const clean = hubVolumeAnomaly({ observed: 205, baseline: [190, 195, 200, 205, 210] })
    const doubleEleven = hubVolumeAnomaly({ observed: 205, baseline: [190, 195, 200, 205, 5000] })
    const outage = hubVolumeAnomaly({ observed: 0, baseline: [190, 0, 200, 205, 210] })
    expect(clean.expected).toBe(200)
    expect(doubleEleven.expected).toBe(200)
    expect(doubleEleven.status).toBe('normal')
    expect(outage.expected).toBe(200)
    expect(outage.status).toBe('low')
  })

  it('reports insufficient_data with fewer than 3 usable baseline weeks', () => {
    expect(hubVolumeAnomaly({ observed: 0, baseline: [200, 210] })).toEqual({
      status: 'insufficient_data',
      z: null,
      expected: null,
      observed: 0,
      scale: null,
      samples: 2,
    })
    expect(hubVolumeAnomaly({ observed: 0, baseline: [] }).status).toBe('insufficient_data')
    // NaN and negative counts are dropped as bad data before counting.
    expect(hubVolumeAnomaly({ observed: 0, baseline: [200, NaN, -1, 210] }).status).toBe('insufficient_data')
    expect(hubVolumeAnomaly({ observed: 0, baseline: [200, 210, 190] }).status).toBe('low')
  })

  it('takes configurable thresholds and rejects bad ones', () => {
    expect(hubVolumeAnomaly({ observed: 150, baseline: busy }).status).toBe('normal')
    expect(hubVolumeAnomaly({ observed: 150, baseline: busy }, { zThreshold: 2 }).status).toBe('low')
    expect(hubVolumeAnomaly({ observed: 0, baseline: [200, 210] }, { minSamples: 2 }).status).toBe('low')
    expect(() => hubVolumeAnomaly({ observed: -1, baseline: busy })).toThrow(RangeError)
    expect(() => hubVolumeAnomaly({ observed: 1, baseline: busy }, { zThreshold: NaN })).toThrow(RangeError)
  })
})

// ---------------------------------------------------------------------------
// Exception spike

describe('hypergeometricUpperTail (one-sided Fisher exact test)', () => {
  // Reference values from scipy.stats.fisher_exact(table, alternative='greater').
  const cases: [recent: [number, number], baseline: [number, number], p: number][] = [
    [[12, 400], [100, 10_000], 0.0012147962856392767],
    [[2, 100], [100, 10_000], 0.2678955088705249],
    [[6, 200], [100, 10_000], 0.017815952464630174],
    [[7, 400], [100, 10_000], 0.11784950766137312],
    [[8, 300], [0, 5000], 9.6423378964929e-11],
    [[6, 50], [1, 20], 0.34843777820072813],
    [[3, 10], [2, 30], 0.08928766823503667],
    [[0, 10], [5, 30], 1],
    [[9, 12], [2, 30], 2.282224022011079e-5],
    [[40, 1000], [500, 70_000], 2.90661753374654e-17],
  ]
  it.each(cases)('matches scipy for recent %j vs baseline %j', ([k1, n1], [k0, n0], p) => {
    const got = hypergeometricUpperTail(n1 + n0, k1 + k0, n1, k1)
    expect(Math.abs(got - p) / p).toBeLessThan(1e-9)
  })

  it('matches exact rational arithmetic on every table of a small population', () => {
    const choose = (n: number, k: number): bigint => {
      let r = 1n
      for (let i = 0; i < k; i++) r = (r * BigInt(n - i)) / BigInt(i + 1)
      return r
    }
    const N = 30
    for (let K = 0; K <= N; K += 3) {
      for (let n = 0; n <= N; n += 4) {
        for (let k = 0; k <= n + 1; k++) {
          let num = 0n
          for (let x = k; x <= Math.min(n, K); x++) if (n - x <= N - K) num += choose(K, x) * choose(N - K, n - x)
          const exact = Number((num * 10n ** 18n) / choose(N, n)) / 1e18
          expect(hypergeometricUpperTail(N, K, n, k)).toBeCloseTo(exact, 12)
        }
      }
    }
  })
})

describe('exceptionSpike', () => {
  const baseline = { exceptions: 100, events: 10_000 } // 1 %

  it('is a spike at 12/400 against a 1 % baseline', () => {
    const r = exceptionSpike({ recent: { exceptions: 12, events: 400 }, baseline })
    expect(r.spike).toBe(true)
    expect(r.recentRate).toBe(0.03)
    expect(r.baselineRate).toBe(0.01)
    expect(r.ratio).toBeCloseTo(3, 12)
    expect(r.pValue).toBeCloseTo(0.00121, 5)
  })

  it('is not a spike at 2/100 against 1 %: too few exceptions', () => {
    const r = exceptionSpike({ recent: { exceptions: 2, events: 100 }, baseline })
    expect(r.spike).toBe(false)
    expect(r.ratio).toBeCloseTo(2, 12)
    // Even when the minimum count is waived, two exceptions are not significant.
    expect(exceptionSpike({ recent: { exceptions: 2, events: 100 }, baseline }, { minExceptions: 0 }).spike).toBe(false)
  })

  it('is not a spike at 6/200 against 1 %: three times the rate, but p ≈ 0.018 > 0.01', () => {
    const r = exceptionSpike({ recent: { exceptions: 6, events: 200 }, baseline })
    expect(r.spike).toBe(false)
    expect(r.pValue).toBeGreaterThan(0.01)
    expect(exceptionSpike({ recent: { exceptions: 6, events: 200 }, baseline }, { alpha: 0.05 }).spike).toBe(true)
  })

  it('is not a spike below the minimum ratio even when significant', () => {
    const r = exceptionSpike({
      recent: { exceptions: 1800, events: 100_000 },
      baseline: { exceptions: 1200, events: 100_000 },
    })
    expect(r.ratio).toBeCloseTo(1.5, 12)
    expect(r.pValue).toBeLessThan(1e-9)
    expect(r.spike).toBe(false)
  })

  it('does not trust a tiny baseline: 6/50 against 1/20 is not a spike', () => {
    const r = exceptionSpike({ recent: { exceptions: 6, events: 50 }, baseline: { exceptions: 1, events: 20 } })
    expect(r.ratio).toBeCloseTo(2.4, 12)
    expect(r.spike).toBe(false)
  })

  it('is a spike against a baseline with events but no exceptions (ratio null)', () => {
    const r = exceptionSpike({ recent: { exceptions: 8, events: 300 }, baseline: { exceptions: 0, events: 5000 } })
    expect(r).toMatchObject({ spike: true, baselineRate: 0, ratio: null })
  })

  it('has nothing to compare without baseline or recent events', () => {
    expect(exceptionSpike({ recent: { exceptions: 8, events: 300 }, baseline: { exceptions: 0, events: 0 } })).toEqual({
      spike: false,
      recentRate: 8 / 300,
      baselineRate: null,
      ratio: null,
      pValue: 1,
    })
    expect(exceptionSpike({ recent: { exceptions: 0, events: 0 }, baseline })).toEqual({
      spike: false,
      recentRate: null,
      baselineRate: 0.01,
      ratio: null,
      pValue: 1,
    })
  })

  it('rejects impossible counts', () => {
    expect(() => exceptionSpike({ recent: { exceptions: 5, events: 4 }, baseline })).toThrow(RangeError)
    expect(() => exceptionSpike({ recent: { exceptions: 1.5, events: 4 }, baseline })).toThrow(RangeError)
    expect(() => exceptionSpike({ recent: { exceptions: 1, events: 4 }, baseline }, { alpha: 2 })).toThrow(RangeError)
  })
})

// ---------------------------------------------------------------------------
// Courier shifts

const sh = (hhmm: string, day = '2025-03-12'): Date => new Date(`${day}T${hhmm}+08:00`)
const courier = (first: string | null, last: string | null, over: Partial<CourierDayInput> = {}): CourierDayInput => ({
  day: '2025-03-12',
  firstScan: first === null ? null : sh(first),
  lastScan: last === null ? null : sh(last),
  ...over,
})

describe('courierShiftCheck: late start', () => {
  it('is a late start when the first scan is after 08:30 + 30 min, counting minutes from 08:30', () => {
    const r = courierShiftCheck(courier('09:10:00', '09:40:00'), sh('10:00:00'))
    expect(r).toMatchObject({ attendance: 'present', lateStart: true, minutesLate: 40 })
  })

  it('is not late within the grace, up to 09:00:00.000 exactly', () => {
    expect(courierShiftCheck(courier('08:59:00', '09:40:00'), sh('10:00:00')).lateStart).toBe(false)
    expect(courierShiftCheck(courier('09:00:00.000', '09:40:00'), sh('10:00:00')).lateStart).toBe(false)
    const r = courierShiftCheck(courier('09:00:00.001', '09:40:00'), sh('10:00:00'))
    expect(r).toMatchObject({ lateStart: true, minutesLate: 30 })
  })

  it('uses the courier own shift and grace', () => {
    const early = { shift: { start: '07:00', end: '16:00' }, graceMinutes: 10 }
    expect(courierShiftCheck(courier('07:20:00', '15:55:00', early), sh('17:00:00'))).toMatchObject({
      lateStart: true,
      minutesLate: 20,
      earlyStop: false,
      stopJudged: true,
    })
  })
})

describe('courierShiftCheck: early stop', () => {
  it('is not judged before the shift end + grace has passed', () => {
    const r = courierShiftCheck(courier('08:20:00', '16:00:00'), sh('17:00:00'))
    expect(r).toMatchObject({ earlyStop: false, minutesEarly: 0, stopJudged: false })
    expect(courierShiftCheck(courier('08:20:00', '16:00:00'), sh('18:30:00')).stopJudged).toBe(false)
  })

  it('is an early stop once 18:30 has passed and the last scan was before 17:30, counting minutes to 18:00', () => {
    const r = courierShiftCheck(courier('08:20:00', '16:00:00'), sh('18:30:00.001'))
    expect(r).toMatchObject({
      attendance: 'present',
      lateStart: false,
      earlyStop: true,
      minutesEarly: 120,
      stopJudged: true,
    })
  })

  it('is not an early stop with a last scan at 17:30 or later', () => {
    expect(courierShiftCheck(courier('08:20:00', '17:30:00'), sh('23:00:00')).earlyStop).toBe(false)
    expect(courierShiftCheck(courier('08:20:00', '17:29:59'), sh('23:00:00'))).toMatchObject({
      earlyStop: true,
      minutesEarly: 30,
    })
  })

  it('can be both a late start and an early stop', () => {
    expect(courierShiftCheck(courier('10:00:00', '15:00:00'), sh('20:00:00'))).toMatchObject({
      lateStart: true,
      minutesLate: 90,
      earlyStop: true,
      minutesEarly: 180,
    })
  })
})

describe('courierShiftCheck: absent courier', () => {
  it('is absent with no scans once 09:00 has passed, neither late nor early', () => {
    expect(courierShiftCheck(courier(null, null), sh('09:00:00.001'))).toEqual({
      attendance: 'absent',
      lateStart: false,
      minutesLate: 0,
      earlyStop: false,
      minutesEarly: 0,
      stopJudged: false,
    })
    expect(courierShiftCheck(courier(null, null), sh('21:00:00'))).toMatchObject({
      attendance: 'absent',
      stopJudged: true,
    })
  })

  it('is not_yet with no scans before 09:00', () => {
    expect(courierShiftCheck(courier(null, null), sh('08:45:00')).attendance).toBe('not_yet')
    expect(courierShiftCheck(courier(null, null), sh('09:00:00')).attendance).toBe('not_yet')
  })

  it('turns into present with a late start when the first scan finally comes', () => {
    expect(courierShiftCheck(courier('11:00:00', '11:00:00'), sh('11:05:00'))).toMatchObject({
      attendance: 'present',
      lateStart: true,
      minutesLate: 150,
    })
  })
})

describe('courierShiftCheck: input checks', () => {
  it('rejects scans outside the Shanghai day, half-given scans, bad shifts and grace', () => {
    // 2025-03-12 23:30 UTC is already 13 March in Shanghai.
    expect(() =>
      courierShiftCheck(courier('08:40:00', null, { lastScan: new Date('2025-03-12T23:30:00Z') }), sh('23:00:00')),
    ).toThrow(RangeError)
    expect(() => courierShiftCheck(courier('08:40:00', null), sh('23:00:00'))).toThrow(RangeError)
    expect(() => courierShiftCheck(courier('12:00:00', '10:00:00'), sh('23:00:00'))).toThrow(RangeError)
    expect(() =>
      courierShiftCheck(courier(null, null, { shift: { start: '18:00', end: '08:30' } }), sh('23:00:00')),
    ).toThrow(RangeError)
    expect(() =>
      courierShiftCheck(courier(null, null, { shift: { start: '8:30', end: '18:00' } }), sh('23:00:00')),
    ).toThrow(RangeError)
    expect(() => courierShiftCheck(courier(null, null, { graceMinutes: -1 }), sh('23:00:00'))).toThrow(RangeError)
  })
})
