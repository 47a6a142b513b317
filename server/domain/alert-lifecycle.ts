/**
 * The alert lifecycle: states, the moves between them, escalation steps,
 * muting (silences, maintenance windows) and inhibition, and what a person's
 * resolution holds back. Pure: no database, no clock (every function takes
 * `now`). The alert service (server/services/alerts.ts) and the sweeps apply
 * these decisions; the SQL twins (alerts-repo.ts, silences-repo.ts) are tested
 * against them. When a condition becomes an alert is alert-policy.ts.
 *
 * States and moves of one alert (a row of `alerts`):
 *
 *   open ──acknowledge (a person)──▶ acknowledged
 *     │                                   │
 *     ├──resolve (a person)───────────────┼──▶ resolved
 *     └──auto_resolve (condition cleared)─┘
 *
 * Resolved is final: when the same (rule, subject) comes back, a NEW alert
 * opens (one unresolved alert per rule and subject), after the pending period,
 * and, if a person resolved the last one, only once the condition has worsened
 * past a margin or the hold time has passed (mayReopenAfterManual). A person
 * acknowledges or resolves with a comment; the sweep auto-resolves with none.
 *
 * Escalation (escalationStep): a warning or critical alert nobody acknowledged
 * moves from level 0 (on-call) to 1 (their manager) `escalateAfterMs` after it
 * opened, then is reminded (level 2, 3, …) every `remindEveryMs`. Info never
 * escalates; neither does a muted alert (it waits until unmuted), nor an
 * acknowledged or resolved one.
 *
 * Muting (muteReason), first that applies: an ad-hoc silence or a maintenance
 * period active now whose rule and hub match (null matches any); a recurring
 * maintenance window (e.g. a sorting centre closed every night 02:00–05:00
 * Shanghai time); inhibition: an unresolved incident raised by a person at a
 * hub explains the parcel-level alerts there (INHIBITIONS). A muted alert is
 * recorded and listed, but neither pages nor escalates.
 *
 * Example: a warning parcel_late alert opens at 10:00 (escalateAfter 15 min,
 * remind every 30): at 10:15 it goes to the manager (level 1), at 10:45 a
 * reminder (level 2). Acknowledged at 10:20 instead, it stops there; resolved
 * by a person at 10:30 with 40 parcels, the same hub's parcel_late does not
 * open again before 14:30 unless it reaches 60 parcels (half again, and ≥ 10 more).
 */

import { ALERT_STATES, type AlertState } from '../../contract/enums.ts'

export { ALERT_STATES, type AlertState }
export type AlertAction = 'acknowledge' | 'resolve' | 'auto_resolve'
export type Severity = 'info' | 'warning' | 'critical'

/** Allowed moves: from state → action → to state. Resolved is final. */
export const TRANSITIONS: Readonly<Record<AlertState, Partial<Record<AlertAction, AlertState>>>> = {
  open: { acknowledge: 'acknowledged', resolve: 'resolved', auto_resolve: 'resolved' },
  acknowledged: { resolve: 'resolved', auto_resolve: 'resolved' },
  resolved: {},
}

/** The moves a person makes (with a comment); auto_resolve is the sweep's. */
export const PERSON_ACTIONS = ['acknowledge', 'resolve'] as const
export type PersonAction = (typeof PERSON_ACTIONS)[number]

const PAST: Readonly<Record<AlertAction, 'acknowledged' | 'resolved' | 'auto_resolved'>> = {
  acknowledge: 'acknowledged',
  resolve: 'resolved',
  auto_resolve: 'auto_resolved',
}

export class AlertTransitionError extends Error {
  readonly code = 'invalid_transition'
  constructor(
    readonly from: AlertState,
    readonly action: AlertAction,
  ) {
    super(`an alert that is ${from} cannot be ${PAST[action].replace('_', '-')}`)
    this.name = 'AlertTransitionError'
  }
}

export function canTransition(from: AlertState, action: AlertAction): boolean {
  return TRANSITIONS[from][action] !== undefined
}

