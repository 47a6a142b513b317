import type { Queryable } from './outbox-repo.ts'

export interface NewFeedback {
  waybill: string | null
  complaintId: number | null
  score: number
  comment: string
  source: 'parcel' | 'complaint'
  createdAt: Date
  createdBy: number | null
}

// $1 waybill, $2 complaint, $3 score, $4 comment, $5 source, $6 time, $7 user
export async function insertFeedback(db: Queryable, f: NewFeedback): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO feedback (waybill, complaint_id, score, comment, source, created_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::int`,
    [f.waybill, f.complaintId, f.score, f.comment, f.source, f.createdAt, f.createdBy],
  )
  return r.rows[0]!.id
}

export interface TrendRow {
  day: string
  source: 'parcel' | 'complaint'
  count: number
  sum: number
}

/** Scores per Shanghai day and source in [from, to). */
// $1 from, $2 to
export async function feedbackByDay(db: Queryable, from: Date, to: Date): Promise<TrendRow[]> {
  const r = await db.query<TrendRow>(
    `SELECT to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day, source, count(*)::int AS count, sum(score)::int AS sum
     FROM feedback WHERE created_at >= $1 AND created_at < $2
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [from, to],
  )
  return r.rows
}
