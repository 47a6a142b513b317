import type { Queryable } from './outbox-repo.ts'
import type { StatementState } from '../domain/statements.ts'
import type { CompensationGroupRow, FeeGroupRow, PaymentState } from '../domain/finance.ts'

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

export interface NewStatement {
  from: string
  to: string
  feesFen: number
  feeLines: number
  compensationFen: number
  claimLines: number
  netFen: number
  totals: unknown
  at: Date
  by: number
}

// $1 from, $2 to, $3 fees, $4 fee lines, $5 compensation, $6 claim lines, $7 net, $8 totals, $9 time, $10 user
export async function insertStatement(db: Queryable, s: NewStatement): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO finance_statements (period_from, period_to, fees_fen, fee_lines, compensation_fen, claim_lines, net_fen, totals, generated_at, generated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id::int`,
    [
      s.from,
      s.to,
      s.feesFen,
      s.feeLines,
      s.compensationFen,
      s.claimLines,
      s.netFen,
      JSON.stringify(s.totals),
      s.at,
      s.by,
    ],
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
  const r = await db.query<StatementRow>(
    `SELECT ${COLUMNS} FROM ${FROM} ORDER BY f.period_from DESC, f.id DESC LIMIT $1`,
    [limit],
  )
  return r.rows.map(({ totals: _t, ...rest }) => rest)
}

export async function findStatement(db: Queryable, id: number, forUpdate = false): Promise<StatementRow | undefined> {
  return (
    await db.query<StatementRow>(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE f.id = $1${forUpdate ? ' FOR UPDATE OF f' : ''}`,
      [id],
    )
  ).rows[0]
}

// $1 id, $2 user, $3 now, $4 note
export async function markReviewed(db: Queryable, id: number, userId: number, now: Date, note: string): Promise<void> {
  await db.query(
    `UPDATE finance_statements SET state = 'reviewed', reviewed_by = $2, reviewed_at = $3, review_note = $4 WHERE id = $1 AND state = 'draft'`,
    [id, userId, now, note],
  )
}

// $1 id, $2 user, $3 now, $4 note
export async function markApproved(db: Queryable, id: number, userId: number, now: Date, note: string): Promise<void> {
  await db.query(
    `UPDATE finance_statements SET state = 'approved', approved_by = $2, approved_at = $3, approve_note = $4 WHERE id = $1 AND state = 'reviewed'`,
    [id, userId, now, note],
  )
}

/**
 * Writes a statement's lines: every parcel collected in [start, end) with its fee, and
 * every claim paid in it with its amount, as they stand in this transaction.
 */
// $1 statement, $2 start, $3 end
export async function insertStatementLines(db: Queryable, id: number, start: Date, end: Date): Promise<void> {
  await db.query(
    `INSERT INTO finance_statement_lines (statement_id, kind, ref, waybill, day, tier, region, payment_state, amount_fen)
     SELECT $1, 'fee', s.waybill, s.waybill, (s.collected_at AT TIME ZONE 'Asia/Shanghai')::date, s.tier, h.province, s.payment_state, s.fee_total_fen
     FROM shipments s JOIN hubs h ON h.code = s.origin_hub WHERE s.collected_at >= $2 AND s.collected_at < $3`,
    [id, start, end],
  )
  await db.query(
    `INSERT INTO finance_statement_lines (statement_id, kind, ref, waybill, day, reason, amount_fen)
     SELECT $1, 'claim', c.id::text, c.waybill, (c.paid_at AT TIME ZONE 'Asia/Shanghai')::date, c.reason, c.amount_fen
     FROM claims c WHERE c.state = 'paid' AND c.paid_at >= $2 AND c.paid_at < $3`,
    [id, start, end],
  )
}

/** A statement's lines grouped as the finance summary groups the live figures: its totals are these. */
// $1 statement
export async function statementLineGroups(
  db: Queryable,
  id: number,
): Promise<{ fees: FeeGroupRow[]; compensation: CompensationGroupRow[] }> {
  const [fees, comp] = await Promise.all([
    db.query<FeeGroupRow>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, tier, region, payment_state AS state, sum(amount_fen)::float8 AS fen, count(*)::int AS count
       FROM finance_statement_lines WHERE statement_id = $1 AND kind = 'fee' GROUP BY 1, 2, 3, 4`,
      [id],
    ),
    db.query<CompensationGroupRow>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, reason, sum(amount_fen)::float8 AS fen, count(*)::int AS count
       FROM finance_statement_lines WHERE statement_id = $1 AND kind = 'claim' GROUP BY 1, 2`,
      [id],
    ),
  ])
  return { fees: fees.rows, compensation: comp.rows }
}

