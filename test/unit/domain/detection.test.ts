import { describe, expect, it } from 'vitest'
import {
  collectionSurge,
  dwellRatio,
  exceptionBurst,
  feedBehind,
  hubSilence,
  hubSilenceAt,
  laneOverdue,
  learnedLimitMs,
  LOST_BATCH_DEFAULTS,
  lostBatch,
  overdueBatch,
  networkWide,
  rollsUp,
  standoutSurges,
  SILENCE_DEFAULTS,
  type FeedInput,
  type HubMinute,
} from '../../../server/domain/detection.ts'

const MIN = 60_000
const HOUR = 60 * MIN

describe('hub silence', () => {
  it('fires once the usual rate says 12 scans should have come, and not before 5 minutes', () => {
    // 2 scans a minute: 6 quiet minutes is 12 missing scans
    expect(hubSilence({ quietMinutes: 5, recentPerMinute: 2, usualPerMinute: 2 }).silent).toBe(false)
    expect(hubSilence({ quietMinutes: 6, recentPerMinute: 2, usualPerMinute: 2 })).toEqual({
      silent: true,
      expected: 12,
    })
    // a very busy centre still waits the minimum
    expect(hubSilence({ quietMinutes: 4, recentPerMinute: 50, usualPerMinute: 50 }).silent).toBe(false)
  })

  it('judges a centre by the lower of its recent rate and its usual rate at this time of day', () => {
    // busy before, quiet at this hour on other days: the night rate decides
    expect(hubSilence({ quietMinutes: 20, recentPerMinute: 3, usualPerMinute: 0.3 })).toEqual({
      silent: false,
      expected: 6,
    })
    expect(hubSilence({ quietMinutes: 40, recentPerMinute: 3, usualPerMinute: 0.3 }).silent).toBe(true)
    // no history: the recent rate alone
    expect(hubSilence({ quietMinutes: 12, recentPerMinute: 1, usualPerMinute: null }).silent).toBe(true)
    // a hub that never scans is never silent
    expect(hubSilence({ quietMinutes: 480, recentPerMinute: 0, usualPerMinute: 0 }).silent).toBe(false)
  })

  it('on a synthetic day of Poisson scans at 1.5 a minute, never fires without a stop and fires within 15 minutes of one', () => {
    let seed = 7
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const scans: number[] = []
    for (let t = 0; t < 24 * 60;) {
      t += -Math.log(1 - rand()) / 1.5
      if (t < 600 || t >= 720) scans.push(t) // stopped 10:00–12:00
    }
    const firedAt: number[] = []
    for (let now = 60; now < 24 * 60; now++) {
      const last = Math.max(...scans.filter((s) => s <= now))
      const quietMinutes = Math.floor(now - last)
      const before = scans.filter((s) => s <= last && s > last - 180).length / 180
      if (hubSilence({ quietMinutes, recentPerMinute: before, usualPerMinute: 1.5 }, SILENCE_DEFAULTS).silent)
        firedAt.push(now)
    }
    expect(firedAt.length).toBeGreaterThan(0)
    expect(firedAt.every((m) => m >= 600 && m < 725)).toBe(true)
    expect(firedAt[0]! - 600).toBeLessThanOrEqual(15)
  })
})

/**
 * Synthetic per-minute scans of 12 centres at `perMinute` each (Poisson, seeded), as a
 * feed delivers them: minutes in [from, to).
 */
function centreMinutes(
  centres: number,
  from: number,
  to: number,
  perMinute: number,
  seed = 3,
  stopped?: { hub: number; from: number },
): HubMinute[][] {
  let x = seed
  const rand = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const poisson = (l: number) => {
    let k = 0
    let p = Math.exp(-l)
    let c = p
    const u = rand()
    while (u > c) {
      k++
      p *= l / k
      c += p
    }
    return k
  }
  return Array.from({ length: centres }, (_, h) => {
    const out: HubMinute[] = []
    for (let m = from; m < to; m += MIN) {
      if (stopped && stopped.hub === h && m >= stopped.from) continue
      const events = poisson(perMinute)
      if (events > 0) out.push({ minute: m, events })
    }
    return out
  })
}

