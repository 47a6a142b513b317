import type { Queryable } from './outbox-repo.ts'
import type { ClaimReason, ClaimState } from '../domain/claims.ts'

export interface ClaimParcel {
  waybill: string
  declaredValueFen: number | null
  feeTotalFen: number
  exceptionReason: string | null
}

export async function claimParcel(db: Queryable, waybill: string): Promise<ClaimParcel | undefined> {
  const r = await db.query<ClaimParcel>(
    `SELECT waybill, declared_value_fen::float8 AS "declaredValueFen", fee_total_fen AS "feeTotalFen", exception_reason AS "exceptionReason"
     FROM shipments WHERE waybill = $1`,
    [waybill],
  )
  return r.rows[0]
}

export interface NewClaim {
  waybill: string
  reason: ClaimReason
  source: 'exception' | 'operator'
  amountFen: number
  basis: Record<string, unknown>
  note: string
  openedAt: Date
  openedBy: number | null
}

/** Opens a claim; undefined when the parcel already has one that is not rejected. */
// $1 waybill, $2 reason, $3 source, $4 amount, $5 basis, $6 note, $7 time, $8 user
export async function insertClaim(db: Queryable, c: NewClaim): Promise<number | undefined> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO claims (waybill, reason, source, amount_fen, basis, note, opened_at, opened_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (waybill) WHERE state <> 'rejected' DO NOTHING
     RETURNING id::int`,
    [c.waybill, c.reason, c.source, c.amountFen, c.basis, c.note, c.openedAt, c.openedBy],
  )
  const id = r.rows[0]?.id
  if (id !== undefined)
    await db.query(
      `INSERT INTO claim_history (claim_id, at, action, user_id, note) VALUES ($1, $2, 'opened', $3, $4)`,
      [id, c.openedAt, c.openedBy, c.note],
    )
  return id
}

/**
 * Lost or damaged parcels that never had a claim (not even a rejected one): the sweep opens
 * theirs, in waybill order (each claim takes a KEY SHARE lock on its parcel: server/db/tx.ts).
 */
export async function parcelsNeedingClaim(db: Queryable): Promise<ClaimParcel[]> {
  const r = await db.query<ClaimParcel>(
    `SELECT s.waybill, s.declared_value_fen::float8 AS "declaredValueFen", s.fee_total_fen AS "feeTotalFen", s.exception_reason AS "exceptionReason"
     FROM shipments s
     WHERE s.exception_reason IN ('lost', 'damaged') AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.waybill = s.waybill)
     ORDER BY s.waybill`,
  )
  return r.rows
}

export interface ClaimRow {
  id: number
  waybill: string
  reason: ClaimReason
  source: 'exception' | 'operator'
  state: ClaimState
  amountFen: number
  basis: Record<string, unknown>
  note: string
  openedAt: Date
  openedBy: string | null
  decidedAt: Date | null
  decidedBy: string | null
  decisionNote: string | null
  paidAt: Date | null
  paidBy: string | null
  paymentRef: string | null
  tier: string
  feeTotalFen: number
  declaredValueFen: number | null
}

const COLUMNS = `c.id::int, c.waybill, c.reason, c.source, c.state, c.amount_fen::float8 AS "amountFen", c.basis, c.note,
  c.opened_at AS "openedAt", ou.display_name AS "openedBy", c.decided_at AS "decidedAt", du.display_name AS "decidedBy",
  c.decision_note AS "decisionNote", c.paid_at AS "paidAt", pu.display_name AS "paidBy", c.payment_ref AS "paymentRef",
  s.tier, s.fee_total_fen AS "feeTotalFen", s.declared_value_fen::float8 AS "declaredValueFen"`
const FROM = `claims c JOIN shipments s ON s.waybill = c.waybill LEFT JOIN users ou ON ou.id = c.opened_by
  LEFT JOIN users du ON du.id = c.decided_by LEFT JOIN users pu ON pu.id = c.paid_by`

export interface ClaimFilter {
  states: readonly ClaimState[]
  waybill?: string | undefined
  limit: number
}

// $1 states, $2 waybill or NULL, $3 limit
export async function listClaims(db: Queryable, f: ClaimFilter): Promise<ClaimRow[]> {
  const r = await db.query<ClaimRow>(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE c.state = ANY($1::text[]) AND ($2::text IS NULL OR c.waybill = $2)
     ORDER BY c.state = 'open' DESC, c.state = 'approved' DESC, c.opened_at DESC, c.id DESC LIMIT $3`,
    [[...f.states], f.waybill ?? null, f.limit],
  )
  return r.rows
}

export async function findClaim(db: Queryable, id: number, forUpdate = false): Promise<ClaimRow | undefined> {
  return (
    await db.query<ClaimRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE c.id = $1${forUpdate ? ' FOR UPDATE OF c' : ''}`, [
      id,
    ])
  ).rows[0]
}

export async function claimHistory(db: Queryable, id: number) {
  const r = await db.query<{ at: Date; action: string; by: string | null; note: string }>(
    `SELECT h.at, h.action, u.display_name AS by, h.note FROM claim_history h LEFT JOIN users u ON u.id = h.user_id
     WHERE h.claim_id = $1 ORDER BY h.at, h.id`,
    [id],
  )
  return r.rows
}

/** The amount of an open claim, settled at approval, with the rule's figures it came from. */
export async function setClaimAmount(
  db: Queryable,
  id: number,
  amountFen: number,
  basis: Record<string, unknown>,
): Promise<void> {
  await db.query(`UPDATE claims SET amount_fen = $2, basis = $3 WHERE id = $1 AND state = 'open'`, [
    id,
    amountFen,
    basis,
  ])
}

// $1 id, $2 new state, $3 user, $4 now, $5 note, $6 payment reference
export async function updateClaimState(
  db: Queryable,
  id: number,
  to: ClaimState,
  userId: number,
  now: Date,
  note: string,
  paymentRef: string | null,
): Promise<void> {
  if (to === 'paid') {
    await db.query(`UPDATE claims SET state = 'paid', paid_at = $3, paid_by = $2, payment_ref = $4 WHERE id = $1`, [
      id,
      userId,
      now,
      paymentRef,
    ])
  } else {
    await db.query(`UPDATE claims SET state = $2, decided_at = $4, decided_by = $3, decision_note = $5 WHERE id = $1`, [
      id,
      to,
      userId,
      now,
      note,
    ])
  }
  const action = to === 'paid' ? 'paid' : to
  await db.query('INSERT INTO claim_history (claim_id, at, action, user_id, note) VALUES ($1, $2, $3, $4, $5)', [
    id,
    now,
    action,
    userId,
    to === 'paid' && paymentRef ? `${note}${note ? ' · ' : ''}${paymentRef}` : note,
  ])
}
