import type pg from 'pg'
import {
  claimHistory,
  claimParcel,
  findClaim,
  insertClaim,
  listClaims,
  setClaimAmount,
  updateClaimState,
  type ClaimFilter,
} from '../db/claims-repo.ts'
import { claimTransition, computeClaimAmount, type ClaimAction, type ClaimReason } from '../domain/claims.ts'
import { fenToYuan } from '../domain/finance.ts'
import { BadRequestError, ConflictError, NotFoundError } from '../lib/errors.ts'
import { withTransaction } from '../db/tx.ts'

export interface OpenClaimInput {
  waybill: string
  reason: ClaimReason
  damagePercent?: number | undefined
  note: string
  userId: number
  now: Date
}

/** An operator opens a claim for a lost or damaged parcel; the amount follows the published rule. */
export async function openClaim(db: pg.Pool, input: OpenClaimInput): Promise<number> {
  const parcel = await claimParcel(db, input.waybill)
  if (!parcel)
    throw new BadRequestError(
      `No parcel ${input.waybill}`,
      [{ field: 'waybill', message: 'unknown waybill' }],
      'unknown_waybill',
    )
  const amount = computeClaimAmount({
    reason: input.reason,
    declaredValueFen: parcel.declaredValueFen,
    feeTotalFen: parcel.feeTotalFen,
    damagePercent: input.damagePercent,
  })
  const id = await insertClaim(db, {
    waybill: input.waybill,
    reason: input.reason,
    source: 'operator',
    amountFen: amount.amountFen,
    basis: { ...amount },
    note: input.note,
    openedAt: input.now,
    openedBy: input.userId,
  })
  if (id === undefined)
    throw new ConflictError(`Parcel ${input.waybill} already has a claim that is not rejected`, 'claim_exists')
  return id
}

export async function listClaimsFor(db: pg.Pool, f: ClaimFilter) {
  return listClaims(db, f)
}

export async function getClaim(db: pg.Pool, id: number) {
  const c = await findClaim(db, id)
  if (!c) throw new NotFoundError(`No claim ${id}`)
  return { ...c, history: await claimHistory(db, id) }
}

export interface DecideInput {
  id: number
  action: ClaimAction
  userId: number
  note: string
  paymentRef: string | null
  now: Date
  /** Approval of a damaged parcel's claim: the share agreed with the customer, if it differs from the one opened with. */
  damagePercent?: number | undefined
}

/**
 * Approve or reject an open claim, or pay an approved one; with who, when and a note.
 * Approving a damaged parcel's claim may settle the damaged share agreed with the
 * customer: the amount is recomputed by the same rule and the change is written
 * into the approval's history line.
 */
export async function actOnClaim(db: pg.Pool, d: DecideInput): Promise<void> {
  await withTransaction(db, { name: 'claim decision' }, async (client) => {
    const c = await findClaim(client, d.id, true)
    if (!c) throw new NotFoundError(`No claim ${d.id}`)
    const to = claimTransition(c.state, d.action)
    if (!to)
      throw new ConflictError(
        `Claim ${d.id} is ${c.state}: it cannot be ${d.action === 'pay' ? 'paid' : `${d.action}d`}`,
      )
    let note = d.note
    if (d.damagePercent !== undefined) {
      if (c.reason !== 'damaged')
        throw new BadRequestError(`Claim ${d.id} is for a lost parcel: it has no damaged share`, [
          { field: 'damagePercent', message: 'only for damaged parcels' },
        ])
      const was = Number((c.basis as { damagePercent?: number }).damagePercent ?? 100)
      if (d.damagePercent !== was) {
        const amount = computeClaimAmount({
          reason: 'damaged',
          declaredValueFen: c.declaredValueFen,
          feeTotalFen: c.feeTotalFen,
          damagePercent: d.damagePercent,
        })
        await setClaimAmount(client, d.id, amount.amountFen, { ...amount })
        note = `[${was}% → ${d.damagePercent}%: ${yuan(c.amountFen)} → ${yuan(amount.amountFen)}] ${note}`
      }
    }
    await updateClaimState(client, d.id, to, d.userId, d.now, note, d.paymentRef)
  })
}

const yuan = (fen: number) => `¥${fenToYuan(fen)}`
