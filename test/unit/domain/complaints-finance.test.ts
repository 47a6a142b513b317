import { describe, expect, it } from 'vitest'
import { canMove, dueAt, isOverdue, overdueSeverity } from '../../../server/domain/complaints.ts'
import { canMovePayment, daysOf, fenToYuan, summarize } from '../../../server/domain/finance.ts'
import { toCsv } from '../../../server/domain/csv.ts'
import { approvalRefusal, reviewRefusal } from '../../../server/domain/statements.ts'

const at = (iso: string) => new Date(iso)

describe('complaint handling', () => {
  it('moves only forward, one step or several', () => {
    expect(canMove('received', 'analysing')).toBe(true)
    expect(canMove('received', 'replied')).toBe(true)
    expect(canMove('replied', 'closed')).toBe(true)
    expect(canMove('coordinating', 'analysing')).toBe(false)
    expect(canMove('closed', 'closed')).toBe(false)
  })

  it('is overdue past its limit only while unanswered', () => {
    const received = at('2026-03-02T09:00:00+08:00')
    const due = dueAt(received, 24)
    expect(due.toISOString()).toBe(at('2026-03-03T09:00:00+08:00').toISOString())
    expect(isOverdue('analysing', due, at('2026-03-03T08:59:59+08:00'))).toBe(false)
    expect(isOverdue('analysing', due, at('2026-03-03T09:00:01+08:00'))).toBe(true)
    expect(isOverdue('replied', due, at('2026-03-05T09:00:00+08:00'))).toBe(false)
  })

  it('turns critical once a complaint waited twice its limit', () => {
    const received = at('2026-03-02T09:00:00+08:00')
    expect(overdueSeverity(received, 24, at('2026-03-03T10:00:00+08:00'))).toBe('warning')
    expect(overdueSeverity(received, 24, at('2026-03-04T09:00:00+08:00'))).toBe('critical')
  })
})

describe('finance roll-up', () => {
  it('adds every table up to the same total and nets compensation by day', () => {
    const s = summarize(
      daysOf('2026-03-01', '2026-03-03'),
      [
        { day: '2026-03-01', tier: 'express', region: '浙江', state: 'paid', fen: 30_00, count: 2 },
        { day: '2026-03-01', tier: 'standard', region: '上海', state: 'unpaid', fen: 10_00, count: 1 },
        { day: '2026-03-03', tier: 'standard', region: '浙江', state: 'invoiced', fen: 5_05, count: 1 },
      ],
      [{ day: '2026-03-03', reason: 'lost', fen: 7_00, count: 1 }],
    )
    expect(s.fees).toMatchObject({ fen: 45_05, count: 4 })
    expect(s.fees.byState.paid.fen + s.fees.byState.unpaid.fen + s.fees.byState.invoiced.fen).toBe(45_05)
    expect(s.byDay.map((d) => [d.day, d.fees.fen, d.compensation.fen, d.netFen])).toEqual([
      ['2026-03-01', 40_00, 0, 40_00],
      ['2026-03-02', 0, 0, 0],
      ['2026-03-03', 5_05, 7_00, -1_95],
    ])
    expect(s.byTier.map((t) => [t.tier, t.fees.fen])).toEqual([
      ['express', 30_00],
      ['standard', 15_05],
    ])
    expect(s.byRegion.map((r) => [r.region, r.fees.fen])).toEqual([
      ['浙江', 35_05],
      ['上海', 10_00],
    ])
    expect(s.netFen).toBe(38_05)
  })

  it('moves payment states forward only', () => {
    expect(canMovePayment('unpaid', 'paid')).toBe(true)
    expect(canMovePayment('unpaid', 'invoiced')).toBe(true)
    expect(canMovePayment('invoiced', 'paid')).toBe(false)
    expect(canMovePayment('paid', 'paid')).toBe(false)
  })

  it('writes exact yuan and quotes CSV cells, defusing formulas but not negative amounts', () => {
    expect(fenToYuan(12345)).toBe('123.45')
    expect(fenToYuan(-5)).toBe('-0.05')
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,"y"', '=1+1'],
          [fenToYuan(-195), null],
        ],
      ),
    ).toBe('a,b\r\n"x,""y""",\'=1+1\r\n-1.95,\r\n')
  })
})

describe('period statements', () => {
  it('is reviewed by finance, then approved by a manager who did not review it', () => {
    expect(reviewRefusal({ state: 'draft', reviewedBy: null }, 'finance')).toBeNull()
    expect(reviewRefusal({ state: 'draft', reviewedBy: null }, 'manager')).toMatch(/finance/)
    expect(approvalRefusal({ state: 'draft', reviewedBy: null }, 'manager', 7)).toMatch(/reviews/)
    expect(approvalRefusal({ state: 'reviewed', reviewedBy: 7 }, 'admin', 7)).toMatch(/cannot also approve/)
    expect(approvalRefusal({ state: 'reviewed', reviewedBy: 7 }, 'manager', 8)).toBeNull()
    expect(approvalRefusal({ state: 'approved', reviewedBy: 7 }, 'manager', 8)).toMatch(/cannot change/)
    expect(reviewRefusal({ state: 'approved', reviewedBy: 7 }, 'finance')).toMatch(/approved/)
  })
})
