import type pg from 'pg'
import {
  claimLines,
  compensationGroups,
  feeGroups,
  feeLines,
  movePayments,
  type ClaimLineFilter,
  type FeeLineFilter,
} from '../db/finance-repo.ts'
import {
  findStatement,
  insertStatement,
  insertStatementLines,
  listStatements,
  markApproved,
  markReviewed,
  setStatementTotals,
  statementChanges,
  statementLineGroups,
  statementLines,
  statementLinesAfter,
  type StatementLine,
  type StatementLineKind,
} from '../db/statements-repo.ts'
import { startOfShanghaiDay } from '../domain/clock.ts'
import { shanghaiDay, startOfDay } from '../domain/calendar.ts'
import {
  canMovePayment,
  daysOf,
  PAYMENT_STATES,
  summarize,
  type FinanceSummary,
  type PaymentState,
} from '../domain/finance.ts'
import { approvalRefusal, reviewRefusal } from '../domain/statements.ts'
import type { Role } from '../domain/roles.ts'
import { ConflictError, ForbiddenError, NotFoundError } from '../lib/errors.ts'
import { withTransaction } from '../db/tx.ts'

export interface Period {
  from: string
  to: string
}

/** [start of the first day, start of the day after the last) in Asia/Shanghai. */
export function periodBounds(p: Period): { start: Date; end: Date } {
  return { start: startOfDay(p.from), end: new Date(startOfDay(p.to).getTime() + 86_400_000) }
}

export async function financeSummary(db: pg.Pool, p: Period): Promise<Period & FinanceSummary> {
  const { start, end } = periodBounds(p)
  const [fees, comp] = await Promise.all([feeGroups(db, start, end), compensationGroups(db, start, end)])
  return { ...p, ...summarize(daysOf(p.from, p.to), fees, comp) }
}

export interface FinanceToday {
  at: string
  day: string
  feesFen: number
  parcels: number
  compensationFen: number
  claimsPaid: number
  netFen: number
}

/** Today's figures (Asia/Shanghai): the `finance` live channel and the wall tile. */
export async function financeToday(db: pg.Pool, now: Date): Promise<FinanceToday> {
  const start = startOfShanghaiDay(now)
  const end = new Date(start.getTime() + 86_400_000)
  const [fees, comp] = await Promise.all([feeGroups(db, start, end), compensationGroups(db, start, end)])
  const day = shanghaiDay(now)
  const s = summarize([day], fees, comp)
  return {
    at: now.toISOString(),
    day,
    feesFen: s.fees.fen,
    parcels: s.fees.count,
    compensationFen: s.compensation.fen,
    claimsPaid: s.compensation.count,
    netFen: s.netFen,
  }
}

export async function feeLinesOf(
  db: pg.Pool,
  p: Period,
  f: Omit<FeeLineFilter, 'from' | 'to'>,
  limit: number,
  offset: number,
) {
  const { start, end } = periodBounds(p)
  return feeLines(db, { ...f, from: start, to: end }, limit, offset)
}

export async function claimLinesOf(
  db: pg.Pool,
  p: Period,
  f: Omit<ClaimLineFilter, 'from' | 'to'>,
  limit: number,
  offset: number,
) {
  const { start, end } = periodBounds(p)
  return claimLines(db, { ...f, from: start, to: end }, limit, offset)
}

/** Records payments or invoices (manual 7.1), forward only; answers which waybills changed. */
export async function recordPayments(
  db: pg.Pool,
  waybills: readonly string[],
  to: PaymentState,
  userId: number,
  now: Date,
): Promise<string[]> {
  const from = PAYMENT_STATES.filter((s) => canMovePayment(s, to))
  return movePayments(db, [...new Set(waybills)], to, from, userId, now)
}

/**
 * A statement of a period: its lines (every parcel's fee and every paid claim, as they
 * stand now) written once, and its totals summed from those lines, in one snapshot.
 */
export async function generateStatement(db: pg.Pool, p: Period, userId: number, now: Date): Promise<number> {
  const { start, end } = periodBounds(p)
  // One snapshot for the lines and the sums (a server database runs other writers beside us).
  return withTransaction(db, { name: 'statement generation', isolation: 'repeatable read' }, async (client) => {
    const empty = { feesFen: 0, feeLines: 0, compensationFen: 0, claimLines: 0, netFen: 0, totals: {} }
    const id = await insertStatement(client, { from: p.from, to: p.to, ...empty, at: now, by: userId })
    await insertStatementLines(client, id, start, end)
    const g = await statementLineGroups(client, id)
    const s = summarize(daysOf(p.from, p.to), g.fees, g.compensation)
    await setStatementTotals(client, id, {
      feesFen: s.fees.fen,
      feeLines: s.fees.count,
      compensationFen: s.compensation.fen,
      claimLines: s.compensation.count,
      netFen: s.netFen,
      totals: {
        fees: s.fees,
        compensation: s.compensation,
        netFen: s.netFen,
        byTier: s.byTier,
        byRegion: s.byRegion,
        byDay: s.byDay,
      },
    })
    return id
  })
}

/** A page of a statement's fee or claim lines. */
export async function linesOfStatement(
  db: pg.Pool,
  id: number,
  kind: StatementLineKind,
  limit: number,
  offset: number,
) {
  await getStatement(db, id)
  return statementLines(db, id, kind, limit, offset)
}

/** Every line of a statement of one kind, page by page (for the CSV export). */
export async function* allLinesOfStatement(
  db: pg.Pool,
  id: number,
  kind: StatementLineKind,
  pageSize = 5000,
): AsyncGenerator<StatementLine[]> {
  let after: { day: string; ref: string } | null = null
  for (;;) {
    const page = await statementLinesAfter(db, id, kind, after, pageSize)
    if (page.length > 0) yield page
    if (page.length < pageSize) return
    const last = page[page.length - 1]!
    after = { day: last.day, ref: last.ref }
  }
}

/** What moved in the live figures of the statement's period since it was generated. */
export async function changesSinceStatement(db: pg.Pool, s: { id: number; periodFrom: string; periodTo: string }) {
  const { start, end } = periodBounds({ from: s.periodFrom, to: s.periodTo })
  return statementChanges(db, s.id, start, end)
}

export { listStatements }

export async function getStatement(db: pg.Pool, id: number) {
  const s = await findStatement(db, id)
  if (!s) throw new NotFoundError(`No statement ${id}`)
  return s
}

export interface StatementStep {
  id: number
  userId: number
  role: Role
  note: string
  now: Date
}

export async function reviewStatement(db: pg.Pool, step: StatementStep): Promise<void> {
  await withTransaction(db, { name: 'statement review' }, async (client) => {
    const s = await findStatement(client, step.id, true)
    if (!s) throw new NotFoundError(`No statement ${step.id}`)
    const refusal = reviewRefusal({ state: s.state, reviewedBy: s.reviewedById }, step.role)
    if (refusal) throw s.state === 'draft' ? new ForbiddenError(refusal) : new ConflictError(refusal)
    await markReviewed(client, step.id, step.userId, step.now, step.note)
  })
}

export async function approveStatement(db: pg.Pool, step: StatementStep): Promise<void> {
  await withTransaction(db, { name: 'statement approval' }, async (client) => {
    const s = await findStatement(client, step.id, true)
    if (!s) throw new NotFoundError(`No statement ${step.id}`)
    const refusal = approvalRefusal({ state: s.state, reviewedBy: s.reviewedById }, step.role, step.userId)
    if (refusal) throw new ConflictError(refusal)
    await markApproved(client, step.id, step.userId, step.now, step.note)
  })
}
