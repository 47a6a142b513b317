import { describe, expect, it } from 'vitest'
import {
  ALERT_STATES,
  AlertTransitionError,
  canTransition,
  checkRecurringWindow,
  escalationAction,
  escalationAudience,
  escalationStep,
  firstEscalationAt,
  historyAction,
  inhibits,
  inRecurringWindow,
  mayReopenAfterManual,
  muteReason,
  pages,
  silenceMatches,
  statesAllowing,
  transition,
  type EscalationSubject,
  type Silence,
} from '../../../server/domain/alert-lifecycle.ts'

const MIN = 60_000
const HOUR = 60 * MIN
/** An instant written in Shanghai local time. */
const sh = (local: string): number => Date.parse(`${local}+08:00`)

describe('states and moves', () => {
  it('allows open → acknowledged → resolved, and resolution by a person or the sweep from open or acknowledged', () => {
    expect(transition('open', 'acknowledge')).toBe('acknowledged')
    expect(transition('open', 'resolve')).toBe('resolved')
    expect(transition('acknowledged', 'resolve')).toBe('resolved')
    expect(transition('acknowledged', 'auto_resolve')).toBe('resolved')
    const allowed = ALERT_STATES.flatMap((s) =>
      (['acknowledge', 'resolve', 'auto_resolve'] as const).filter((a) => canTransition(s, a)).map((a) => `${s}:${a}`),
    )
    expect(allowed).toEqual([
      'open:acknowledge',
      'open:resolve',
      'open:auto_resolve',
      'acknowledged:resolve',
      'acknowledged:auto_resolve',
    ])
  })

  it('keeps resolved final: the same condition coming back is a new alert', () => {
    for (const action of ['acknowledge', 'resolve', 'auto_resolve'] as const)
      expect(canTransition('resolved', action)).toBe(false)
  })

  it('refuses the rest with the stable code invalid_transition and a message naming the state', () => {
    for (const [from, action] of [
      ['acknowledged', 'acknowledge'],
      ['resolved', 'resolve'],
      ['resolved', 'acknowledge'],
    ] as const) {
      const err = (() => {
        try {
          transition(from, action)
        } catch (e) {
          return e
        }
      })()
      expect(err).toBeInstanceOf(AlertTransitionError)
      expect((err as AlertTransitionError).code).toBe('invalid_transition')
      expect((err as Error).message).toContain(from)
    }
    expect(() => transition('resolved', 'acknowledge')).toThrow('an alert that is resolved cannot be acknowledged')
  })

  it('names the states a move starts from and the history action it records', () => {
    expect(statesAllowing('acknowledge')).toEqual(['open'])
    expect(statesAllowing('resolve')).toEqual(['open', 'acknowledged'])
    expect(historyAction('acknowledge')).toBe('acknowledged')
    expect(historyAction('auto_resolve')).toBe('auto_resolved')
  })
})