/** The state after `action`; throws AlertTransitionError (code invalid_transition) when not allowed. */
export function transition(from: AlertState, action: AlertAction): AlertState {
  const to = TRANSITIONS[from][action]
  if (to === undefined) throw new AlertTransitionError(from, action)
  return to
}

/** The states `action` may start from (for the guarded UPDATE that applies it). */
export function statesAllowing(action: AlertAction): AlertState[] {
  return ALERT_STATES.filter((s) => canTransition(s, action))
}

/** The alert_history action (and webhook event `alert.<action>`) recorded for a move. */
export function historyAction(action: AlertAction): 'acknowledged' | 'resolved' | 'auto_resolved' {
  return PAST[action]
}

// ─── Escalation ───────────────────────────────────────────────────────────────

/** Who holds an unacknowledged alert at an escalation level: on-call at 0, their manager from 1. */
export function escalationAudience(level: number): 'on_call' | 'manager' {
  return level >= 1 ? 'manager' : 'on_call'
}

/** The history action of reaching `level`: the first step is an escalation, the later ones reminders. */
export function escalationAction(level: number): 'escalated' | 'reminded' {
  return level <= 1 ? 'escalated' : 'reminded'
}

export interface EscalationPolicy {
  /** An unacknowledged alert moves from on-call to manager this long after it opened. */
  escalateAfterMs: number
  /** Then a reminder this often. */
  remindEveryMs: number
}

export interface EscalationSubject {
  state: AlertState
  severity: Severity
  muted: boolean
  level: number
  openedAt: number
  /** When it last escalated or was reminded; null: never. */
  lastEscalatedAt: number | null
}

/**
 * The first escalation time of an alert opened at `openedAt`: none for info
 * (info never escalates, it is a figure to read, not a page).
 */
export function firstEscalationAt(severity: Severity, openedAt: number, p: EscalationPolicy): number | null {
  return severity === 'info' ? null : openedAt + p.escalateAfterMs
}

/** The level the alert moves to at `now`, or null when it does not escalate now. */
export function escalationStep(a: EscalationSubject, now: number, p: EscalationPolicy): number | null {
  if (a.state !== 'open' || a.severity === 'info' || a.muted) return null
  const due = a.lastEscalatedAt === null ? a.openedAt + p.escalateAfterMs : a.lastEscalatedAt + p.remindEveryMs
  return now >= due ? a.level + 1 : null
}

// ─── Muting and inhibition ────────────────────────────────────────────────────

/** A window repeated on some weekdays, in Shanghai time; end before start crosses midnight. */
export interface RecurringWindow {
  /** ISO weekdays 1 (Monday) … 7 (Sunday) on which the window starts; empty: every day. */
  days: readonly number[]
  /** 'HH:MM', Shanghai time. */
  start: string
  end: string
  hub?: string | null
  rule?: string | null
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000
const DAY_MS = 86_400_000

function minutesOf(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm)
  if (!m) throw new RangeError(`"${hhmm}" is not a time of day HH:MM`)
  return Number(m[1]) * 60 + Number(m[2])
}

/** Checks a window's fields; throws RangeError naming the bad one. */
export function checkRecurringWindow(w: RecurringWindow): void {
  minutesOf(w.start)
  minutesOf(w.end)
  if (w.start === w.end) throw new RangeError('start and end are the same time')
  for (const d of w.days)
    if (!Number.isInteger(d) || d < 1 || d > 7) throw new RangeError(`day ${d} is not an ISO weekday 1–7`)
}

/** Whether `now` lies inside the window (on a day it starts, or the night after one when it crosses midnight). */
export function inRecurringWindow(w: RecurringWindow, now: number): boolean {
  const local = now + SHANGHAI_OFFSET_MS
  const minute = Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / 60_000)
  const weekday = (d: number) => ((((Math.floor(d / DAY_MS) + 3) % 7) + 7) % 7) + 1 // 1970-01-01 was a Thursday (4)
  const startsOn = (d: number) => w.days.length === 0 || w.days.includes(weekday(d))
  const s = minutesOf(w.start)
  const e = minutesOf(w.end)
  if (s < e) return startsOn(local) && minute >= s && minute < e
  return (startsOn(local) && minute >= s) || (startsOn(local - DAY_MS) && minute < e)
}

