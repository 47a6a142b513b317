import type pg from 'pg'
import { CONSIGNEE_CAUSES } from '../domain/verdict.ts'
import { flappingSql } from './silences-repo.ts'

/**
 * The shift handover, read back in time. "At t" means after everything stamped
 * strictly before t: a window is [from, end), so a parcel collected at 08:00:00
 * belongs to the shift that starts then, and
 * in flight at end = in flight at start + collected − delivered − returned.
 */

/** Terminal (delivered or returned) before the instant held by `t`. */
const terminalBefore = (t: string) => `(s.delivered_at < ${t} OR (s.status = 'returned' AND s.status_at < ${t}))`
/** Alert `a` was open or acknowledged at `t`. */
const alertOpenAt = (t: string) => `(a.opened_at < ${t} AND (a.resolved_at IS NULL OR a.resolved_at >= ${t}))`
/**
 * Alert `a` was muted at `t`: a silence or maintenance window active then matched
 * it, (parcel rules) an incident at its hub was unresolved then, or it was flapping
 * (quiet then and not critical; its severity as it stands now). The live
 * `mutedSql` asks the same about now.
 */
const mutedAt = (t: string) => `(EXISTS (SELECT 1 FROM silences si WHERE si.starts_at <= ${t} AND si.ends_at > ${t}
      AND (si.rule IS NULL OR si.rule = a.rule) AND (si.hub_code IS NULL OR si.hub_code = a.hub_code))
   OR (a.rule LIKE 'parcel\\_%' AND EXISTS (SELECT 1 FROM alerts inc WHERE inc.rule = 'incident' AND inc.hub_code = a.hub_code
      AND inc.opened_at < ${t} AND (inc.resolved_at IS NULL OR inc.resolved_at >= ${t})))
   OR ${flappingSql(t)})`

export interface TierFigures {
  tier: string
  inFlightStart: number
  inFlightEnd: number
  collected: number
  delivered: number
  onTime: number
  /** Delivered late because of the consignee (refused, wrong address): on neither side of the rate. */
  excused: number
  returned: number
}

/** Parcel figures per tier for [$1 from, $2 end), $3 the consignee causes (verdict.ts). One pass over the shipments collected before the end. */
export async function shipmentFigures(db: pg.Pool, from: Date, end: Date): Promise<TierFigures[]> {
  const delivered = `(s.delivered_at >= $1 AND s.delivered_at < $2)`
  const r = await db.query<TierFigures>(
    `SELECT s.tier,
       count(*) FILTER (WHERE s.collected_at < $1 AND NOT coalesce(${terminalBefore('$1')}, false))::int AS "inFlightStart",
       count(*) FILTER (WHERE NOT coalesce(${terminalBefore('$2')}, false))::int AS "inFlightEnd",
       count(*) FILTER (WHERE s.collected_at >= $1)::int AS collected,
       count(*) FILTER (WHERE ${delivered})::int AS delivered,
       count(*) FILTER (WHERE ${delivered} AND s.delivered_at <= s.promised_deadline)::int AS "onTime",
       count(*) FILTER (WHERE ${delivered} AND s.delivered_at > s.promised_deadline
                          AND s.exception_reason = ANY($3::text[]))::int AS excused,
       count(*) FILTER (WHERE s.status = 'returned' AND s.status_at >= $1 AND s.status_at < $2)::int AS returned
     FROM shipments s WHERE s.collected_at < $2 GROUP BY s.tier`,
    [from, end, [...CONSIGNEE_CAUSES]],
  )
  return r.rows
}