describe('hub silence against the feed, not the clock', () => {
  const T0 = Date.parse('2026-03-10T06:00:00Z')
  const since = (now: number) => now - 8 * HOUR

  it('a feed replaying a 3-hour backlog: no centre is silent, though every last scan is hours behind the clock', () => {
    // The demo's start: the simulator has delivered up to 2 h 50 min ago; the clock is at T0 + 3 h.
    const now = T0 + 3 * HOUR
    const feedAt = T0 + 10 * MIN
    const series = centreMinutes(12, T0 - 5 * HOUR, feedAt + MIN, 1.5)
    for (const mins of series) {
      expect(hubSilenceAt(mins, feedAt, since(now), 1.5).silent).toBe(false)
      // judged against the wall clock, as before: every one of them silent (the 12 pages of the demo's first minute)
      expect(hubSilenceAt(mins, Math.floor(now / MIN) * MIN, since(now), 1.5).silent).toBe(true)
    }
    // and every minute of the replay (the feed catching up at 60×) stays quiet
    for (let f = feedAt; f <= now; f += 10 * MIN) {
      const silentAt = centreMinutes(12, T0 - 5 * HOUR, f + MIN, 1.5).filter(
        (m) => hubSilenceAt(m, f, since(now), 1.5).silent,
      )
      expect(silentAt).toEqual([])
    }
  })

  it('one centre that stops while the others scan is silent against the feed, as soon as against the clock', () => {
    const stopAt = T0
    const firedAt: number[] = []
    for (let now = T0 - 30 * MIN; now <= T0 + 60 * MIN; now += MIN) {
      const series = centreMinutes(12, T0 - 5 * HOUR, now, 1.5, 5, { hub: 4, from: stopAt })
      const feedAt = Math.max(...series.flatMap((m) => m.map((x) => x.minute)))
      const silent = series
        .map((m, h) => (hubSilenceAt(m, feedAt, since(now), 1.5).silent ? h : -1))
        .filter((h) => h >= 0)
      expect(silent.every((h) => h === 4)).toBe(true)
      if (silent.length > 0) firedAt.push(now)
    }
    expect(firedAt[0]! - stopAt).toBeGreaterThan(5 * MIN)
    expect(firedAt[0]! - stopAt).toBeLessThanOrEqual(15 * MIN)
  })

  it('a centre with no scan in the minutes read is quiet since their start; one that never scans is never silent', () => {
    const now = T0
    expect(hubSilenceAt([], now, now - 8 * HOUR, 1).quietMinutes).toBe(480)
    expect(hubSilenceAt([], now, now - 8 * HOUR, 1).silent).toBe(true)
    expect(hubSilenceAt([], now, now - 8 * HOUR, 0).silent).toBe(false)
    expect(hubSilenceAt([], now, now - 8 * HOUR, null).silent).toBe(false)
  })
})

