import { describe, expect, it } from 'vitest'
import {
  flapQuiet,
  muteReason,
  aboveBaseline,
  clearedFor,
  compareByImpact,
  impactScore,
  laneSlowdown,
  learnedStallLimitHours,
  notifyDecision,
  pages,
  pendingElapsed,
  quantile,
  severityFromImpact,
  stallAboveBackground,
  STALL_BACKGROUND,
  trackPending,
  usualStallShare,
  type HubStalls,
  type PendingCondition,
} from '../../../server/domain/alert-policy.ts'

const MIN = 60_000
const HOUR = 60 * MIN

describe('pending period', () => {
  const p = { pendingMs: 10 * MIN, graceMs: 3 * MIN }
  /** Feeds a series of sweeps (every minute, true: condition seen) and says at which minutes the alert may open. */
  const run = (series: boolean[]) => {
    let c: PendingCondition | null = null
    const open: number[] = []
    series.forEach((seen, minute) => {
      c = trackPending(c, seen, minute * MIN, p)
      if (seen && pendingElapsed(c, minute * MIN, p)) open.push(minute)
    })
    return open
  }

  it('opens once the condition has held for the pending period, not before', () => {
    expect(run(Array(15).fill(true))).toEqual([10, 11, 12, 13, 14])
  })

  it('never opens for a condition that flickers on for shorter spells', () => {
    const flicker = Array.from({ length: 60 }, (_, m) => m % 10 < 4)
    expect(run(flicker)).toEqual([])
  })

  it('keeps its clock across one missed sweep but restarts after a real gap', () => {
    expect(run([...Array(6).fill(true), false, ...Array(5).fill(true)])).toEqual([10, 11])
    expect(run([...Array(6).fill(true), false, false, false, false, ...Array(5).fill(true)])).toEqual([])
  })
})

describe('flap damping', () => {
  const H = 60 * MIN
  it('opens quiet a condition back within 12 h of its alert resolving by itself, unless worse by the margin', () => {
    const earlier = { resolvedAt: 0, peak: 116 }
    expect(flapQuiet(earlier, 45 * MIN, 90)).toBe(true) // the same backlog, dipped and back
    expect(flapQuiet(earlier, 11 * H, 150)).toBe(true) // bigger, not by half
    expect(flapQuiet(earlier, 11 * H, 174)).toBe(false) // 1.5 × its peak: a new incident, it pages
    expect(flapQuiet(earlier, 12 * H, 90)).toBe(false) // a shift later: pages again
    expect(flapQuiet(null, 45 * MIN, 90)).toBe(false) // nothing before
  })
  it('needs the margin in items too: 3 → 5 parcels is not worse', () => {
    expect(flapQuiet({ resolvedAt: 0, peak: 3 }, 30 * MIN, 5)).toBe(true)
    expect(flapQuiet({ resolvedAt: 0, peak: 3 }, 30 * MIN, 13)).toBe(false)
  })
  it('mutes the quiet alert as flapping until its quiet time ends, never a critical one', () => {
    const ctx = { rule: 'hub_backlog', hubCode: 'CAN-TC', now: 10 * MIN, windows: [], incidentHubs: new Set<string>() }
    expect(muteReason({ ...ctx, quietUntil: 12 * H, severity: 'warning' })).toBe('flapping')
    expect(muteReason({ ...ctx, quietUntil: 12 * H, severity: 'critical' })).toBeNull()
    expect(muteReason({ ...ctx, now: 12 * H, quietUntil: 12 * H, severity: 'warning' })).toBeNull()
    expect(muteReason({ ...ctx, quietUntil: null, severity: 'warning' })).toBeNull()
  })
})

describe('notification timers (group_wait, group_interval, repeat_interval)', () => {
  const t = { groupWaitMs: 30_000, groupIntervalMs: 5 * MIN, repeatIntervalMs: 4 * HOUR }
  it('waits group_wait before the first, group_interval before a change, repeat_interval before a repeat', () => {
    const g = { firstFiringAt: 0, lastNotifiedAt: null, lastNotifiedKey: null, currentKey: 'a' }
    expect(notifyDecision(g, 29_000, t)).toBe('wait')
    expect(notifyDecision(g, 30_000, t)).toBe('first')
    const told = { ...g, lastNotifiedAt: 30_000, lastNotifiedKey: 'a' }
    expect(notifyDecision(told, 2 * MIN, t)).toBe('none')
    expect(notifyDecision({ ...told, currentKey: 'a,b' }, 2 * MIN, t)).toBe('wait')
    expect(notifyDecision({ ...told, currentKey: 'a,b' }, 30_000 + 5 * MIN, t)).toBe('changed')
    expect(notifyDecision(told, 30_000 + 4 * HOUR - 1, t)).toBe('none')
    expect(notifyDecision(told, 30_000 + 4 * HOUR, t)).toBe('repeat')
  })
})

