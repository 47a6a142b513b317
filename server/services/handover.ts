import type pg from 'pg'
import { TIERS, type Tier } from '../domain/fees.ts'
import { BadRequestError } from '../lib/errors.ts'
import {
  alertActivity,
  alertCountsAt,
  exceptionScans,
  incidentsIn,
  openAlertsAt,
  shipmentFigures,
  silencesIn,
  type AlertActivity,
  type OpenAlertAtEnd,
  type SeverityCount,
} from '../db/handover-repo.ts'

export const MAX_WINDOW_HOURS = 48
/** Rows per list; a shift with more says how many it left out. */
const LIST_LIMIT = 300

import { SEVERITIES, type Severity } from '../../contract/enums.ts'

/**
 * A window is refused when it is upside down, longer than 48 h, or starts in the
 * future; its end may be in the future (the shift now running): the report then
 * stops at now.
 */
export function checkWindow(from: Date, to: Date, now: Date): void {
  if (to.getTime() <= from.getTime())
    throw new BadRequestError('to must be after from', [{ field: 'to', message: 'must be after from' }])
  if (to.getTime() - from.getTime() > MAX_WINDOW_HOURS * 3_600_000) {
    throw new BadRequestError(`The window from–to may be at most ${MAX_WINDOW_HOURS} hours`, [
      { field: 'to', message: `at most ${MAX_WINDOW_HOURS} hours after from` },
    ])
  }
  if (from.getTime() > now.getTime())
    throw new BadRequestError('from is in the future', [{ field: 'from', message: 'must not be in the future' }])
}

type SeverityFigures = Record<Severity, number> & { muted: number }

function bySeverity(rows: readonly SeverityCount[]): SeverityFigures {
  const out: SeverityFigures = { critical: 0, warning: 0, info: 0, muted: 0 }
  for (const r of rows) {
    if ((SEVERITIES as readonly string[]).includes(r.severity)) out[r.severity as Severity] += r.open
    out.muted += r.muted
  }
  return out
}

/** Who holds an alert that is still unresolved: the person who acknowledged it, else its escalation level. */
export type Holder =
  { kind: 'acknowledged'; by: string | null; at: Date } | { kind: 'escalated'; level: number } | { kind: 'unowned' }

export function holderOf(a: Pick<OpenAlertAtEnd, 'acknowledgedAt' | 'acknowledgedBy' | 'escalationLevel'>): Holder {
  if (a.acknowledgedAt) return { kind: 'acknowledged', by: a.acknowledgedBy, at: a.acknowledgedAt }
  if (a.escalationLevel > 0) return { kind: 'escalated', level: a.escalationLevel }
  return { kind: 'unowned' }
}

function activityList(rows: readonly AlertActivity[], actions: readonly AlertActivity['action'][]) {
  const picked = rows.filter((r) => actions.includes(r.action))
  const totals = new Map<string, number>()
  for (const r of picked) totals.set(r.action, r.total)
  return {
    total: [...totals.values()].reduce((s, n) => s + n, 0),
    items: picked.map(({ total: _total, ...r }) => r),
  }
}

/** `scopeHub`: a hub-scoped person sees their hub's alerts, incidents and silences only; the parcel figures are network-wide, like the KPIs. */
export async function handoverReport(db: pg.Pool, from: Date, to: Date, now: Date, scopeHub: string | null = null) {
  checkWindow(from, to, now)
  const end = new Date(Math.min(to.getTime(), now.getTime()))
  const [tiers, exceptions, alertsStart, alertsEnd, activity, stillOpen, incidents, silences] = await Promise.all([
    shipmentFigures(db, from, end),
    exceptionScans(db, from, end),
    alertCountsAt(db, from, scopeHub),
    alertCountsAt(db, end, scopeHub),
    alertActivity(db, from, end, LIST_LIMIT, scopeHub),
    openAlertsAt(db, end, LIST_LIMIT + 1, scopeHub),
    incidentsIn(db, from, end, scopeHub),
    silencesIn(db, from, end, scopeHub),
  ])
  const sum = (k: 'inFlightStart' | 'inFlightEnd' | 'collected' | 'delivered' | 'returned') =>
    tiers.reduce((s, t) => s + t[k], 0)
  const onTime = Object.fromEntries(
    TIERS.map((tier) => {
      const t = tiers.find((x) => x.tier === tier)
      return [tier, { delivered: t?.delivered ?? 0, onTime: t?.onTime ?? 0, excused: t?.excused ?? 0 }]
    }),
  ) as Record<Tier, { delivered: number; onTime: number; excused: number }>
  return {
    from,
    to,
    end,
    complete: end.getTime() === to.getTime(),
    kpis: {
      start: { inFlight: sum('inFlightStart'), openAlerts: bySeverity(alertsStart) },
      end: { inFlight: sum('inFlightEnd'), openAlerts: bySeverity(alertsEnd) },
      during: {
        collected: sum('collected'),
        delivered: sum('delivered'),
        returned: sum('returned'),
        exceptions,
        onTime,
      },
    },
    alerts: {
      opened: activityList(activity, ['opened']),
      acknowledged: activityList(activity, ['acknowledged']),
      resolved: activityList(activity, ['resolved', 'auto_resolved']),
      escalated: activityList(activity, ['escalated']),
    },
    stillOpen: {
      truncated: stillOpen.length > LIST_LIMIT,
      items: stillOpen.slice(0, LIST_LIMIT).map((a) => ({ ...a, holder: holderOf(a) })),
    },
    incidents,
    silences,
  }
}

export type HandoverReport = Awaited<ReturnType<typeof handoverReport>>
