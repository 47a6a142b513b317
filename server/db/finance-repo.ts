import type { Queryable } from './outbox-repo.ts'
import type { CompensationGroupRow, FeeGroupRow, PaymentState } from '../domain/finance.ts'

const DAY = (col: string) => `to_char(${col} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')`

/**
 * Where the finance figures come from: 'aggregate' the continuous aggregates of
 * sql/025 over the ledgers of sql/024 (what the product reads); 'raw' the same
 * question asked of shipments and claims (the property test and reconciliation).
 * [from, to) are Beijing midnights.
 */
export type FinanceSource = 'aggregate' | 'raw'
const BEIJING_DATE = (p: string) => `(${p}::timestamptz AT TIME ZONE 'Asia/Shanghai')::date`

/** Fees of the parcels collected in [from, to), grouped by day, tier, region (origin province) and payment state. */
// $1 from, $2 to
export async function feeGroups(
  db: Queryable,
  from: Date,
  to: Date,
  src: FinanceSource = 'aggregate',
): Promise<FeeGroupRow[]> {
  const r = await db.query<FeeGroupRow>(
    src === 'aggregate'
      ? `SELECT to_char(f.collected_day, 'YYYY-MM-DD') AS day, f.tier, h.province AS region, f.state,
         sum(f.fen)::float8 AS fen, sum(f.parcels)::int AS count
       FROM finance_fees_daily f JOIN hubs h ON h.code = f.origin_hub
       WHERE f.collected_day >= ${BEIJING_DATE('$1')} AND f.collected_day < ${BEIJING_DATE('$2')}
       GROUP BY 1, 2, 3, 4 HAVING sum(f.parcels) <> 0`
      : `SELECT ${DAY('s.collected_at')} AS day, s.tier, h.province AS region, s.payment_state AS state,
         sum(s.fee_total_fen)::float8 AS fen, count(*)::int AS count
       FROM shipments s JOIN hubs h ON h.code = s.origin_hub
       WHERE s.collected_at >= $1 AND s.collected_at < $2
       GROUP BY 1, 2, 3, 4`,
    [from, to],
  )
  return r.rows
}

/** Claims paid in [from, to), grouped by day of payment and reason. */
// $1 from, $2 to
export async function compensationGroups(
  db: Queryable,
  from: Date,
  to: Date,
  src: FinanceSource = 'aggregate',
): Promise<CompensationGroupRow[]> {
  const r = await db.query<CompensationGroupRow>(
    src === 'aggregate'
      ? `SELECT to_char(c.paid_day, 'YYYY-MM-DD') AS day, c.reason, sum(c.fen)::float8 AS fen, sum(c.claims)::int AS count
       FROM finance_compensation_daily c
       WHERE c.paid_day >= ${BEIJING_DATE('$1')} AND c.paid_day < ${BEIJING_DATE('$2')}
       GROUP BY 1, 2 HAVING sum(c.claims) <> 0`
      : `SELECT ${DAY('c.paid_at')} AS day, c.reason, sum(c.amount_fen)::float8 AS fen, count(*)::int AS count
       FROM claims c WHERE c.state = 'paid' AND c.paid_at >= $1 AND c.paid_at < $2
       GROUP BY 1, 2`,
    [from, to],
  )
  return r.rows
}

export interface FeeLineFilter {
  from: Date
  to: Date
  day?: string | undefined
  tier?: string | undefined
  region?: string | undefined
  state?: PaymentState | undefined
}
export interface FeeLine {
  waybill: string
  collectedAt: Date
  day: string
  tier: string
  originHub: string
  region: string
  paymentState: PaymentState
  feeFen: number
}

const FEE_WHERE = `s.collected_at >= $1 AND s.collected_at < $2 AND ($3::text IS NULL OR ${DAY('s.collected_at')} = $3)
  AND ($4::text IS NULL OR s.tier = $4) AND ($5::text IS NULL OR h.province = $5) AND ($6::text IS NULL OR s.payment_state = $6)`
const feeParams = (f: FeeLineFilter) => [f.from, f.to, f.day ?? null, f.tier ?? null, f.region ?? null, f.state ?? null]