describe('impact', () => {
  const bands = { warning: 20, critical: 200 }
  it('weighs express parcels three times and bands severity by impact', () => {
    expect(impactScore({ parcels: 10, express: 4 })).toBe(18)
    expect(severityFromImpact({ parcels: 1 }, bands)).toBe('info')
    expect(severityFromImpact({ parcels: 10, express: 5 }, bands)).toBe('warning')
    expect(severityFromImpact({ parcels: 350 }, bands)).toBe('critical')
  })
  it('lists a 350-parcel alert above ten one-parcel alerts, and only warning and critical unmuted alerts page', () => {
    const list = [
      ...Array.from({ length: 10 }, (_, i) => ({
        id: i,
        severity: 'warning' as const,
        itemCount: 1,
        openedAt: 1000 + i,
      })),
      { id: 99, severity: 'warning' as const, itemCount: 350, openedAt: 0 },
      { id: 98, severity: 'critical' as const, itemCount: 5, openedAt: 0 },
    ].sort(compareByImpact)
    expect(list.slice(0, 3).map((a) => a.id)).toEqual([98, 99, 9])
    expect(pages({ severity: 'info', muted: false })).toBe(false)
    expect(pages({ severity: 'warning', muted: true })).toBe(false)
    expect(pages({ severity: 'critical', muted: false })).toBe(true)
  })
})

describe('learned limits and baselines', () => {
  const l = { quantile: 0.99, factor: 1.25, floorHours: 4, minSamples: 50 }
  it('learns a stall limit from the dwell distribution: 25 h at a centre whose p99 is 30 h is not stalled', () => {
    const dwell = Array.from({ length: 200 }, (_, i) => 2 + (i / 199) * 28) // 2 … 30 h
    const limit = learnedStallLimitHours(dwell, 24, l)
    expect(limit).toBeGreaterThan(25)
    expect(limit).toBeCloseTo(quantile(dwell, 0.99) * 1.25, 6)
    expect(learnedStallLimitHours(dwell.slice(0, 10), 24, l)).toBe(24)
    expect(learnedStallLimitHours(Array(100).fill(0.5), 24, l)).toBe(4)
  })
  it('judges a hub count against its own baseline', () => {
    const r = { z: 3.5, minExcess: 10 }
    const usual = [3, 4, 5, 4, 6, 5, 4, 3, 5, 4]
    expect(aboveBaseline(7, usual, r)).toBe(false)
    expect(aboveBaseline(40, usual, r)).toBe(true)
    const busy = [300, 320, 310, 290, 305, 315]
    expect(aboveBaseline(330, busy, r)).toBe(false)
    expect(aboveBaseline(12, [], r)).toBe(true)
  })
  it('calls a lane slowed when its recent median transit is twice its baseline', () => {
    const r = { ratio: 2, minRecent: 5, minBaseline: 20 }
    const base = Array.from({ length: 40 }, (_, i) => 4 + (i % 5) * 0.2)
    expect(
      laneSlowdown(
        base.slice(0, 8).map((h) => h * 3),
        base,
        r,
      ),
    ).toBeGreaterThan(2.8)
    expect(
      laneSlowdown(
        base.slice(0, 8).map((h) => h * 1.5),
        base,
        r,
      ),
    ).toBeNull()
    expect(laneSlowdown([20, 20], base, r)).toBeNull()
  })
})

