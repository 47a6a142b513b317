import type { Queryable } from './outbox-repo.ts'
import type { ComplaintChannel, ComplaintState } from '../domain/complaints.ts'

export interface CategoryRow {
  code: string
  labelZh: string
  labelEn: string
  limitHours: number
  updatedAt: Date
}

export async function listCategories(db: Queryable): Promise<CategoryRow[]> {
  const r = await db.query<CategoryRow>(
    `SELECT code, label_zh AS "labelZh", label_en AS "labelEn", limit_hours AS "limitHours", updated_at AS "updatedAt"
     FROM complaint_categories ORDER BY limit_hours, code`,
  )
  return r.rows
}

// $1 code, $2 hours, $3 user, $4 now
export async function setCategoryLimit(
  db: Queryable,
  code: string,
  hours: number,
  userId: number | null,
  now: Date,
): Promise<boolean> {
  const r = await db.query(
    'UPDATE complaint_categories SET limit_hours = $2, updated_by = $3, updated_at = $4 WHERE code = $1',
    [code, hours, userId, now],
  )
  return (r.rowCount ?? 0) > 0
}

export interface NewComplaint {
  channel: ComplaintChannel
  category: string
  waybill: string | null
  description: string
  contactName: string | null
  contactPhone: string | null
  contactEmail: string | null
  receivedAt: Date
  createdBy: number | null
}

