import type pg from 'pg'
import { feedbackByDay, insertFeedback } from '../db/feedback-repo.ts'
import { startOfDay } from '../domain/calendar.ts'
import { daysOf } from '../domain/finance.ts'
import { BadRequestError } from '../lib/errors.ts'

export interface TrendDay {
  day: string
  count: number
  /** Mean score of the day, two decimals; null when nobody answered. */
  average: number | null
  parcel: { count: number; average: number | null }
  complaint: { count: number; average: number | null }
}

const mean = (sum: number, count: number): number | null => (count === 0 ? null : Math.round((sum / count) * 100) / 100)

/** Daily average satisfaction (manual 5.2, 6.3), per day of the period including days without answers. */
export async function satisfactionTrend(db: pg.Pool, from: string, to: string) {
  const rows = await feedbackByDay(db, startOfDay(from), new Date(startOfDay(to).getTime() + 86_400_000))
  let count = 0
  let sum = 0
  const days: TrendDay[] = daysOf(from, to).map((day) => {
    const p = rows.find((r) => r.day === day && r.source === 'parcel') ?? { count: 0, sum: 0 }
    const c = rows.find((r) => r.day === day && r.source === 'complaint') ?? { count: 0, sum: 0 }
    count += p.count + c.count
    sum += p.sum + c.sum
    return {
      day,
      count: p.count + c.count,
      average: mean(p.sum + c.sum, p.count + c.count),
      parcel: { count: p.count, average: mean(p.sum, p.count) },
      complaint: { count: c.count, average: mean(c.sum, c.count) },
    }
  })
  return { from, to, count, average: mean(sum, count), days }
}

export async function recordParcelFeedback(
  db: pg.Pool,
  f: { waybill: string; score: number; comment: string; userId: number | null; now: Date },
): Promise<number> {
  const known = await db.query('SELECT 1 FROM shipments WHERE waybill = $1', [f.waybill])
  if (known.rowCount === 0)
    throw new BadRequestError(
      `No parcel ${f.waybill}`,
      [{ field: 'waybill', message: 'unknown waybill' }],
      'unknown_waybill',
    )
  return insertFeedback(db, {
    waybill: f.waybill,
    complaintId: null,
    score: f.score,
    comment: f.comment,
    source: 'parcel',
    createdAt: f.now,
    createdBy: f.userId,
  })
}
