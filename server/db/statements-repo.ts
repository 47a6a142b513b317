import type { Queryable } from './outbox-repo.ts'
import type { StatementState } from '../domain/statements.ts'

export interface StatementRow {
  id: number
  periodFrom: string
  periodTo: string
  state: StatementState
  feesFen: number
  feeLines: number
  compensationFen: number
  claimLines: number
  netFen: number
  totals: unknown
  generatedAt: Date
  generatedBy: string
  reviewedAt: Date | null
  reviewedById: number | null
  reviewedBy: string | null
  reviewNote: string | null
  approvedAt: Date | null
  approvedBy: string | null
  approveNote: string | null
}

export interface NewStatement { from: string; to: string; feesFen: number; feeLines: number; compensationFen: number; claimLines: number; netFen: number; totals: unknown; at: Date; by: number }

// $1 from, $2 to, $3 fees, $4 fee lines, $5 compensation, $6 claim lines, $7 net, $8 totals, $9 time, $10 user
export async function insertStatement(db: Queryable, s: NewStatement): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO finance_statements (period_from, period_to, fees_fen, fee_lines, compensation_fen, claim_lines, net_fen, totals, generated_at, generated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id::int`,
    [s.from, s.to, s.feesFen, s.feeLines, s.compensationFen, s.claimLines, s.netFen, JSON.stringify(s.totals), s.at, s.by],
  )
  return r.rows[0]!.id
}

const COLUMNS = `f.id::int, to_char(f.period_from, 'YYYY-MM-DD') AS "periodFrom", to_char(f.period_to, 'YYYY-MM-DD') AS "periodTo", f.state,
  f.fees_fen::float8 AS "feesFen", f.fee_lines AS "feeLines", f.compensation_fen::float8 AS "compensationFen", f.claim_lines AS "claimLines",
  f.net_fen::float8 AS "netFen", f.totals, f.generated_at AS "generatedAt", gu.display_name AS "generatedBy",
  f.reviewed_at AS "reviewedAt", f.reviewed_by::int AS "reviewedById", ru.display_name AS "reviewedBy", f.review_note AS "reviewNote",
  f.approved_at AS "approvedAt", au.display_name AS "approvedBy", f.approve_note AS "approveNote"`
const FROM = `finance_statements f JOIN users gu ON gu.id = f.generated_by LEFT JOIN users ru ON ru.id = f.reviewed_by LEFT JOIN users au ON au.id = f.approved_by`

export async function listStatements(db: Queryable, limit: number): Promise<Array<Omit<StatementRow, 'totals'>>> {
  const r = await db.query<StatementRow>(`SELECT ${COLUMNS} FROM ${FROM} ORDER BY f.period_from DESC, f.id DESC LIMIT $1`, [limit])
  return r.rows.map(({ totals: _t, ...rest }) => rest)
}

export async function findStatement(db: Queryable, id: number, forUpdate = false): Promise<StatementRow | undefined> {
  return (await db.query<StatementRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE f.id = $1${forUpdate ? ' FOR UPDATE OF f' : ''}`, [id])).rows[0]
}

// $1 id, $2 user, $3 now, $4 note
export async function markReviewed(db: Queryable, id: number, userId: number, now: Date, note: string): Promise<void> {
  await db.query(`UPDATE finance_statements SET state = 'reviewed', reviewed_by = $2, reviewed_at = $3, review_note = $4 WHERE id = $1 AND state = 'draft'`, [id, userId, now, note])
}

// $1 id, $2 user, $3 now, $4 note
export async function markApproved(db: Queryable, id: number, userId: number, now: Date, note: string): Promise<void> {
  await db.query(`UPDATE finance_statements SET state = 'approved', approved_by = $2, approved_at = $3, approve_note = $4 WHERE id = $1 AND state = 'reviewed'`, [id, userId, now, note])
}
