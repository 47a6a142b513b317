/**
 * When a condition becomes an alert that pages: the pending period, flap
 * damping, notification timers, severity from impact and the learned limits
 * the detection rules use. Pure: no database, no clock (every function takes
 * `now`). The alert's lifecycle once it exists (states, moves, escalation,
 * muting, inhibition, a person's resolution) is alert-lifecycle.ts, re-exported
 * here.
 *
 * A condition must hold for `pendingMs` (Prometheus' `for`) before its alert
 * opens: a parcel group that flickers across a threshold for one sweep never
 * becomes an alert (flap damping: alert-lifecycle.ts flapQuiet). After it opens, notifications follow Alertmanager's
 * grouping timers: the first one waits `groupWaitMs` (group_wait), a change in
 * the group is told no sooner than `groupIntervalMs` after the last
 * notification (group_interval), and an alert still firing unchanged is
 * re-sent every `repeatIntervalMs` (repeat_interval).
 */
import type { Severity } from './alert-lifecycle.ts'

export * from './alert-lifecycle.ts'

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 }
// ─── Pending period ───────────────────────────────────────────────────────────

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
export function trackPending(
  prev: PendingCondition | null,
  seen: boolean,
  now: number,
  p: PendingPolicy,
): PendingCondition | null {
  if (!seen) return prev && now - prev.lastSeenAt <= p.graceMs ? prev : null
  if (!prev || now - prev.lastSeenAt > p.graceMs) return { firstSeenAt: now, lastSeenAt: now }
  return { firstSeenAt: prev.firstSeenAt, lastSeenAt: now }
}

/** Whether a condition seen at `now` has held long enough to open its alert. */
export function pendingElapsed(c: PendingCondition | null, now: number, p: PendingPolicy): boolean {
  return c !== null && now - c.lastSeenAt <= p.graceMs && now - c.firstSeenAt >= p.pendingMs
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
export function notifyDecision(
  g: GroupState,
  now: number,
  t: GroupTimers,
): 'wait' | 'first' | 'changed' | 'repeat' | 'none' {
  if (g.lastNotifiedAt === null) return now - g.firstFiringAt >= t.groupWaitMs ? 'first' : 'wait'
  const since = now - g.lastNotifiedAt
  if (g.currentKey !== g.lastNotifiedKey) return since >= t.groupIntervalMs ? 'changed' : 'wait'
  return since >= t.repeatIntervalMs ? 'repeat' : 'none'
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
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    b.itemCount - a.itemCount ||
    b.openedAt - a.openedAt ||
    b.id - a.id
  )
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
  const mad = quantile(
    baseline.map((b) => Math.abs(b - median)),
    0.5,
  )
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
export function laneSlowdown(
  recentHours: readonly number[],
  baselineHours: readonly number[],
  r: LaneSlowdownRule,
): number | null {
  if (recentHours.length < r.minRecent || baselineHours.length < r.minBaseline) return null
  const base = quantile(baselineHours, 0.5)
  if (!(base > 0)) return null
  const ratio = quantile(recentHours, 0.5) / base
  return ratio >= r.ratio ? ratio : null
}

// ─── Stalled parcels against a hub's background ───────────────────────────────

export interface StallBackgroundRule {
  /** A hub counts towards the usual share only with at least this many parcels there. */
  minPresent: number
  /** The usual share needs at least this many such hubs of a kind; with fewer there is no background. */
  minHubs: number
  /** A hub's stalled parcels may page only from this many times its expected background. */
  ratio: number
}

/**
 * 4×: in the quiet demo (a normal day at 600 parcels a simulated hour, 15 minutes in) the
 * centres held 0.5–3.6 % of their parcels stalled, median 1.4 %, at most 2.6× the median
 * (the simulator's "late" outcome, held past the promise); a stopped centre holds all of
 * its parcels, a centre at half speed many times its usual share.
 */
export const STALL_BACKGROUND: StallBackgroundRule = { minPresent: 30, minHubs: 3, ratio: 4 }

/** A hub's parcels that meet the stall rule, among the parcels there that could (open, not on a lane, not lost). */
export interface HubStalls {
  stalled: number
  present: number
}

/**
 * The share of its parcels a hub of this kind usually holds stalled: the median over
 * the hubs with enough parcels there (one stopped centre does not move it), or null
 * with too few of them (a new or small network: no background, the fixed bands alone).
 */
export function usualStallShare(hubs: readonly HubStalls[], r: StallBackgroundRule = STALL_BACKGROUND): number | null {
  const shares = hubs.filter((h) => h.present >= r.minPresent).map((h) => h.stalled / h.present)
  return shares.length >= r.minHubs ? quantile(shares, 0.5) : null
}

/**
 * A hub's stalled parcels against its background: the parcels there times the usual
 * share. Below `ratio` times that they are the network's normal background (parcels
 * held past their promise happen every day, more where more parcels pass): an SLA
 * figure, not a page, however many the volume makes them. Without a background every
 * count is above it.
 */
export function stallAboveBackground(
  h: HubStalls,
  usualShare: number | null,
  r: StallBackgroundRule = STALL_BACKGROUND,
): { expected: number; above: boolean } {
  const expected = usualShare === null ? 0 : h.present * usualShare
  return { expected, above: h.stalled > 0 && h.stalled >= r.ratio * expected }
}

// ─── Clearing: keep firing ────────────────────────────────────────────────────

/**
 * Whether an open alert whose condition was last seen at `lastSeenAt` resolves at
 * `now`: only once it has stayed clear for `clearMs` (Prometheus' `keep_firing_for`).
 * A condition that dips under its threshold for a sweep or two and comes back is one
 * alert, not a resolution and a second page; the price is a resolution `clearMs` later.
 */
export function clearedFor(lastSeenAt: number, now: number, clearMs: number): boolean {
  return now - lastSeenAt >= clearMs
}
