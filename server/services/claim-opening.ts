import { insertClaim, parcelsNeedingClaim } from '../db/claims-repo.ts'
import type { Queryable } from '../db/outbox-repo.ts'
import { computeClaimAmount, type ClaimReason } from '../domain/claims.ts'

/**
 * Opens the claims of parcels reported lost or damaged by an exception scan
 * (manual 5.3: "loss → start a claim"), once per parcel: a parcel that had a
 * claim, even a rejected one, gets no automatic second one. Idempotent; run by the sweep.
 */
export async function openClaimsFromExceptions(db: Queryable, now: Date): Promise<number> {
  let opened = 0
  for (const p of await parcelsNeedingClaim(db)) {
    const reason = p.exceptionReason as ClaimReason
    const amount = computeClaimAmount({ reason, declaredValueFen: p.declaredValueFen, feeTotalFen: p.feeTotalFen })
    const id = await insertClaim(db, {
      waybill: p.waybill,
      reason,
      source: 'exception',
      amountFen: amount.amountFen,
      basis: { ...amount },
      note: `exception scan: ${reason}`,
      openedAt: now,
      openedBy: null,
    })
    if (id !== undefined) opened++
  }
  return opened
}
