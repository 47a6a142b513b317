import type pg from 'pg'
import { flappingSql, mutedSql } from './silences-repo.ts'
import type { AlertTitleFields } from '../domain/alert-titles.ts'

/** The title: a message key and parameters, or a person's words (`title`), see alert-titles.ts. */
export interface AlertRow extends AlertTitleFields {
  id: number
  rule: string
  subject: string
  hubCode: string | null
  severity: string
  state: 'open' | 'acknowledged' | 'resolved'
  itemCount: number
  openedAt: Date
  lastSeenAt: Date
  acknowledgedAt: Date | null
  acknowledgedBy: string | null
  resolvedAt: Date | null
  resolvedBy: string | null
  escalationLevel: number
  nextEscalationAt: Date | null
  /** Silenced, in a maintenance window, or explained by an open incident at its hub: nobody is paged. */
  muted: boolean
  /** Muted because it came back soon after resolving by itself (flap damping): no page until then. */
  flappingUntil: Date | null
  details: Record<string, unknown>
}

const COLUMNS = `a.id, a.rule, a.subject, a.hub_code AS "hubCode", a.severity, a.state, a.title, a.title_key AS "titleKey", a.title_params AS "titleParams", a.item_count AS "itemCount",
  a.opened_at AS "openedAt", a.last_seen_at AS "lastSeenAt", a.acknowledged_at AS "acknowledgedAt", ack.username AS "acknowledgedBy",
  a.resolved_at AS "resolvedAt", res.username AS "resolvedBy", a.escalation_level AS "escalationLevel", a.next_escalation_at AS "nextEscalationAt",
  a.details, ${mutedSql('now()')} AS muted, CASE WHEN ${flappingSql('now()')} THEN a.quiet_until END AS "flappingUntil"`
const FROM = `alerts a LEFT JOIN users ack ON ack.id = a.acknowledged_by LEFT JOIN users res ON res.id = a.resolved_by`

/** scopeHub: a hub-scoped person's hub; only that hub's alerts exist for them (null: the whole network). */
export interface AlertFilter {
  states: string[]
  severity?: string
  rule?: string
  hub?: string
  limit: number
  scopeHub?: string | null
}

// Filters are bound parameters; the column names are fixed text.
export async function listAlerts(db: pg.Pool, f: AlertFilter): Promise<AlertRow[]> {
  const r = await db.query<AlertRow>(
    `SELECT ${COLUMNS} FROM ${FROM}
     WHERE a.state = ANY($1::text[]) AND ($2::text IS NULL OR a.severity = $2) AND ($3::text IS NULL OR a.rule = $3)
       AND ($4::text IS NULL OR a.hub_code = $4) AND ($6::text IS NULL OR a.hub_code = $6)
     ORDER BY CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, a.item_count DESC, a.opened_at DESC, a.id DESC LIMIT $5`,
    [f.states, f.severity ?? null, f.rule ?? null, f.hub ?? null, f.limit, f.scopeHub ?? null],
  )
  return r.rows
}

// $1 id, $2 the caller's hub scope or NULL: an alert of another hub is not found
export async function findAlert(
  db: pg.Pool,
  id: number,
  scopeHub: string | null = null,
): Promise<AlertRow | undefined> {
  return (
    await db.query<AlertRow>(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE a.id = $1 AND ($2::text IS NULL OR a.hub_code = $2)`,
      [id, scopeHub],
    )
  ).rows[0]
}

export async function alertHistory(db: pg.Pool, id: number) {
  const r = await db.query<{ at: Date; action: string; user: string | null; comment: string; details: unknown }>(
    `SELECT h.at, h.action, u.username AS user, h.comment, h.details FROM alert_history h LEFT JOIN users u ON u.id = h.user_id
     WHERE h.alert_id = $1 ORDER BY h.at, h.id`,
    [id],
  )
  return r.rows
}

export async function alertParcels(db: pg.Pool, id: number, limit: number) {
  const r = await db.query<{
    waybill: string
    tier: string
    status: string
    lastScanAt: Date | null
    lastScanHub: string | null
    deadline: Date | null
  }>(
    `SELECT s.waybill, s.tier, s.status, s.last_scan_at AS "lastScanAt", s.last_scan_hub AS "lastScanHub", s.promised_deadline AS deadline
     FROM alert_items i JOIN shipments s ON s.waybill = i.waybill WHERE i.alert_id = $1 ORDER BY s.promised_deadline NULLS LAST, s.waybill LIMIT $2`,
    [id, limit],
  )
  return r.rows
}
