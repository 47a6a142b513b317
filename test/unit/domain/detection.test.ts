import { describe, expect, it } from 'vitest'
import {
  collectionSurge, dwellRatio, exceptionBurst, hubSilence, laneOverdue, learnedLimitMs, networkWide, SILENCE_DEFAULTS,
} from '../../../server/domain/detection.ts'

const MIN = 60_000
const HOUR = 60 * MIN

describe('hub silence', () => {
  it('fires once the usual rate says 12 scans should have come, and not before 5 minutes', () => {
    // 2 scans a minute: 6 quiet minutes is 12 missing scans
    expect(hubSilence({ quietMinutes: 5, recentPerMinute: 2, usualPerMinute: 2 }).silent).toBe(false)
    expect(hubSilence({ quietMinutes: 6, recentPerMinute: 2, usualPerMinute: 2 })).toEqual({ silent: true, expected: 12 })
    // a very busy centre still waits the minimum
    expect(hubSilence({ quietMinutes: 4, recentPerMinute: 50, usualPerMinute: 50 }).silent).toBe(false)
  })

  it('judges a centre by the lower of its recent rate and its usual rate at this time of day', () => {
    // busy before, quiet at this hour on other days: the night rate decides
    expect(hubSilence({ quietMinutes: 20, recentPerMinute: 3, usualPerMinute: 0.3 })).toEqual({ silent: false, expected: 6 })
    expect(hubSilence({ quietMinutes: 40, recentPerMinute: 3, usualPerMinute: 0.3 }).silent).toBe(true)
    // no history: the recent rate alone
    expect(hubSilence({ quietMinutes: 12, recentPerMinute: 1, usualPerMinute: null }).silent).toBe(true)
    // a hub that never scans is never silent
    expect(hubSilence({ quietMinutes: 480, recentPerMinute: 0, usualPerMinute: 0 }).silent).toBe(false)
  })

  it('on a synthetic day of Poisson scans at 1.5 a minute, never fires without a stop and fires within 15 minutes of one', () => {
    let seed = 7
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const scans: number[] = []
    for (let t = 0; t < 24 * 60; ) {
      t += -Math.log(1 - rand()) / 1.5
      if (t < 600 || t >= 720) scans.push(t) // stopped 10:00–12:00
    }
    const firedAt: number[] = []
    for (let now = 60; now < 24 * 60; now++) {
      const last = Math.max(...scans.filter((s) => s <= now))
      const quietMinutes = Math.floor(now - last)
      const before = scans.filter((s) => s <= last && s > last - 180).length / 180
      if (hubSilence({ quietMinutes, recentPerMinute: before, usualPerMinute: 1.5 }, SILENCE_DEFAULTS).silent) firedAt.push(now)
    }
    expect(firedAt.length).toBeGreaterThan(0)
    expect(firedAt.every((m) => m >= 600 && m < 725)).toBe(true)
    expect(firedAt[0]! - 600).toBeLessThanOrEqual(15)
  })
})

describe('exception burst', () => {
  it('needs 3 exceptions and 3× the usual share, significant at 10⁻⁴', () => {
    const baseline = { events: 20_000, exceptions: 40 } // 0.2 %
    expect(exceptionBurst({ events: 60, exceptions: 2 }, baseline).spike).toBe(false)
    expect(exceptionBurst({ events: 60, exceptions: 4 }, baseline).spike).toBe(true)
    // a hub where exceptions are common (an outlet's refusals) needs far more
    expect(exceptionBurst({ events: 60, exceptions: 4 }, { events: 20_000, exceptions: 1_000 }).spike).toBe(false)
  })
})

describe('collection surge', () => {
  it('compares the last hour with the same hour of previous days and needs twice the usual', () => {
    const before = [30, 34, 28, 31, 33]
    expect(collectionSurge(36, before).surge).toBe(false)
    expect(collectionSurge(90, before).surge).toBe(true)
    expect(collectionSurge(90, [31]).status).toBe('insufficient_data')
    // a quiet outlet: a handful more is not a surge
    expect(collectionSurge(12, [2, 3, 1]).surge).toBe(false)
  })
})

describe('lanes', () => {
  const now = 10 * HOUR
  const limit = learnedLimitMs(2) // p99 2 h → 2.5 h
  it('counts parcels overdue past the learned limit that left after the last arrival', () => {
    expect(limit).toBe(2.5 * HOUR)
    const legs = [1, 2, 3, 4, 7.4].map((h) => ({ departedAt: now - h * HOUR, limitMs: limit }))
    // 3 h and 4 h out, unseen since: overdue; 7.4 h: left before a parcel that has arrived
    expect(laneOverdue(legs, now - 5 * HOUR, now)).toEqual({ overdue: 2, slow: false })
    expect(laneOverdue([...legs, { departedAt: now - 2.6 * HOUR, limitMs: limit }], now - 5 * HOUR, now)).toEqual({ overdue: 3, slow: true })
    // once a parcel that left later gets through, the lane flows again
    expect(laneOverdue(legs, now - 0.5 * HOUR, now).slow).toBe(false)
    // no learned limit: not judged
    expect(laneOverdue(legs.map((l) => ({ ...l, limitMs: null })), null, now).overdue).toBe(0)
  })

  it('never gives a learned limit under its floor', () => {
    expect(learnedLimitMs(0.1)).toBe(0.5 * HOUR)
  })
})

describe('dwell ratio', () => {
  it('is the median of each departure against its usual dwell, judged with 20 departures', () => {
    const normal = Array.from({ length: 30 }, (_, i) => ({ hours: 2 + (i % 5) * 0.2, usualHours: 2.4 }))
    expect(dwellRatio(normal).slow).toBe(false)
    const half = normal.map((d) => ({ ...d, hours: d.hours * 2 }))
    const r = dwellRatio(half)
    expect(r.slow).toBe(true)
    expect(r.ratio).toBeCloseTo(2 * 2.4 / 2.4, 1)
    expect(dwellRatio(half.slice(0, 10))).toEqual({ ratio: null, slow: false, n: 10 })
    expect(dwellRatio(half.map((d) => ({ ...d, usualHours: null }))).n).toBe(0)
  })
})

describe('roll-up', () => {
  it('makes a condition at more than half of the hubs (and at least 3) one network-wide alert', () => {
    expect(networkWide(3, 6)).toBe(false)
    expect(networkWide(4, 6)).toBe(true)
    expect(networkWide(2, 3)).toBe(false)
    expect(networkWide(3, 5)).toBe(true)
  })
})