/** Exception scans stamped in [$1 from, $2 end) (the same count as the live "exceptions today"). */
export async function exceptionScans(db: pg.Pool, from: Date, end: Date): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM scan_events WHERE event_time >= $1 AND event_time < $2 AND type = 'exception'`,
    [from, end],
  )
  return r.rows[0]?.n ?? 0
}

export interface SeverityCount {
  severity: string
  open: number
  muted: number
}

/**
 * `scopeHub` (every alert-carrying read below): a hub-scoped person's hub; only that hub's
 * alerts, incidents and silences exist for them, as in the alert list (null: the whole network).
 */
const inScope = (hubColumn: string, param: string) => `(${param}::text IS NULL OR ${hubColumn} = ${param})`

/** Alerts unresolved at $1, by severity, unmuted and muted apart. */
export async function alertCountsAt(db: pg.Pool, at: Date, scopeHub: string | null = null): Promise<SeverityCount[]> {
  const r = await db.query<SeverityCount>(
    `SELECT a.severity, count(*) FILTER (WHERE NOT m.muted)::int AS open, count(*) FILTER (WHERE m.muted)::int AS muted
     FROM alerts a CROSS JOIN LATERAL (SELECT ${mutedAt('$1')} AS muted) m
     WHERE ${alertOpenAt('$1')} AND ${inScope('a.hub_code', '$2')} GROUP BY a.severity`,
    [at, scopeHub],
  )
  return r.rows
}

export interface AlertActivity {
  alertId: number
  action: 'opened' | 'acknowledged' | 'resolved' | 'auto_resolved' | 'escalated'
  at: Date
  by: string | null
  comment: string
  level: number | null
  rule: string
  hubCode: string | null
  severity: string
  /** The title as stored: a message key and parameters, or a person's words (alert-titles.ts). */
  title: string | null
  titleKey: string | null
  titleParams: Record<string, unknown> | null
  /** How many rows of this action the window holds (the list stops at the limit). */
  total: number
}

/** Who did what to which alert in [$1 from, $2 end), oldest first, at most $3 rows per action. */
export async function alertActivity(
  db: pg.Pool,
  from: Date,
  end: Date,
  perAction: number,
  scopeHub: string | null = null,
): Promise<AlertActivity[]> {
  const r = await db.query<AlertActivity>(
    `SELECT x."alertId", x.action, x.at, x.by, x.comment, x.level, x.rule, x."hubCode", x.severity, x.title, x."titleKey", x."titleParams", x.total FROM (
       SELECT h.alert_id AS "alertId", h.action, h.at, u.username AS by, h.comment, (h.details->>'level')::int AS level,
              a.rule, a.hub_code AS "hubCode", a.severity, a.title, a.title_key AS "titleKey", a.title_params AS "titleParams", h.id,
              row_number() OVER (PARTITION BY h.action ORDER BY h.at, h.id) AS n,
              count(*) OVER (PARTITION BY h.action)::int AS total
       FROM alert_history h JOIN alerts a ON a.id = h.alert_id LEFT JOIN users u ON u.id = h.user_id
       WHERE h.at >= $1 AND h.at < $2 AND h.action IN ('opened', 'acknowledged', 'resolved', 'auto_resolved', 'escalated')
         AND ${inScope('a.hub_code', '$4')}
     ) x WHERE x.n <= $3 ORDER BY x.at, x.id`,
    [from, end, perAction, scopeHub],
  )
  return r.rows
}

export interface OpenAlertAtEnd {
  id: number
  rule: string
  hubCode: string | null
  severity: string
  title: string | null
  titleKey: string | null
  titleParams: Record<string, unknown> | null
  itemCount: number
  openedAt: Date
  acknowledgedAt: Date | null
  acknowledgedBy: string | null
  escalationLevel: number
  muted: boolean
}

/** Alerts still unresolved at $1, as they stood then: acknowledged or not, escalation level, muted. */
export async function openAlertsAt(
  db: pg.Pool,
  at: Date,
  limit: number,
  scopeHub: string | null = null,
): Promise<OpenAlertAtEnd[]> {
  const r = await db.query<OpenAlertAtEnd>(
    `SELECT a.id, a.rule, a.hub_code AS "hubCode", a.severity, a.title, a.title_key AS "titleKey", a.title_params AS "titleParams",
       a.item_count AS "itemCount", a.opened_at AS "openedAt",
       CASE WHEN a.acknowledged_at < $1 THEN a.acknowledged_at END AS "acknowledgedAt",
       CASE WHEN a.acknowledged_at < $1 THEN ack.username END AS "acknowledgedBy",
       coalesce((SELECT max((h.details->>'level')::int) FROM alert_history h
                 WHERE h.alert_id = a.id AND h.action IN ('escalated', 'reminded') AND h.at < $1), 0)::int AS "escalationLevel",
       ${mutedAt('$1')} AS muted
     FROM alerts a LEFT JOIN users ack ON ack.id = a.acknowledged_by
     WHERE ${alertOpenAt('$1')} AND ${inScope('a.hub_code', '$3')}
     ORDER BY CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, a.item_count DESC, a.opened_at, a.id LIMIT $2`,
    [at, limit, scopeHub],
  )
  return r.rows
}

export interface IncidentInShift {
  id: number
  hubCode: string | null
  kind: string | null
  title: string
  comment: string | null
  openedAt: Date
  openedBy: string | null
  acknowledgedAt: Date | null
  acknowledgedBy: string | null
  resolvedAt: Date | null
  resolvedBy: string | null
}

/** Incidents unresolved at some point of [$1 from, $2 end); what happened after the end is left out. */
export async function incidentsIn(
  db: pg.Pool,
  from: Date,
  end: Date,
  scopeHub: string | null = null,
): Promise<IncidentInShift[]> {
  const r = await db.query<IncidentInShift>(
    `SELECT a.id, a.hub_code AS "hubCode", a.details->>'kind' AS kind, a.title, a.details->>'comment' AS comment,
       a.opened_at AS "openedAt", op.username AS "openedBy",
       CASE WHEN a.acknowledged_at < $2 THEN a.acknowledged_at END AS "acknowledgedAt",
       CASE WHEN a.acknowledged_at < $2 THEN ack.username END AS "acknowledgedBy",
       CASE WHEN a.resolved_at < $2 THEN a.resolved_at END AS "resolvedAt",
       CASE WHEN a.resolved_at < $2 THEN res.username END AS "resolvedBy"
     FROM alerts a
       LEFT JOIN users ack ON ack.id = a.acknowledged_by
       LEFT JOIN users res ON res.id = a.resolved_by
       LEFT JOIN LATERAL (SELECT u.username FROM alert_history h JOIN users u ON u.id = h.user_id
                          WHERE h.alert_id = a.id AND h.action = 'opened' LIMIT 1) op ON true
     WHERE a.rule = 'incident' AND a.opened_at < $2 AND (a.resolved_at IS NULL OR a.resolved_at >= $1) AND ${inScope('a.hub_code', '$3')}
     ORDER BY a.opened_at, a.id`,
    [from, end, scopeHub],
  )
  return r.rows
}

export interface SilenceInShift {
  id: number
  kind: string
  rule: string | null
  hubCode: string | null
  startsAt: Date
  endsAt: Date
  comment: string
  createdBy: string | null
}

/** Silences and maintenance windows active at some point of [$1 from, $2 end); hub-scoped: that hub's and network-wide ones (which mute its alerts too). */
export async function silencesIn(
  db: pg.Pool,
  from: Date,
  end: Date,
  scopeHub: string | null = null,
): Promise<SilenceInShift[]> {
  const r = await db.query<SilenceInShift>(
    `SELECT s.id, s.kind, s.rule, s.hub_code AS "hubCode", s.starts_at AS "startsAt", s.ends_at AS "endsAt", s.comment, u.username AS "createdBy"
     FROM silences s LEFT JOIN users u ON u.id = s.created_by
     WHERE s.starts_at < $2 AND s.ends_at > $1 AND ($3::text IS NULL OR s.hub_code IS NULL OR s.hub_code = $3) ORDER BY s.starts_at, s.id`,
    [from, end, scopeHub],
  )
  return r.rows
}