/** Inserts with the category's limit of now, frozen on the complaint; undefined for an unknown category. */
// $1 channel, $2 category, $3 waybill, $4 description, $5-$7 contact, $8 received at, $9 user
export async function insertComplaint(db: Queryable, c: NewComplaint): Promise<number | undefined> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO complaints (channel, category, waybill, description, contact_name, contact_phone, contact_email, limit_hours, received_at, due_at, created_by, updated_at)
     SELECT $1, k.code, $3, $4, $5, $6, $7, k.limit_hours, $8, $8::timestamptz + k.limit_hours * interval '1 hour', $9, $8
     FROM complaint_categories k WHERE k.code = $2
     RETURNING id`,
    [
      c.channel,
      c.category,
      c.waybill,
      c.description,
      c.contactName,
      c.contactPhone,
      c.contactEmail,
      c.receivedAt,
      c.createdBy,
    ],
  )
  const id = r.rows[0]?.id
  if (id !== undefined) {
    await db.query(
      `INSERT INTO complaint_history (complaint_id, at, from_state, to_state, user_id, note) VALUES ($1, $2, NULL, 'received', $3, '')`,
      [id, c.receivedAt, c.createdBy],
    )
  }
  return id
}

export interface ComplaintRow {
  id: number
  channel: ComplaintChannel
  category: string
  categoryZh: string
  categoryEn: string
  waybill: string | null
  description: string
  contactName: string | null
  contactPhone: string | null
  contactEmail: string | null
  state: ComplaintState
  limitHours: number
  receivedAt: Date
  dueAt: Date
  repliedAt: Date | null
  closedAt: Date | null
  satisfaction: number | null
  createdBy: string | null
  alertId: number | null
}

const COLUMNS = `c.id, c.channel, c.category, k.label_zh AS "categoryZh", k.label_en AS "categoryEn", c.waybill, c.description,
  c.contact_name AS "contactName", c.contact_phone AS "contactPhone", c.contact_email AS "contactEmail", c.state,
  c.limit_hours AS "limitHours", c.received_at AS "receivedAt", c.due_at AS "dueAt", c.replied_at AS "repliedAt",
  c.closed_at AS "closedAt", c.satisfaction, u.display_name AS "createdBy",
  (SELECT a.id FROM alerts a WHERE a.rule = 'complaint_overdue' AND a.subject = 'complaint:' || c.id ORDER BY a.id DESC LIMIT 1)::int AS "alertId"`
const FROM = `complaints c JOIN complaint_categories k ON k.code = c.category LEFT JOIN users u ON u.id = c.created_by`

export interface ComplaintFilter {
  states: readonly ComplaintState[]
  waybill?: string | undefined
  overdueAt?: Date | undefined
  limit: number
}

// $1 states, $2 waybill or NULL, $3 overdue-at or NULL, $4 limit: the ones due first first, answered ones after
export async function listComplaints(db: Queryable, f: ComplaintFilter): Promise<ComplaintRow[]> {
  const r = await db.query<ComplaintRow>(
    `SELECT ${COLUMNS} FROM ${FROM}
     WHERE c.state = ANY($1::text[]) AND ($2::text IS NULL OR c.waybill = $2)
       AND ($3::timestamptz IS NULL OR (c.due_at < $3 AND c.state IN ('received', 'analysing', 'coordinating')))
     ORDER BY c.state IN ('replied', 'closed'), c.due_at, c.id DESC LIMIT $4`,
    [[...f.states], f.waybill ?? null, f.overdueAt ?? null, f.limit],
  )
  return r.rows
}

export async function findComplaint(db: Queryable, id: number, forUpdate = false): Promise<ComplaintRow | undefined> {
  const sql = forUpdate
    ? `SELECT ${COLUMNS} FROM ${FROM} WHERE c.id = $1 FOR UPDATE OF c`
    : `SELECT ${COLUMNS} FROM ${FROM} WHERE c.id = $1`
  return (await db.query<ComplaintRow>(sql, [id])).rows[0]
}

export interface HistoryRow {
  at: Date
  fromState: string | null
  toState: string
  by: string | null
  note: string
}

export async function complaintHistory(db: Queryable, id: number): Promise<HistoryRow[]> {
  const r = await db.query<HistoryRow>(
    `SELECT h.at, h.from_state AS "fromState", h.to_state AS "toState", u.display_name AS by, h.note
     FROM complaint_history h LEFT JOIN users u ON u.id = h.user_id WHERE h.complaint_id = $1 ORDER BY h.at, h.id`,
    [id],
  )
  return r.rows
}

// $1 id, $2 to state, $3 now, $4 satisfaction or NULL; then the history row
export async function moveComplaint(
  db: Queryable,
  id: number,
  from: ComplaintState,
  to: ComplaintState,
  userId: number,
  note: string,
  satisfaction: number | null,
  now: Date,
): Promise<void> {
  await db.query(
    `UPDATE complaints SET state = $2, updated_at = $3, satisfaction = coalesce($4::smallint, satisfaction),
       replied_at = CASE WHEN $2 IN ('replied', 'closed') THEN coalesce(replied_at, $3) ELSE replied_at END,
       closed_at = CASE WHEN $2 = 'closed' THEN $3 ELSE closed_at END
     WHERE id = $1`,
    [id, to, now, satisfaction],
  )
  await db.query(
    'INSERT INTO complaint_history (complaint_id, at, from_state, to_state, user_id, note) VALUES ($1, $2, $3, $4, $5, $6)',
    [id, now, from, to, userId, note],
  )
}

export interface OverdueRow {
  id: number
  category: string
  limitHours: number
  receivedAt: Date
  dueAt: Date
  waybill: string | null
  hubCode: string | null
}

/** Complaints past their limit and not yet answered, with the parcel's destination hub when there is one. */
// $1 now
export async function overdueComplaints(db: Queryable, now: Date): Promise<OverdueRow[]> {
  const r = await db.query<OverdueRow>(
    `SELECT c.id::int AS id, c.category, c.limit_hours AS "limitHours", c.received_at AS "receivedAt", c.due_at AS "dueAt", c.waybill,
       s.destination_hub AS "hubCode"
     FROM complaints c LEFT JOIN shipments s ON s.waybill = c.waybill
     WHERE c.state IN ('received', 'analysing', 'coordinating') AND c.due_at < $1
     ORDER BY c.id`,
    [now],
  )
  return r.rows
}