describe('the feed behind: one condition, not a page per centre', () => {
  const busy: FeedInput = {
    lagMinutes: 0,
    receivedQuietMinutes: 0,
    recentPerMinute: 20,
    usualPerMinute: 20,
    silentCentres: 0,
    centres: 12,
  }

  it('a feed delivering in real time is fine', () => {
    expect(feedBehind(busy)).toEqual({ behind: false })
    // one centre stopped is that centre's page, not the feed's
    expect(feedBehind({ ...busy, silentCentres: 1 })).toEqual({ behind: false })
  })

  it('nothing received for as long as the network would have sent 12 scans: critical, no data', () => {
    // 20 scans a minute: the 5-minute floor decides
    expect(feedBehind({ ...busy, lagMinutes: 4, receivedQuietMinutes: 4 })).toEqual({ behind: false })
    expect(feedBehind({ ...busy, lagMinutes: 5, receivedQuietMinutes: 5 })).toMatchObject({
      behind: true,
      condition: 'no_data',
      severity: 'critical',
      expected: 100,
    })
    // a quiet night (0.2 a minute) waits for its 12 scans: an hour
    const night = { ...busy, recentPerMinute: 0.2, usualPerMinute: 0.2 }
    expect(feedBehind({ ...night, lagMinutes: 50, receivedQuietMinutes: 50 })).toEqual({ behind: false })
    expect(feedBehind({ ...night, lagMinutes: 60, receivedQuietMinutes: 60 })).toMatchObject({ condition: 'no_data' })
    // nothing ever received: nothing to judge
    expect(feedBehind({ ...busy, lagMinutes: 0, receivedQuietMinutes: null })).toEqual({ behind: false })
  })

  it('a backlog replayed: data arriving with its newest scan hours old is behind (warning), not silent', () => {
    expect(feedBehind({ ...busy, lagMinutes: 170, receivedQuietMinutes: 0 })).toMatchObject({
      behind: true,
      condition: 'lagging',
      severity: 'warning',
    })
    expect(feedBehind({ ...busy, lagMinutes: 14, receivedQuietMinutes: 0 })).toEqual({ behind: false })
    // behind the clock at night, when nothing was due: not behind
    expect(
      feedBehind({ ...busy, recentPerMinute: 0.1, usualPerMinute: 0.1, lagMinutes: 30, receivedQuietMinutes: 0 }),
    ).toEqual({ behind: false })
  })

  it('more than half of the centres silent at once is one critical condition', () => {
    expect(feedBehind({ ...busy, silentCentres: 6 })).toEqual({ behind: false })
    expect(feedBehind({ ...busy, silentCentres: 7 })).toMatchObject({
      behind: true,
      condition: 'centres_silent',
      severity: 'critical',
    })
    expect(feedBehind({ ...busy, silentCentres: 2, centres: 3 })).toEqual({ behind: false }) // at least 3
  })

  it('on a synthetic feed that stops for 40 minutes: no_data from 5 minutes in, and only then', () => {
    const fired: number[] = []
    for (let now = 0; now < 120; now++) {
      // 20 scans a minute, every minute delivered as it happens, except 30 ≤ t < 70
      const last = now < 30 ? now : now < 70 ? 29 : now
      const f = feedBehind({ ...busy, lagMinutes: now - last, receivedQuietMinutes: now - last })
      if (f.behind) fired.push(now)
    }
    expect(fired[0]).toBe(34)
    expect(fired.at(-1)).toBe(69)
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
    expect(laneOverdue([...legs, { departedAt: now - 2.6 * HOUR, limitMs: limit }], now - 5 * HOUR, now)).toEqual({
      overdue: 3,
      slow: true,
    })
    // once a parcel that left later gets through, the lane flows again
    expect(laneOverdue(legs, now - 0.5 * HOUR, now).slow).toBe(false)
    // no learned limit: not judged
    expect(
      laneOverdue(
        legs.map((l) => ({ ...l, limitMs: null })),
        null,
        now,
      ).overdue,
    ).toBe(0)
  })

  it('never gives a learned limit under its floor', () => {
    expect(learnedLimitMs(0.1)).toBe(0.5 * HOUR)
  })
})

describe('lost batches', () => {
  // A lane whose express legs fly in 5 h (limit 6.25 h) and whose road legs take 20 h (limit 25 h).
  const now = 100 * HOUR
  const air = learnedLimitMs(5)
  const road = learnedLimitMs(20)
  const leg = (hoursAgo: number, limitMs: number | null = air) => ({ departedAt: now - hoursAgo * HOUR, limitMs })
  // Seven express parcels that left 7–8 h ago (overdue 0.75–1.75 h) and four road parcels beside them (not due).
  const batch = [7, 7.1, 7.3, 7.5, 7.6, 7.8, 8].map((h) => leg(h))
  const roadBeside = [7.2, 7.4, 7.7, 7.9].map((h) => leg(h, road))

  it('finds the densest two hours of overdue departures, at least five', () => {
    expect(overdueBatch([...batch, ...roadBeside, leg(1), leg(2)], null, now)).toEqual({
      from: now - 8 * HOUR,
      to: now - 7 * HOUR,
      count: 7,
    })
    // Four are not a batch; nor are five spread over more than two hours.
    expect(overdueBatch(batch.slice(0, 4), null, now)).toBeNull()
    expect(
      overdueBatch(
        [6.5, 7.2, 7.9, 8.6, 9.3].map((h) => leg(h)),
        null,
        now,
      ),
    ).toBeNull()
    // Without a learned limit a leg is not judged.
    expect(
      overdueBatch(
        batch.map((l) => ({ ...l, limitMs: null })),
        null,
        now,
      ),
    ).toBeNull()
  })

  it('counts a parcel for three hours after it became overdue, then leaves it to the parcel-level rules', () => {
    const { holdMs } = LOST_BATCH_DEFAULTS
    expect(holdMs).toBe(3 * HOUR)
    // 6.25 h limit + 3 h hold: the parcels that left 7–8 h ago count until 9.25 h after they left.
    expect(overdueBatch(batch, null, now + 1.2 * HOUR)?.count).toBe(7)
    expect(overdueBatch(batch, null, now + 2.5 * HOUR)).toBeNull()
  })

  it('leaves out the departures of a batch already reported', () => {
    expect(overdueBatch(batch, now - 7.2 * HOUR, now)).toBeNull()
    expect(overdueBatch(batch, now - 9 * HOUR, now)?.count).toBe(7)
  })

  it('is lost when most of what left in its span did not arrive', () => {
    const b = overdueBatch(batch, null, now)!
    expect(lostBatch(b, 0)).toBe(true)
    expect(lostBatch(b, 7)).toBe(true)
    // A busy hour's stragglers: 7 overdue among 60 that arrived.
    expect(lostBatch(b, 8)).toBe(false)
    expect(lostBatch(b, 60)).toBe(false)
  })
})