// $1 statement, $2 fees, $3 fee lines, $4 compensation, $5 claim lines, $6 net, $7 totals
export async function setStatementTotals(
  db: Queryable,
  id: number,
  t: Omit<NewStatement, 'from' | 'to' | 'at' | 'by'>,
): Promise<void> {
  await db.query(
    `UPDATE finance_statements SET fees_fen = $2, fee_lines = $3, compensation_fen = $4, claim_lines = $5, net_fen = $6, totals = $7 WHERE id = $1 AND state = 'draft'`,
    [id, t.feesFen, t.feeLines, t.compensationFen, t.claimLines, t.netFen, JSON.stringify(t.totals)],
  )
}

export type StatementLineKind = 'fee' | 'claim'
export interface StatementLine {
  ref: string
  waybill: string
  day: string
  tier: string | null
  region: string | null
  paymentState: PaymentState | null
  reason: 'lost' | 'damaged' | null
  amountFen: number
}

const LINE_COLUMNS = `ref, waybill, to_char(day, 'YYYY-MM-DD') AS day, tier, region, payment_state AS "paymentState", reason, amount_fen::float8 AS "amountFen"`

/** A page of a statement's lines of one kind, with the count and sum of all of them. */
// $1 statement, $2 kind, $3 limit, $4 offset
export async function statementLines(
  db: Queryable,
  id: number,
  kind: StatementLineKind,
  limit: number,
  offset: number,
): Promise<{ lines: StatementLine[]; count: number; fen: number }> {
  const [total, r] = await Promise.all([
    db.query<{ count: number; fen: number }>(
      `SELECT count(*)::int AS count, coalesce(sum(amount_fen), 0)::float8 AS fen FROM finance_statement_lines WHERE statement_id = $1 AND kind = $2`,
      [id, kind],
    ),
    db.query<StatementLine>(
      `SELECT ${LINE_COLUMNS}
       FROM finance_statement_lines WHERE statement_id = $1 AND kind = $2 ORDER BY day, ref LIMIT $3 OFFSET $4`,
      [id, kind, limit, offset],
    ),
  ])
  return { lines: r.rows, count: total.rows[0]!.count, fen: total.rows[0]!.fen }
}

/** Lines of one kind after (day, ref) in the export's order: an export of any size goes out in pages without OFFSET. */
// $1 statement, $2 kind, $3 after day, $4 after ref, $5 limit
export async function statementLinesAfter(
  db: Queryable,
  id: number,
  kind: StatementLineKind,
  after: { day: string; ref: string } | null,
  limit: number,
): Promise<StatementLine[]> {
  const r = await db.query<StatementLine>(
    `SELECT ${LINE_COLUMNS}
     FROM finance_statement_lines WHERE statement_id = $1 AND kind = $2 AND ($3::date IS NULL OR (day, ref) > ($3::date, $4::text))
     ORDER BY day, ref LIMIT $5`,
    [id, kind, after?.day ?? null, after?.ref ?? null, limit],
  )
  return r.rows
}

/** How the live figures of a statement's period differ from its lines: lines added, gone, or with another amount. */
export interface LineChanges {
  added: number
  addedFen: number
  removed: number
  removedFen: number
  changed: number
  changedFen: number
}

const CHANGES = `SELECT count(*) FILTER (WHERE st.ref IS NULL)::int AS added, coalesce(sum(cur.amount_fen) FILTER (WHERE st.ref IS NULL), 0)::float8 AS "addedFen",
    count(*) FILTER (WHERE cur.ref IS NULL)::int AS removed, coalesce(sum(st.amount_fen) FILTER (WHERE cur.ref IS NULL), 0)::float8 AS "removedFen",
    count(*) FILTER (WHERE st.amount_fen <> cur.amount_fen)::int AS changed, coalesce(sum(cur.amount_fen - st.amount_fen) FILTER (WHERE st.amount_fen <> cur.amount_fen), 0)::float8 AS "changedFen"
  FROM st FULL JOIN cur ON cur.ref = st.ref`

// $1 statement, $2 start, $3 end
export async function statementChanges(
  db: Queryable,
  id: number,
  start: Date,
  end: Date,
): Promise<{ fees: LineChanges; claims: LineChanges }> {
  const [fees, claims] = await Promise.all([
    db.query<LineChanges>(
      `WITH st AS (SELECT ref, amount_fen FROM finance_statement_lines WHERE statement_id = $1 AND kind = 'fee'),
       cur AS (SELECT waybill AS ref, fee_total_fen::bigint AS amount_fen FROM shipments WHERE collected_at >= $2 AND collected_at < $3)
       ${CHANGES}`,
      [id, start, end],
    ),
    db.query<LineChanges>(
      `WITH st AS (SELECT ref, amount_fen FROM finance_statement_lines WHERE statement_id = $1 AND kind = 'claim'),
       cur AS (SELECT id::text AS ref, amount_fen::bigint AS amount_fen FROM claims WHERE state = 'paid' AND paid_at >= $2 AND paid_at < $3)
       ${CHANGES}`,
      [id, start, end],
    ),
  ])
  return { fees: fees.rows[0]!, claims: claims.rows[0]! }
}