/** The parcels behind a fee figure, and their count and sum (all of them, whatever the page). */
// $1 from, $2 to, $3 day, $4 tier, $5 region, $6 payment state, $7 limit, $8 offset
export async function feeLines(
  db: Queryable,
  f: FeeLineFilter,
  limit: number,
  offset: number,
): Promise<{ lines: FeeLine[]; count: number; fen: number }> {
  const total = await db.query<{ count: number; fen: number }>(
    `SELECT count(*)::int AS count, coalesce(sum(s.fee_total_fen), 0)::float8 AS fen FROM shipments s JOIN hubs h ON h.code = s.origin_hub WHERE ${FEE_WHERE}`,
    feeParams(f),
  )
  const r = await db.query<FeeLine>(
    `SELECT s.waybill, s.collected_at AS "collectedAt", ${DAY('s.collected_at')} AS day, s.tier, s.origin_hub AS "originHub", h.province AS region,
       s.payment_state AS "paymentState", s.fee_total_fen AS "feeFen"
     FROM shipments s JOIN hubs h ON h.code = s.origin_hub WHERE ${FEE_WHERE}
     ORDER BY s.collected_at, s.waybill LIMIT $7 OFFSET $8`,
    [...feeParams(f), limit, offset],
  )
  return { lines: r.rows, count: total.rows[0]!.count, fen: total.rows[0]!.fen }
}

export interface ClaimLineFilter {
  from: Date
  to: Date
  day?: string | undefined
  reason?: 'lost' | 'damaged' | undefined
}
export interface ClaimLine {
  claimId: number
  waybill: string
  reason: string
  paidAt: Date
  day: string
  amountFen: number
  basis: string
  paymentRef: string | null
  paidBy: string | null
}

const CLAIM_WHERE = `c.state = 'paid' AND c.paid_at >= $1 AND c.paid_at < $2 AND ($3::text IS NULL OR ${DAY('c.paid_at')} = $3) AND ($4::text IS NULL OR c.reason = $4)`

/** The paid claims behind a compensation figure. */
// $1 from, $2 to, $3 day, $4 reason, $5 limit, $6 offset
export async function claimLines(
  db: Queryable,
  f: ClaimLineFilter,
  limit: number,
  offset: number,
): Promise<{ lines: ClaimLine[]; count: number; fen: number }> {
  const params = [f.from, f.to, f.day ?? null, f.reason ?? null]
  const total = await db.query<{ count: number; fen: number }>(
    `SELECT count(*)::int AS count, coalesce(sum(c.amount_fen), 0)::float8 AS fen FROM claims c WHERE ${CLAIM_WHERE}`,
    params,
  )
  const r = await db.query<ClaimLine>(
    `SELECT c.id::int AS "claimId", c.waybill, c.reason, c.paid_at AS "paidAt", ${DAY('c.paid_at')} AS day, c.amount_fen::float8 AS "amountFen",
       c.basis->>'basis' AS basis, c.payment_ref AS "paymentRef", u.display_name AS "paidBy"
     FROM claims c LEFT JOIN users u ON u.id = c.paid_by WHERE ${CLAIM_WHERE}
     ORDER BY c.paid_at, c.id LIMIT $5 OFFSET $6`,
    [...params, limit, offset],
  )
  return { lines: r.rows, count: total.rows[0]!.count, fen: total.rows[0]!.fen }
}

/** Moves parcels' payment state forward; returns the waybills changed (the others were unknown or already there or beyond). */
// $1 waybills, $2 target state, $3 states it may come from, $4 user, $5 now
export async function movePayments(
  db: Queryable,
  waybills: readonly string[],
  to: PaymentState,
  fromStates: readonly PaymentState[],
  userId: number,
  now: Date,
): Promise<string[]> {
  const r = await db.query<{ waybill: string }>(
    `WITH old AS (SELECT waybill, payment_state FROM shipments WHERE waybill = ANY($1::text[]) AND payment_state = ANY($3::text[]) ORDER BY waybill FOR NO KEY UPDATE),
     upd AS (UPDATE shipments s SET payment_state = $2 FROM old WHERE s.waybill = old.waybill RETURNING s.waybill)
     INSERT INTO payment_history (waybill, at, from_state, to_state, user_id)
     SELECT old.waybill, $5, old.payment_state, $2, $4 FROM old JOIN upd ON upd.waybill = old.waybill
     RETURNING waybill`,
    [[...waybills], to, [...fromStates], userId, now],
  )
  return r.rows.map((x) => x.waybill)
}