describe('dwell ratio', () => {
  it('is the median of each departure against its usual dwell, judged with 20 departures', () => {
    const normal = Array.from({ length: 30 }, (_, i) => ({ hours: 2 + (i % 5) * 0.2, usualHours: 2.4 }))
    expect(dwellRatio(normal).slow).toBe(false)
    const half = normal.map((d) => ({ ...d, hours: d.hours * 2 }))
    const r = dwellRatio(half)
    expect(r.slow).toBe(true)
    expect(r.ratio).toBeCloseTo((2 * 2.4) / 2.4, 1)
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
  it('keeps a network-wide alert whole while it is open, as it shrinks, instead of a page per hub', () => {
    // 4 of 6 centres slow: network-wide; then 2, then 1 while its alert is still open: still that alert
    expect([4, 2, 1].map((hits) => rollsUp(hits, 6, true))).toEqual([true, true, true])
    // none left: nothing to report (the network alert resolves)
    expect(rollsUp(0, 6, true)).toBe(false)
    // without an open network alert, 2 of 6 are per-hub alerts
    expect(rollsUp(2, 6, false)).toBe(false)
    expect(rollsUp(4, 6, false)).toBe(true)
  })
})

describe('an outlet standing out of a network-wide surge', () => {
  // collections in the same half hour of the previous days, summed: unequal outlets
  const usual = new Map([
    ['A', 70],
    ['B', 140],
    ['C', 70],
    ['D', 105],
    ['E', 70],
    ['F', 105],
  ])
  // the holiday: 3× each outlet's usual half hour (usual / 7 days × 3)
  const holiday = new Map([...usual].map(([h, u]) => [h, Math.round((u / 7) * 3)]))
  const all = [...usual.keys()]
  it('finds none when every outlet surges alike, big and small', () => {
    expect(standoutSurges(all, holiday, usual)).toEqual([])
  })
  it('pages the outlet with 3× its usual more on top of the holiday’s 3×, not the ones surging with the network', () => {
    const f = new Map(holiday).set('F', holiday.get('F')! + 45)
    expect(standoutSurges(all, f, usual)).toEqual(['F'])
  })
  it('after the holiday, the one outlet still at 4× stands out of a network back to its usual', () => {
    const after = new Map([...usual].map(([h, u]) => [h, Math.round(u / 7) * (h === 'C' ? 4 : 1)]))
    expect(standoutSurges(['C'], after, usual)).toEqual(['C'])
  })
  it('does not page a small outlet for a few collections more than its share', () => {
    const few = new Map(holiday).set('A', holiday.get('A')! + 12)
    expect(standoutSurges(all, few, usual)).toEqual([])
  })
  it('judges only outlets that surge, and needs 3 outlets with a usual', () => {
    const f = new Map(holiday).set('F', holiday.get('F')! + 45)
    expect(standoutSurges(['A'], f, usual)).toEqual([])
    expect(
      standoutSurges(
        ['F'],
        f,
        new Map([
          ['F', 105],
          ['A', 70],
        ]),
      ),
    ).toEqual([])
  })
})
