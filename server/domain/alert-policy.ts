/**
 * The alert lifecycle and the rules that decide when an alert may page. Pure:
 * no database, no clock (every function takes `now`), unit-tested like
 * deadline.ts. The sweeps (sla-sweep.ts, hub-anomalies.ts) and the alert
 * routes apply these decisions; they do not make their own.
 *
 * States and transitions:
 *
 *   (condition seen) ──pending period──▶ open ──acknowledge──▶ acknowledged
 *          │                              │  ╲                    │
 *          └─ clears first: never opened  │   ╲──resolve──▶ resolved ◀──┘
 *                                         └── auto_resolve ──▶ resolved
 *
 * A condition must hold for `pendingMs` (Prometheus' `for`) before its alert
 * opens: a parcel group that flickers across a threshold for one sweep never
 * becomes an alert. After it opens, notifications follow Alertmanager's
 * grouping timers: the first one waits `groupWaitMs` (group_wait), a change in
 * the group is told no sooner than `groupIntervalMs` after the last
 * notification (group_interval), and an alert still firing unchanged is
 * re-sent every `repeatIntervalMs` (repeat_interval).
 */

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const
export type AlertState = (typeof ALERT_STATES)[number]
export type AlertAction = 'acknowledge' | 'resolve' | 'auto_resolve' | 'reopen'
export type Severity = 'info' | 'warning' | 'critical'

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 }

/** Allowed transitions: from state → action → to state. */
export const TRANSITIONS: Readonly<Record<AlertState, Partial<Record<AlertAction, AlertState>>>> = {
  open: { acknowledge: 'acknowledged', resolve: 'resolved', auto_resolve: 'resolved' },
  acknowledged: { resolve: 'resolved', auto_resolve: 'resolved' },
  resolved: { reopen: 'open' },
}

