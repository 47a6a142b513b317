import type pg from 'pg'
import type { Queryable } from './outbox-repo.ts'

export type HandoffState = 'open' | 'done'

export interface HandoffRow {
  id: number
  alert: {
    id: number
    title: string | null
    titleKey: string | null
    titleParams: Record<string, unknown> | null
    rule: string
    hubCode: string | null
    severity: string
    state: string
  }
  note: string
  createdBy: { username: string; displayName: string }
  createdAt: Date
  state: HandoffState
  doneBy: { username: string; displayName: string } | null
  doneAt: Date | null
  doneComment: string | null
  parcelCount: number
}

/** A handed-off parcel as it is now, with the recipient in clear (the service masks it per role). */
export interface HandoffParcelRow {
  handoffId: number
  waybill: string
  tier: string | null
  status: string | null
  lastScanAt: Date | null
  lastScanHub: string | null
  deadline: Date | null
  recipientName: string | null
  recipientPhone: string | null
  recipientCity: string | null
}

// $1 alert id, $2 waybills: those of $2 that are parcels of the alert now
export async function alertWaybillsAmong(
  db: Queryable,
  alertId: number,
  waybills: readonly string[],
): Promise<Set<string>> {
  const r = await db.query<{ waybill: string }>(
    'SELECT waybill FROM alert_items WHERE alert_id = $1 AND waybill = ANY($2::text[])',
    [alertId, [...waybills]],
  )
  return new Set(r.rows.map((x) => x.waybill))
}

export interface NewHandoff {
  alertId: number
  note: string
  createdBy: number
  createdAt: Date
  waybills: readonly string[]
}

// $1 alert id, $2 note, $3 user id, $4 time; then $1 hand-off id, $2 waybills
export async function insertHandoff(db: Queryable, h: NewHandoff): Promise<number> {
  const r = await db.query<{ id: number }>(
    'INSERT INTO cs_handoffs (alert_id, note, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id',
    [h.alertId, h.note, h.createdBy, h.createdAt],
  )
  const id = r.rows[0]!.id
  await db.query('INSERT INTO cs_handoff_parcels (handoff_id, waybill) SELECT $1, unnest($2::text[])', [
    id,
    [...h.waybills],
  ])
  return id
}

const COLUMNS = `h.id,
  json_build_object('id', a.id, 'title', a.title, 'titleKey', a.title_key, 'titleParams', a.title_params, 'rule', a.rule, 'hubCode', a.hub_code, 'severity', a.severity, 'state', a.state) AS alert,
  h.note, json_build_object('username', cu.username, 'displayName', cu.display_name) AS "createdBy", h.created_at AS "createdAt", h.state,
  CASE WHEN du.id IS NULL THEN NULL ELSE json_build_object('username', du.username, 'displayName', du.display_name) END AS "doneBy",
  h.done_at AS "doneAt", h.done_comment AS "doneComment",
  (SELECT count(*)::int FROM cs_handoff_parcels p WHERE p.handoff_id = h.id) AS "parcelCount"`
const FROM = `cs_handoffs h JOIN alerts a ON a.id = h.alert_id JOIN users cu ON cu.id = h.created_by LEFT JOIN users du ON du.id = h.done_by`

/** scopeHub: a hub-scoped person's hub; only hand-offs of that hub's alerts are theirs (null: all). */
export interface HandoffFilter {
  states: readonly HandoffState[]
  alertId?: number | undefined
  limit: number
  scopeHub?: string | null
}

// $1 states, $2 alert id or NULL, $3 limit, $4 hub scope or NULL: open ones oldest first (a work queue), then done ones newest first
export async function listHandoffs(db: Queryable, f: HandoffFilter): Promise<HandoffRow[]> {
  const r = await db.query<HandoffRow>(
    `SELECT ${COLUMNS} FROM ${FROM}
     WHERE h.state = ANY($1::text[]) AND ($2::bigint IS NULL OR h.alert_id = $2) AND ($4::text IS NULL OR a.hub_code = $4)
     ORDER BY h.state = 'done', CASE WHEN h.state = 'open' THEN h.created_at END, h.done_at DESC, h.id DESC
     LIMIT $3`,
    [[...f.states], f.alertId ?? null, f.limit, f.scopeHub ?? null],
  )
  return r.rows
}

// $1 id, $2 hub scope or NULL: a hand-off of another hub's alert is not found
export async function findHandoff(
  db: Queryable,
  id: number,
  scopeHub: string | null = null,
): Promise<HandoffRow | undefined> {
  return (
    await db.query<HandoffRow>(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE h.id = $1 AND ($2::text IS NULL OR a.hub_code = $2)`,
      [id, scopeHub],
    )
  ).rows[0]
}

// $1 hand-off ids
export async function handoffParcels(db: Queryable, ids: readonly number[]): Promise<HandoffParcelRow[]> {
  if (ids.length === 0) return []
  const r = await db.query<HandoffParcelRow>(
    `SELECT p.handoff_id AS "handoffId", p.waybill, s.tier, s.status, s.last_scan_at AS "lastScanAt", s.last_scan_hub AS "lastScanHub",
       s.promised_deadline AS deadline, s.recipient_name AS "recipientName", s.recipient_phone AS "recipientPhone", s.recipient_city AS "recipientCity"
     FROM cs_handoff_parcels p LEFT JOIN shipments s ON s.waybill = p.waybill
     WHERE p.handoff_id = ANY($1::bigint[]) ORDER BY p.handoff_id, s.promised_deadline NULLS LAST, p.waybill`,
    [[...ids]],
  )
  return r.rows
}

/** Closes an open hand-off; false when it is not open (done already, or no such hand-off). */
// $1 id, $2 user id, $3 comment, $4 now
export async function markHandoffDone(
  db: pg.Pool,
  id: number,
  userId: number,
  comment: string,
  now: Date,
): Promise<boolean> {
  const r = await db.query(
    `UPDATE cs_handoffs SET state = 'done', done_by = $2, done_comment = $3, done_at = $4 WHERE id = $1 AND state = 'open'`,
    [id, userId, comment, now],
  )
  return (r.rowCount ?? 0) > 0
}
