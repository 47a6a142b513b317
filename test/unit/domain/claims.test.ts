import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  claimTransition,
  computeClaimAmount,
  INSURED_CAP_FEN,
  UNINSURED_CAP_FEN,
} from '../../../server/domain/claims.ts'

describe('claim amount rule', () => {
  it('pays the declared value of an insured lost parcel', () => {
    const a = computeClaimAmount({ reason: 'lost', declaredValueFen: 200_00, feeTotalFen: 12_00 })
    expect(a).toMatchObject({
      amountFen: 200_00,
      basis: 'declared_value',
      baseFen: 200_00,
      capped: false,
      damagePercent: 100,
    })
  })

  it('caps an insured parcel at ¥20,000', () => {
    const a = computeClaimAmount({ reason: 'lost', declaredValueFen: 50_000_00, feeTotalFen: 30_00 })
    expect(a.amountFen).toBe(INSURED_CAP_FEN)
    expect(a.capped).toBe(true)
  })

  it('pays three times the fee of an uninsured lost parcel', () => {
    const a = computeClaimAmount({ reason: 'lost', declaredValueFen: null, feeTotalFen: 12_50 })
    expect(a).toMatchObject({ amountFen: 37_50, basis: 'fee_multiple', baseFen: 37_50, capped: false })
  })

  it('treats a declared value of zero as uninsured', () => {
    expect(computeClaimAmount({ reason: 'lost', declaredValueFen: 0, feeTotalFen: 10_00 }).basis).toBe('fee_multiple')
  })

  it('caps an uninsured parcel at ¥500', () => {
    const a = computeClaimAmount({ reason: 'lost', declaredValueFen: null, feeTotalFen: 200_00 })
    expect(a.amountFen).toBe(UNINSURED_CAP_FEN)
    expect(a.capped).toBe(true)
  })

  it('pays the damaged share of the capped amount, rounded half up to the fen', () => {
    expect(
      computeClaimAmount({ reason: 'damaged', declaredValueFen: 333_33, feeTotalFen: 10_00, damagePercent: 30 })
        .amountFen,
    ).toBe(100_00)
    expect(
      computeClaimAmount({ reason: 'damaged', declaredValueFen: 50_000_00, feeTotalFen: 10_00, damagePercent: 50 })
        .amountFen,
    ).toBe(INSURED_CAP_FEN / 2)
    expect(
      computeClaimAmount({ reason: 'damaged', declaredValueFen: null, feeTotalFen: 10_01, damagePercent: 50 })
        .amountFen,
    ).toBe(15_02)
  })

  it('pays a damaged parcel in full when no share was agreed, and ignores a share for a lost one', () => {
    expect(computeClaimAmount({ reason: 'damaged', declaredValueFen: 100_00, feeTotalFen: 10_00 }).amountFen).toBe(
      100_00,
    )
    expect(
      computeClaimAmount({ reason: 'lost', declaredValueFen: 100_00, feeTotalFen: 10_00, damagePercent: 10 }).amountFen,
    ).toBe(100_00)
  })

  it('never pays more than the cap nor less than nothing, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('lost' as const, 'damaged' as const),
        fc.option(fc.integer({ min: 0, max: 10_000_000_00 }), { nil: null }),
        fc.integer({ min: 0, max: 5_000_00 }),
        fc.integer({ min: 1, max: 100 }),
        (reason, declaredValueFen, feeTotalFen, damagePercent) => {
          const a = computeClaimAmount({ reason, declaredValueFen, feeTotalFen, damagePercent })
          expect(Number.isInteger(a.amountFen)).toBe(true)
          expect(a.amountFen).toBeGreaterThanOrEqual(0)
          expect(a.amountFen).toBeLessThanOrEqual(a.capFen)
          expect(a.amountFen).toBeLessThanOrEqual(a.baseFen)
        },
      ),
    )
  })
})

describe('claim states', () => {
  it('goes open → approved → paid or open → rejected, and nothing else', () => {
    expect(claimTransition('open', 'approve')).toBe('approved')
    expect(claimTransition('open', 'reject')).toBe('rejected')
    expect(claimTransition('approved', 'pay')).toBe('paid')
    expect(claimTransition('open', 'pay')).toBeNull()
    expect(claimTransition('approved', 'reject')).toBeNull()
    expect(claimTransition('paid', 'approve')).toBeNull()
    expect(claimTransition('rejected', 'approve')).toBeNull()
  })
})