describe("stalled parcels against a hub's background", () => {
  /**
   * A synthetic normal day: 12 centres of different sizes, each holding about 3 % of its
   * parcels stalled (parcels held past their promise), ±1 parcel of noise, at a volume
   * (parcels at each centre) scaled by `scale`: the benchmark's 180 parcels an hour is 1,
   * the demo's 600 about 3.3.
   */
  const day = (scale: number): HubStalls[] =>
    Array.from({ length: 12 }, (_, i) => {
      const present = Math.round((60 + 30 * i) * scale)
      return { present, stalled: Math.max(0, Math.round(present * 0.03) + ((i % 3) - 1)) }
    })
  const bands = { warning: 20, critical: 200 }
  /** The hubs that would page: above their background and at least a warning by impact. */
  const paging = (hubs: HubStalls[], share = usualStallShare(hubs)) =>
    hubs.filter(
      (h) => stallAboveBackground(h, share).above && severityFromImpact({ parcels: h.stalled }, bands) !== 'info',
    )

  it('a normal day pages nobody at any volume, where the fixed threshold paged the busy centres', () => {
    for (const scale of [1, 3.3, 10]) {
      const hubs = day(scale)
      expect(paging(hubs), `scale ${scale}`).toEqual([])
    }
    // the fixed 20 parcels alone: the busier the network, the more centres page on a normal day
    expect(day(3.3).filter((h) => severityFromImpact({ parcels: h.stalled }, bands) !== 'info').length).toBeGreaterThan(
      3,
    )
  })
  it("the quiet demo's centres (5 Dec, 15 minutes in) page nobody; the fixed threshold paged the four busiest", () => {
    // [parcels there, stalled]: the 15 sorting and transfer centres of `npm run demo`, nothing injected
    const demo: HubStalls[] = [
      [307, 11],
      [189, 6],
      [768, 23],
      [1142, 28],
      [1468, 35],
      [694, 13],
      [299, 5],
      [367, 5],
      [215, 3],
      [3249, 39],
      [326, 3],
      [396, 3],
      [1379, 10],
      [2958, 17],
      [371, 2],
    ].map(([present, stalled]) => ({ present: present!, stalled: stalled! }))
    expect(paging(demo)).toEqual([])
    expect(demo.filter((h) => severityFromImpact({ parcels: h.stalled }, bands) !== 'info')).toHaveLength(4)
  })
  it('a stopped centre (all its parcels stalled) and a centre at a fifth of its speed still page', () => {
    const hubs = day(3.3)
    const stopped = { present: hubs[4]!.present, stalled: hubs[4]!.present }
    const slow = { present: hubs[8]!.present, stalled: Math.round(hubs[8]!.present * 0.15) }
    const withIncidents = hubs.map((h, i) => (i === 4 ? stopped : i === 8 ? slow : h))
    expect(paging(withIncidents)).toEqual([stopped, slow])
    // one stopped centre does not move the usual share (the median of the centres)
    expect(usualStallShare(withIncidents)).toBeCloseTo(usualStallShare(hubs)!, 2)
  })
  it('judges nothing against a background it cannot learn: too few hubs with enough parcels', () => {
    const small = [
      { present: 25, stalled: 25 },
      { present: 200, stalled: 5 },
      { present: 300, stalled: 6 },
    ]
    expect(usualStallShare(small)).toBeNull()
    expect(stallAboveBackground({ present: 25, stalled: 25 }, null)).toEqual({ expected: 0, above: true })
    expect(usualStallShare([...small, { present: 100, stalled: 3 }])).toBeCloseTo(0.025, 6)
    // with no background stalls at all, any stall is above it; a hub with none is not
    expect(stallAboveBackground({ present: 80, stalled: 1 }, 0).above).toBe(true)
    expect(stallAboveBackground({ present: 80, stalled: 0 }, 0).above).toBe(false)
    // the edge: `ratio` times the expected count
    const edge = stallAboveBackground({ present: 100, stalled: 3 * STALL_BACKGROUND.ratio }, 0.03)
    expect(edge).toEqual({ expected: 3, above: true })
    expect(stallAboveBackground({ present: 100, stalled: 3 * STALL_BACKGROUND.ratio - 1 }, 0.03).above).toBe(false)
  })
})

describe('keep firing: a resolution needs the condition clear for a while', () => {
  /**
   * Sweeps every 5 min over a series (true: the condition holds), with a 20-min pending
   * period and `clearMs`: the alert's openings (pages) and resolutions, by sweep index.
   */
  const run = (series: boolean[], clearMs: number) => {
    const step = 5 * MIN
    const p = { pendingMs: 20 * MIN, graceMs: step }
    let pending: PendingCondition | null = null
    let open = false
    let lastSeen = 0
    const opened: number[] = []
    const resolved: number[] = []
    series.forEach((seen, i) => {
      const now = i * step
      pending = open ? null : trackPending(pending, seen, now, p)
      if (seen) lastSeen = now
      if (!open && seen && pendingElapsed(pending, now, p)) {
        open = true
        opened.push(i)
      } else if (open && !seen && clearedFor(lastSeen, now, clearMs)) {
        open = false
        resolved.push(i)
      }
    })
    return { opened, resolved }
  }
  /** A slow centre for 8 h whose condition holds 35 min and dips under the edge for 25, every hour, then recovers. */
  const flapping = [...Array.from({ length: 96 }, (_, i) => i % 12 < 7), ...Array<boolean>(24).fill(false)]
  it('one page for a condition that flaps hourly, where resolving at once paged every hour', () => {
    const damped = run(flapping, 60 * MIN)
    expect(damped.opened).toEqual([4])
    // resolved an hour after the last sweep that saw it
    const lastTrue = flapping.lastIndexOf(true)
    expect(damped.resolved).toEqual([lastTrue + 12])
    expect(run(flapping, 0).opened.length).toBe(8)
  })
  it('resolves exactly `clearMs` after the condition was last seen', () => {
    expect(clearedFor(0, 59 * MIN, 60 * MIN)).toBe(false)
    expect(clearedFor(0, 60 * MIN, 60 * MIN)).toBe(true)
    expect(clearedFor(0, 5 * MIN, 0)).toBe(true)
    const once = [...Array<boolean>(10).fill(true), ...Array<boolean>(20).fill(false)]
    expect(run(once, 30 * MIN)).toEqual({ opened: [4], resolved: [9 + 6] })
  })
})
