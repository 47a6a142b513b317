import { describe, expect, it } from 'vitest'
import {
  ALERT_STATES, AlertTransitionError, aboveBaseline, canTransition, checkRecurringWindow, compareByImpact, escalationStep, firstEscalationAt,
  impactScore, inRecurringWindow, isFlapping, laneSlowdown, learnedStallLimitHours, mayReopenAfterManual, muteReason, notifyDecision, pages,
  pendingElapsed, quantile, severityFromImpact, trackPending, transition, type EscalationSubject, type PendingCondition,
} from '../../../server/domain/alert-policy.ts'

const MIN = 60_000
const HOUR = 60 * MIN
/** An instant written in Shanghai local time. */
const sh = (local: string): number => Date.parse(`${local}+08:00`)

describe('states and transitions', () => {
  it('allows open → acknowledged → resolved, auto-resolution from either, and reopening only from resolved', () => {
    expect(transition('open', 'acknowledge')).toBe('acknowledged')
    expect(transition('open', 'resolve')).toBe('resolved')
    expect(transition('acknowledged', 'auto_resolve')).toBe('resolved')
    expect(transition('resolved', 'reopen')).toBe('open')
    const allowed = ALERT_STATES.flatMap((s) => (['acknowledge', 'resolve', 'auto_resolve', 'reopen'] as const).filter((a) => canTransition(s, a)).map((a) => `${s}:${a}`))
    expect(allowed).toEqual(['open:acknowledge', 'open:resolve', 'open:auto_resolve', 'acknowledged:resolve', 'acknowledged:auto_resolve', 'resolved:reopen'])
  })

  it('refuses the rest with a stable code', () => {
    for (const [from, action] of [['acknowledged', 'acknowledge'], ['resolved', 'resolve'], ['resolved', 'acknowledge'], ['open', 'reopen']] as const) {
      expect(() => transition(from, action)).toThrow(AlertTransitionError)
      try {
        transition(from, action)
      } catch (err) {
        expect((err as AlertTransitionError).code).toBe('invalid_transition')
      }
    }
  })
})

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
  it('calls a subject flapping after maxOpenings inside the window', () => {
    const f = { windowMs: HOUR, maxOpenings: 3 }
    expect(isFlapping([0, 10 * MIN], 20 * MIN, f)).toBe(false)
    expect(isFlapping([0, 10 * MIN, 20 * MIN], 30 * MIN, f)).toBe(true)
    expect(isFlapping([0, 10 * MIN, 20 * MIN], 70 * MIN, f)).toBe(false)
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

describe('escalation', () => {
  const p = { escalateAfterMs: 15 * MIN, remindEveryMs: 30 * MIN }
  const a: EscalationSubject = { state: 'open', severity: 'warning', muted: false, level: 0, openedAt: 0, lastEscalatedAt: null }
  it('escalates an unacknowledged warning after 15 min, then reminds every 30', () => {
    expect(escalationStep(a, 14 * MIN, p)).toBeNull()
    expect(escalationStep(a, 15 * MIN, p)).toBe(1)
    expect(escalationStep({ ...a, level: 1, lastEscalatedAt: 15 * MIN }, 44 * MIN, p)).toBeNull()
    expect(escalationStep({ ...a, level: 1, lastEscalatedAt: 15 * MIN }, 45 * MIN, p)).toBe(2)
  })
  it('never escalates info, a muted alert, or one acknowledged or resolved', () => {
    expect(escalationStep({ ...a, severity: 'info' }, 10 * HOUR, p)).toBeNull()
    expect(firstEscalationAt('info', 0, p)).toBeNull()
    expect(firstEscalationAt('critical', 0, p)).toBe(15 * MIN)
    expect(escalationStep({ ...a, muted: true }, 10 * HOUR, p)).toBeNull()
    expect(escalationStep({ ...a, state: 'acknowledged' }, 10 * HOUR, p)).toBeNull()
    expect(escalationStep({ ...a, state: 'resolved' }, 10 * HOUR, p)).toBeNull()
  })
})

describe('recurring maintenance windows and inhibition', () => {
  const nightly = { days: [], start: '02:00', end: '05:00', hub: 'NKG-SC' }
  it('covers 02:00–05:00 Shanghai every night, at that hub only', () => {
    expect(inRecurringWindow(nightly, sh('2025-06-03T01:59:59'))).toBe(false)
    expect(inRecurringWindow(nightly, sh('2025-06-03T02:00:00'))).toBe(true)
    expect(inRecurringWindow(nightly, sh('2025-06-03T04:59:00'))).toBe(true)
    expect(inRecurringWindow(nightly, sh('2025-06-03T05:00:00'))).toBe(false)
    const ctx = { rule: 'hub_silent', now: sh('2025-06-03T03:00:00'), windows: [nightly], incidentHubs: new Set<string>() }
    expect(muteReason({ ...ctx, hubCode: 'NKG-SC' })).toBe('maintenance')
    expect(muteReason({ ...ctx, hubCode: 'SHA-TC' })).toBeNull()
  })
  it('crosses midnight on the days it starts (Saturday 22:00 → Sunday 06:00)', () => {
    const weekend = { days: [6], start: '22:00', end: '06:00' }
    expect(inRecurringWindow(weekend, sh('2025-06-07T23:00:00'))).toBe(true) // Saturday
    expect(inRecurringWindow(weekend, sh('2025-06-08T05:59:00'))).toBe(true) // Sunday morning
    expect(inRecurringWindow(weekend, sh('2025-06-08T23:00:00'))).toBe(false) // Sunday night
    expect(inRecurringWindow(weekend, sh('2025-06-07T05:00:00'))).toBe(false) // Saturday morning (Friday did not start one)
  })
  it('rejects malformed windows naming the field', () => {
    expect(() => checkRecurringWindow({ days: [], start: '24:00', end: '05:00' })).toThrow(/24:00/)
    expect(() => checkRecurringWindow({ days: [8], start: '02:00', end: '05:00' })).toThrow(/day 8/)
    expect(() => checkRecurringWindow({ days: [], start: '02:00', end: '02:00' })).toThrow(/same time/)
  })
  it('an open incident at a hub inhibits its parcel alerts, not its hub alerts', () => {
    const ctx = { hubCode: 'NKG-SC', now: 0, windows: [], incidentHubs: new Set(['NKG-SC']) }
    expect(muteReason({ ...ctx, rule: 'parcel_late' })).toBe('inhibited')
    expect(muteReason({ ...ctx, rule: 'hub_silent' })).toBeNull()
  })
})

describe('a person\'s resolution', () => {
  const p = { holdMs: 4 * HOUR, worsenRatio: 0.5, worsenMin: 10 }
  const r = { resolvedAt: 0, countAtResolution: 40 }
  it('stays resolved while the condition is no worse than the margin', () => {
    expect(mayReopenAfterManual(r, 3 * MIN, 40, p)).toBe(false)
    expect(mayReopenAfterManual(r, HOUR, 59, p)).toBe(false)
  })
  it('reopens once it worsens by half and at least 10, or after the hold time', () => {
    expect(mayReopenAfterManual(r, HOUR, 60, p)).toBe(true)
    expect(mayReopenAfterManual({ resolvedAt: 0, countAtResolution: 2 }, HOUR, 11, p)).toBe(false)
    expect(mayReopenAfterManual({ resolvedAt: 0, countAtResolution: 2 }, HOUR, 12, p)).toBe(true)
    expect(mayReopenAfterManual(r, 4 * HOUR, 1, p)).toBe(true)
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
      ...Array.from({ length: 10 }, (_, i) => ({ id: i, severity: 'warning' as const, itemCount: 1, openedAt: 1000 + i })),
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
    expect(laneSlowdown(base.slice(0, 8).map((h) => h * 3), base, r)).toBeGreaterThan(2.8)
    expect(laneSlowdown(base.slice(0, 8).map((h) => h * 1.5), base, r)).toBeNull()
    expect(laneSlowdown([20, 20], base, r)).toBeNull()
  })
})