export interface Silence {
  /** null: any rule, any hub. */
  rule: string | null
  hubCode: string | null
  startsAt: number
  endsAt: number
  kind: 'silence' | 'maintenance'
}

/** An ad-hoc silence or maintenance period mutes an alert while it runs ([startsAt, endsAt)) and its rule and hub match. */
export function silenceMatches(s: Silence, alert: { rule: string; hubCode: string | null }, now: number): boolean {
  return (
    s.startsAt <= now &&
    now < s.endsAt &&
    (s.rule === null || s.rule === alert.rule) &&
    (s.hubCode === null || s.hubCode === alert.hubCode)
  )
}

/**
 * Inhibition, as Alertmanager's inhibit_rules: an unresolved alert of the
 * `source` rule at a hub mutes the alerts there whose rule starts with
 * `targetPrefix`. A person's incident explains the parcels late at its hub; it
 * does not hide the hub's own alerts (a silent hub is still news).
 */
export const INHIBITIONS: ReadonlyArray<{ source: string; targetPrefix: string }> = [
  { source: 'incident', targetPrefix: 'parcel_' },
]

/** Whether an unresolved `source` alert at `hubCode` inhibits an alert of `rule` there. */
export function inhibits(source: string, rule: string): boolean {
  return INHIBITIONS.some((i) => i.source === source && rule.startsWith(i.targetPrefix))
}

/**
 * Hub- and lane-level detection rules whose alert explains the parcel-level alerts
 * at its hub (a lane's at its first hub): while it is unresolved and for
 * INHIBIT_AFTER_MS after it opened, the late and stalled parcels of a stop, a slow
 * centre or a lost truckload are its consequence, not a second page.
 * server/db/silences-repo.ts applies the same in SQL (mutedSql).
 */
export const DETECTION_INHIBITORS = [
  'hub_silent',
  'hub_backlog',
  'lane_overdue',
  'hub_exception_spike',
  'hub_volume_high',
] as const
export const INHIBIT_AFTER_MS = 48 * 3_600_000

/** An alert that may inhibit others: an incident or a detection rule's, at its hub. */
export interface InhibitorAlert {
  rule: string
  hubCode: string
  unresolved: boolean
  openedAt: number
}

/** Whether `source` mutes a parcel-level alert of `rule` at `hubCode` at `now`. */
export function inhibitedBy(source: InhibitorAlert, rule: string, hubCode: string, now: number): boolean {
  if (source.hubCode !== hubCode || !rule.startsWith('parcel_')) return false
  if (source.rule === 'incident') return source.unresolved
  return (
    (DETECTION_INHIBITORS as readonly string[]).includes(source.rule) &&
    (source.unresolved || now - source.openedAt < INHIBIT_AFTER_MS)
  )
}

export interface MuteContext {
  rule: string
  hubCode: string | null
  now: number
  /** Ad-hoc silences and maintenance periods (the silences table). */
  silences?: readonly Silence[]
  windows: readonly RecurringWindow[]
  /** Hubs with an open incident raised by a person: it inhibits the parcel alerts there. */
  incidentHubs: ReadonlySet<string>
  /** Incidents and detection alerts, resolved ones too (inhibitedBy decides). */
  inhibitors?: readonly InhibitorAlert[]
  /** The alert's own flap damping (flapQuiet): quiet until then, unless critical. */
  quietUntil?: number | null
  severity?: Severity
}

export type MuteReason = 'silenced' | 'maintenance' | 'inhibited' | 'flapping'

