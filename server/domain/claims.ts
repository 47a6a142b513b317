/**
 * The compensation rule for lost and damaged parcels (manual 4.3.2 "lost → search,
 * then compensate; damaged → agree compensation"; 5.3 "loss → start a claim").
 * Pure. Amounts in fen. It follows what Chinese couriers publish under the Postal
 * Law (insured items: the insured value; uninsured: a multiple of the fee):
 *
 *  - insured (a declared value was given and its insurance paid): the declared
 *    value, at most INSURED_CAP_FEN (¥20,000, the highest value the company insures);
 *  - uninsured: UNINSURED_FEE_MULTIPLE (3) × the fee paid, at most
 *    UNINSURED_CAP_FEN (¥500);
 *  - damaged: that amount × the damaged share (1–100 %, agreed with the customer;
 *    100 % when nobody said otherwise, e.g. a claim opened from the exception);
 *    lost: the whole amount;
 *  - rounded to the fen, half up.
 */
import type { ClaimReason } from '../../contract/enums.ts'
export { CLAIM_REASONS, type ClaimReason } from '../../contract/enums.ts'

export const INSURED_CAP_FEN = 2_000_000
export const UNINSURED_FEE_MULTIPLE = 3
export const UNINSURED_CAP_FEN = 50_000

export interface ClaimInput {
  reason: ClaimReason
  declaredValueFen: number | null
  feeTotalFen: number
  /** Share of the value damaged, 1–100; ignored for a lost parcel. */
  damagePercent?: number
}

export interface ClaimAmount {
  amountFen: number
  basis: 'declared_value' | 'fee_multiple'
  /** What the rule starts from before the cap and the damaged share: the declared value, or the fee × multiple. */
  baseFen: number
  capFen: number
  capped: boolean
  damagePercent: number
}

export function computeClaimAmount(input: ClaimInput): ClaimAmount {
  const insured = (input.declaredValueFen ?? 0) > 0
  const baseFen = insured ? input.declaredValueFen! : input.feeTotalFen * UNINSURED_FEE_MULTIPLE
  const capFen = insured ? INSURED_CAP_FEN : UNINSURED_CAP_FEN
  const capped = baseFen > capFen
  const damagePercent =
    input.reason === 'lost' ? 100 : Math.min(100, Math.max(1, Math.round(input.damagePercent ?? 100)))
  const amountFen = Math.round((Math.min(baseFen, capFen) * damagePercent) / 100)
  return { amountFen, basis: insured ? 'declared_value' : 'fee_multiple', baseFen, capFen, capped, damagePercent }
}

export type ClaimState = 'open' | 'approved' | 'rejected' | 'paid'
export type ClaimAction = 'approve' | 'reject' | 'pay'

/** open → approved → paid, or open → rejected; nothing else. */
export function claimTransition(from: ClaimState, action: ClaimAction): ClaimState | null {
  if (from === 'open' && action === 'approve') return 'approved'
  if (from === 'open' && action === 'reject') return 'rejected'
  if (from === 'approved' && action === 'pay') return 'paid'
  return null
}