export class AlertTransitionError extends Error {
  readonly code = 'invalid_transition'
  constructor(readonly from: AlertState, readonly action: AlertAction) {
    super(`an alert that is ${from} cannot be ${action.replace('_', '-')}d`)
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

// ─── Pending period and flap damping ──────────────────────────────────────────

export interface PendingPolicy {
  /** How long a condition must hold before its alert opens. */
  pendingMs: number
  /**
   * A condition unseen for longer than this has cleared: its pending clock
   * restarts (one missed sweep, e.g. a slow one, does not restart it).
   */
  graceMs: number
}

export interface PendingCondition {
  firstSeenAt: number
  lastSeenAt: number
}

/** The pending record after the condition was (or was not) seen at `now`; null when it has cleared. */
export function trackPending(prev: PendingCondition | null, seen: boolean, now: number, p: PendingPolicy): PendingCondition | null {
  if (!seen) return prev && now - prev.lastSeenAt <= p.graceMs ? prev : null
  if (!prev || now - prev.lastSeenAt > p.graceMs) return { firstSeenAt: now, lastSeenAt: now }
  return { firstSeenAt: prev.firstSeenAt, lastSeenAt: now }
}

/** Whether a condition seen at `now` has held long enough to open its alert. */
export function pendingElapsed(c: PendingCondition | null, now: number, p: PendingPolicy): boolean {
  return c !== null && now - c.lastSeenAt <= p.graceMs && now - c.firstSeenAt >= p.pendingMs
}

export interface FlapPolicy {
  /** Look back this far for earlier alerts of the same rule and subject. */
  windowMs: number
  /** This many alerts (opened and auto-resolved) inside the window make the subject flapping. */
  maxOpenings: number
}

/**
 * Flap damping: a subject whose alert auto-resolved and reopened `maxOpenings`
 * times within `windowMs` is flapping; a new alert for it opens (it is shown)
 * but does not page until it has stayed open a whole window.
 */
export function isFlapping(openedAt: readonly number[], now: number, f: FlapPolicy): boolean {
  return openedAt.filter((t) => now - t <= f.windowMs).length >= f.maxOpenings
}

// ─── Notification timing (Alertmanager semantics) ─────────────────────────────

export interface GroupTimers {
  /** Wait before the first notification of a new group (group_wait). */
  groupWaitMs: number
  /** Least time between two notifications of a group that changed (group_interval). */
  groupIntervalMs: number
  /** Re-send a group that still fires unchanged after this long (repeat_interval). */
  repeatIntervalMs: number
}

export interface GroupState {
  /** When the group's first alert began firing. */
  firstFiringAt: number
  /** When a notification last went out for the group; null: never. */
  lastNotifiedAt: number | null
  /** What was told then (e.g. the sorted alert ids and severities); null: never. */
  lastNotifiedKey: string | null
  /** What would be told now. */
  currentKey: string
}

/** Whether a notification for the group goes out at `now`, and why. */
export function notifyDecision(g: GroupState, now: number, t: GroupTimers): 'wait' | 'first' | 'changed' | 'repeat' | 'none' {
  if (g.lastNotifiedAt === null) return now - g.firstFiringAt >= t.groupWaitMs ? 'first' : 'wait'
  const since = now - g.lastNotifiedAt
  if (g.currentKey !== g.lastNotifiedKey) return since >= t.groupIntervalMs ? 'changed' : 'wait'
  return since >= t.repeatIntervalMs ? 'repeat' : 'none'
}

// ─── Escalation ───────────────────────────────────────────────────────────────

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
  for (const d of w.days) if (!Number.isInteger(d) || d < 1 || d > 7) throw new RangeError(`day ${d} is not an ISO weekday 1–7`)
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

export interface MuteContext {
  rule: string
  hubCode: string | null
  now: number
  windows: readonly RecurringWindow[]
  /** Hubs with an open incident raised by a person: it inhibits the parcel alerts there. */
  incidentHubs: ReadonlySet<string>
}

/** Why the alert is muted (it is still recorded and shown, but neither escalates nor pages), or null. */
export function muteReason(c: MuteContext): 'maintenance' | 'inhibited' | null {
  const matches = (w: RecurringWindow) => (w.hub == null || w.hub === c.hubCode) && (w.rule == null || w.rule === c.rule)
  if (c.windows.some((w) => matches(w) && inRecurringWindow(w, c.now))) return 'maintenance'
  if (c.rule.startsWith('parcel_') && c.hubCode !== null && c.incidentHubs.has(c.hubCode)) return 'inhibited'
  return null
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
  return count >= Math.ceil(resolved.countAtResolution * (1 + p.worsenRatio)) && count - resolved.countAtResolution >= p.worsenMin
}

// ─── Impact and severity ──────────────────────────────────────────────────────

export interface Impact {
  /** Parcels affected (or, for a hub or courier rule, parcels there now). */
  parcels: number
  /** Of which express. */
  express?: number
}

/** A parcel-equivalent impact: an express parcel weighs 3, the others 1. */
export function impactScore(i: Impact): number {
  const express = Math.min(i.express ?? 0, i.parcels)
  return i.parcels + 2 * express
}

export interface SeverityBands {
  /** At or above this impact: warning (a page). Below: info. */
  warning: number
  /** At or above this: critical. */
  critical: number
}

/** Severity from impact: a handful of parcels is an SLA figure (info), not a page. */
export function severityFromImpact(i: Impact, b: SeverityBands): Severity {
  const score = impactScore(i)
  if (score >= b.critical) return 'critical'
  if (score >= b.warning) return 'warning'
  return 'info'
}

export interface RankedAlert {
  severity: Severity
  itemCount: number
  openedAt: number
  id: number
}

/** The console's order: severity, then parcels affected, then newest. */
export function compareByImpact(a: RankedAlert, b: RankedAlert): number {
  return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.itemCount - a.itemCount || b.openedAt - a.openedAt || b.id - a.id
}

/** Whether a page is due: a warning or critical alert that is not muted. */
export function pages(a: { severity: Severity; muted: boolean }): boolean {
  return a.severity !== 'info' && !a.muted
}

// ─── Learned limits and baselines ─────────────────────────────────────────────

/** The q-quantile (0 ≤ q ≤ 1) of the values, linear between ranks; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN
  const s = [...values].sort((a, b) => a - b)
  const pos = (s.length - 1) * Math.min(1, Math.max(0, q))
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo)
}

export interface StallLearning {
  /** Which quantile of the recent dwell is still normal (e.g. 0.99). */
  quantile: number
  /** The limit is that quantile times this (e.g. 1.25). */
  factor: number
  /** Never below this (hours). */
  floorHours: number
  /** With fewer samples than this, the fixed limit applies. */
  minSamples: number
}

/**
 * The stall limit of a hub and status from the recent dwell there (hours each
 * parcel spent before its next scan): a parcel 25 h at a transfer centre whose
 * p99 dwell is 30 h is not stalled. Falls back to `fixedHours` without data.
 */
export function learnedStallLimitHours(dwellHours: readonly number[], fixedHours: number, l: StallLearning): number {
  if (dwellHours.length < l.minSamples) return fixedHours
  return Math.max(l.floorHours, quantile(dwellHours, l.quantile) * l.factor)
}

export interface BaselineRule {
  /** Robust z-score (median, MAD) at or above which the count is abnormal. */
  z: number
  /** … and at least this many above the baseline median. */
  minExcess: number
}

/**
 * A hub's or lane's count (parcels stalled, late, lost) against its own
 * recent counts at the same cadence: abnormal only when well above what is
 * usual there. One late parcel at a hub that always has one is not a page.
 */
export function aboveBaseline(count: number, baseline: readonly number[], r: BaselineRule): boolean {
  const median = quantile(baseline, 0.5)
  if (Number.isNaN(median)) return count >= r.minExcess
  const mad = quantile(baseline.map((b) => Math.abs(b - median)), 0.5)
  const scale = Math.max(1.4826 * mad, 1)
  return count - median >= r.minExcess && (count - median) / scale >= r.z
}

export interface LaneSlowdownRule {
  /** The recent median transit must be at least this many times the baseline median. */
  ratio: number
  /** Legs in the recent window needed to judge. */
  minRecent: number
  /** Legs in the baseline needed to judge. */
  minBaseline: number
}

/**
 * The lane-slowdown rule: the median hours of the legs A→B that arrived
 * recently against the median of the same lane over the baseline period.
 * Returns the ratio when slowed, else null.
 */
export function laneSlowdown(recentHours: readonly number[], baselineHours: readonly number[], r: LaneSlowdownRule): number | null {
  if (recentHours.length < r.minRecent || baselineHours.length < r.minBaseline) return null
  const base = quantile(baselineHours, 0.5)
  if (!(base > 0)) return null
  const ratio = quantile(recentHours, 0.5) / base
  return ratio >= r.ratio ? ratio : null
}