/** Why the alert is muted (it is still recorded and shown, but neither escalates nor pages), or null. */
export function muteReason(c: MuteContext): MuteReason | null {
  const silence = (c.silences ?? []).find((s) => silenceMatches(s, c, c.now))
  if (silence) return silence.kind === 'maintenance' ? 'maintenance' : 'silenced'
  const matches = (w: RecurringWindow) =>
    (w.hub == null || w.hub === c.hubCode) && (w.rule == null || w.rule === c.rule)
  if (c.windows.some((w) => matches(w) && inRecurringWindow(w, c.now))) return 'maintenance'
  if (c.hubCode !== null && c.incidentHubs.has(c.hubCode) && inhibits('incident', c.rule)) return 'inhibited'
  const hub = c.hubCode
  if (hub !== null && (c.inhibitors ?? []).some((i) => inhibitedBy(i, c.rule, hub, c.now))) return 'inhibited'
  if (c.quietUntil != null && c.now < c.quietUntil && c.severity !== 'critical') return 'flapping'
  return null
}

// ─── Flap damping ─────────────────────────────────────────────────────────────

export interface FlapPolicy {
  /** A condition back within this long after its alert auto-resolved is the same trouble flapping … */
  windowMs: number
  /** … unless it grew by this share over the earlier alert's peak … */
  worsenRatio: number
  /** … and by at least this many parcels (or events). */
  worsenMin: number
}

/**
 * Flap damping (Nagios' flap detection, Alertmanager has none): a condition that
 * returns within a shift (12 h) after its alert resolved by itself is shown as a
 * new alert, but it neither pages nor escalates for that window (muted,
 * 'flapping'), unless it is critical or worse than the earlier alert's peak by
 * the margin (then it is a new incident and pages). Seen on the alert benchmark:
 * a centre's backlog under a 5-hour slowdown dipped under its limit for an hour
 * and paged again (hub_backlog at CAN-TC, 14:15 and 17:00, 116 then 90 parcels).
 */
export const FLAP_DAMPING: FlapPolicy = { windowMs: 12 * 3_600_000, worsenRatio: 0.5, worsenMin: 10 }

/**
 * Whether a new alert of `count` items opens quiet: the same (rule, subject)'s last
 * alert resolved by itself (not by a person: mayReopenAfterManual holds those) at
 * `earlier.resolvedAt` within the window, and this one is not worse than its peak by
 * the margin.
 */
export function flapQuiet(
  earlier: { resolvedAt: number; peak: number } | null,
  now: number,
  count: number,
  p: FlapPolicy = FLAP_DAMPING,
): boolean {
  if (!earlier || now - earlier.resolvedAt >= p.windowMs) return false
  const worse = count >= Math.ceil(earlier.peak * (1 + p.worsenRatio)) && count - earlier.peak >= p.worsenMin
  return !worse
}

/** Whether a change pages someone: a warning or critical alert that is not muted (info is a figure to read). */
export function pages(a: { severity: Severity; muted: boolean }): boolean {
  return a.severity !== 'info' && !a.muted
}

// ─── A person's resolution ────────────────────────────────────────────────────

export interface ManualResolutionPolicy {
  /** After this long the same condition may reopen whatever its size. */
  holdMs: number
  /** Before that, only if it grew by this share over its size when resolved … */
  worsenRatio: number
  /** … and by at least this many parcels (or events). */
  worsenMin: number
}

/**
 * Whether the same (rule, subject) may open again after a person resolved it
 * at `resolvedAt` with `countAtResolution` items: only once it has worsened
 * past the margin, or after the hold time.
 */
export function mayReopenAfterManual(
  resolved: { resolvedAt: number; countAtResolution: number },
  now: number,
  count: number,
  p: ManualResolutionPolicy,
): boolean {
  if (now - resolved.resolvedAt >= p.holdMs) return true
  return (
    count >= Math.ceil(resolved.countAtResolution * (1 + p.worsenRatio)) &&
    count - resolved.countAtResolution >= p.worsenMin
  )
}
