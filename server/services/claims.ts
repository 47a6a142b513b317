import type pg from 'pg'
import { claimHistory, claimParcel, findClaim, insertClaim, listClaims, updateClaimState, type ClaimFilter } from '../db/claims-repo.ts'
import { claimTransition, computeClaimAmount, type ClaimAction, type ClaimReason } from '../domain/claims.ts'
import { BadRequestError, ConflictError, NotFoundError } from '../lib/errors.ts'
import { inTransaction } from './sla-sweep.ts'

export interface OpenClaimInput { waybill: string; reason: ClaimReason; damagePercent?: number | undefined; note: string; userId: number; now: Date }

/** An operator opens a claim for a lost or damaged parcel; the amount follows the published rule. */
export async function openClaim(db: pg.Pool, input: OpenClaimInput): Promise<number> {
  const parcel = await claimParcel(db, input.waybill)
  if (!parcel) throw new BadRequestError(`No parcel ${input.waybill}`, [{ field: 'waybill', message: 'unknown waybill' }])
  const amount = computeClaimAmount({ reason: input.reason, declaredValueFen: parcel.declaredValueFen, feeTotalFen: parcel.feeTotalFen, damagePercent: input.damagePercent })
  const id = await insertClaim(db, {
    waybill: input.waybill, reason: input.reason, source: 'operator', amountFen: amount.amountFen, basis: { ...amount }, note: input.note, openedAt: input.now, openedBy: input.userId,
  })
  if (id === undefined) throw new ConflictError(`Parcel ${input.waybill} already has a claim that is not rejected`)
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

export interface DecideInput { id: number; action: ClaimAction; userId: number; note: string; paymentRef: string | null; now: Date }

/** Approve or reject an open claim, or pay an approved one; with who, when and a note. */
export async function actOnClaim(db: pg.Pool, d: DecideInput): Promise<void> {
  await inTransaction(db, async (client) => {
    const c = await findClaim(client, d.id, true)
    if (!c) throw new NotFoundError(`No claim ${d.id}`)
    const to = claimTransition(c.state, d.action)
    if (!to) throw new ConflictError(`Claim ${d.id} is ${c.state}: it cannot be ${d.action === 'pay' ? 'paid' : `${d.action}d`}`)
    await updateClaimState(client, d.id, to, d.userId, d.now, d.note, d.paymentRef)
  })
}