describe('escalation steps', () => {
  const p = { escalateAfterMs: 15 * MIN, remindEveryMs: 30 * MIN }
  const a: EscalationSubject = {
    state: 'open',
    severity: 'warning',
    muted: false,
    level: 0,
    openedAt: 0,
    lastEscalatedAt: null,
  }
  it('escalates an unacknowledged warning to the manager after 15 min, then reminds every 30', () => {
    expect(escalationStep(a, 14 * MIN, p)).toBeNull()
    expect(escalationStep(a, 15 * MIN, p)).toBe(1)
    expect(escalationStep({ ...a, level: 1, lastEscalatedAt: 15 * MIN }, 44 * MIN, p)).toBeNull()
    expect(escalationStep({ ...a, level: 1, lastEscalatedAt: 15 * MIN }, 45 * MIN, p)).toBe(2)
    expect([0, 1, 2].map(escalationAudience)).toEqual(['on_call', 'manager', 'manager'])
    expect([1, 2, 3].map(escalationAction)).toEqual(['escalated', 'reminded', 'reminded'])
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

describe('silences', () => {
  const s: Silence = {
    rule: 'parcel_late',
    hubCode: null,
    startsAt: sh('2025-06-03T10:00:00'),
    endsAt: sh('2025-06-03T12:00:00'),
    kind: 'silence',
  }
  it('mute a matching alert from their start up to (not including) their end; null matches any rule or hub', () => {
    const late = { rule: 'parcel_late', hubCode: 'SHA-TC' }
    expect(silenceMatches(s, late, sh('2025-06-03T09:59:59'))).toBe(false)
    expect(silenceMatches(s, late, sh('2025-06-03T10:00:00'))).toBe(true)
    expect(silenceMatches(s, late, sh('2025-06-03T12:00:00'))).toBe(false)
    expect(silenceMatches(s, { rule: 'parcel_stalled', hubCode: 'SHA-TC' }, sh('2025-06-03T11:00:00'))).toBe(false)
    expect(
      silenceMatches(
        { ...s, rule: null, hubCode: 'SHA-TC' },
        { rule: 'hub_silent', hubCode: 'SHA-TC' },
        sh('2025-06-03T11:00:00'),
      ),
    ).toBe(true)
    expect(
      silenceMatches(
        { ...s, rule: null, hubCode: 'SHA-TC' },
        { rule: 'hub_silent', hubCode: 'HGH-SC' },
        sh('2025-06-03T11:00:00'),
      ),
    ).toBe(false)
  })
  it('say why an alert is muted: a silence, a maintenance period', () => {
    const ctx = {
      rule: 'parcel_late',
      hubCode: 'SHA-TC',
      now: sh('2025-06-03T11:00:00'),
      windows: [],
      incidentHubs: new Set<string>(),
    }
    expect(muteReason({ ...ctx, silences: [s] })).toBe('silenced')
    expect(muteReason({ ...ctx, silences: [{ ...s, kind: 'maintenance' }] })).toBe('maintenance')
    expect(muteReason({ ...ctx, silences: [] })).toBeNull()
  })
})

describe('recurring maintenance windows', () => {
  const nightly = { days: [], start: '02:00', end: '05:00', hub: 'NKG-SC' }
  it('covers 02:00–05:00 Shanghai every night, at that hub only', () => {
    expect(inRecurringWindow(nightly, sh('2025-06-03T01:59:59'))).toBe(false)
    expect(inRecurringWindow(nightly, sh('2025-06-03T02:00:00'))).toBe(true)
    expect(inRecurringWindow(nightly, sh('2025-06-03T04:59:00'))).toBe(true)
    expect(inRecurringWindow(nightly, sh('2025-06-03T05:00:00'))).toBe(false)
    const ctx = {
      rule: 'hub_silent',
      now: sh('2025-06-03T03:00:00'),
      windows: [nightly],
      incidentHubs: new Set<string>(),
    }
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
})

describe('inhibition', () => {
  it("an open incident at a hub inhibits its parcel alerts, not its hub alerts, and not another hub's", () => {
    const ctx = { hubCode: 'NKG-SC', now: 0, windows: [], incidentHubs: new Set(['NKG-SC']) }
    expect(muteReason({ ...ctx, rule: 'parcel_late' })).toBe('inhibited')
    expect(muteReason({ ...ctx, rule: 'parcel_suspected_lost' })).toBe('inhibited')
    expect(muteReason({ ...ctx, rule: 'hub_silent' })).toBeNull()
    expect(muteReason({ ...ctx, hubCode: 'SHA-TC', rule: 'parcel_late' })).toBeNull()
    expect(inhibits('incident', 'parcel_stalled')).toBe(true)
    expect(inhibits('hub_silent', 'parcel_stalled')).toBe(false)
  })
  it('a detection alert inhibits the parcel alerts of its hub while open and for 48 h after it opened, an incident only while open', () => {
    const h = 3_600_000
    const ctx = { hubCode: 'NKG-SC', now: 100 * h, windows: [], incidentHubs: new Set<string>() }
    const stop = { rule: 'hub_silent', hubCode: 'NKG-SC', unresolved: false, openedAt: 60 * h }
    expect(muteReason({ ...ctx, rule: 'parcel_stalled', inhibitors: [stop] })).toBe('inhibited')
    expect(muteReason({ ...ctx, rule: 'parcel_stalled', inhibitors: [{ ...stop, openedAt: 52 * h }] })).toBeNull()
    expect(
      muteReason({ ...ctx, rule: 'parcel_stalled', inhibitors: [{ ...stop, openedAt: 52 * h, unresolved: true }] }),
    ).toBe('inhibited')
    expect(muteReason({ ...ctx, rule: 'hub_backlog', inhibitors: [stop] })).toBeNull()
    expect(muteReason({ ...ctx, rule: 'parcel_late', inhibitors: [{ ...stop, hubCode: 'SHA-TC' }] })).toBeNull()
    expect(
      muteReason({ ...ctx, rule: 'parcel_late', inhibitors: [{ ...stop, rule: 'courier_late_start' }] }),
    ).toBeNull()
    expect(muteReason({ ...ctx, rule: 'parcel_late', inhibitors: [{ ...stop, rule: 'incident' }] })).toBeNull()
    expect(
      muteReason({ ...ctx, rule: 'parcel_late', inhibitors: [{ ...stop, rule: 'incident', unresolved: true }] }),
    ).toBe('inhibited')
  })
  it('a muted alert is shown but pages nobody; info never pages', () => {
    expect(pages({ severity: 'critical', muted: true })).toBe(false)
    expect(pages({ severity: 'info', muted: false })).toBe(false)
    expect(pages({ severity: 'warning', muted: false })).toBe(true)
  })
})

describe("a person's resolution", () => {
  const p = { holdMs: 4 * HOUR, worsenRatio: 0.5, worsenMin: 10 }
  const r = { resolvedAt: 0, countAtResolution: 40 }
  it('stays resolved while the condition is no worse than the margin', () => {
    expect(mayReopenAfterManual(r, 3 * MIN, 40, p)).toBe(false)
    expect(mayReopenAfterManual(r, HOUR, 59, p)).toBe(false)
  })
  it('opens a new alert once it worsens by half and at least 10, or after the hold time', () => {
    expect(mayReopenAfterManual(r, HOUR, 60, p)).toBe(true)
    expect(mayReopenAfterManual({ resolvedAt: 0, countAtResolution: 2 }, HOUR, 11, p)).toBe(false)
    expect(mayReopenAfterManual({ resolvedAt: 0, countAtResolution: 2 }, HOUR, 12, p)).toBe(true)
    expect(mayReopenAfterManual(r, 4 * HOUR, 1, p)).toBe(true)
  })
})
