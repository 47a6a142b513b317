import type { Response } from 'express'
import { z } from 'zod'
import { once } from 'node:events'
import { fenToYuan, PAYMENT_STATES } from '../domain/finance.ts'
import { csvRows, toCsv } from '../domain/csv.ts'
import { claimReasonZh, CSV_HEADERS, paymentStateZh, tierZh } from '../domain/finance-csv.ts'
import { TIERS } from '../domain/fees.ts'
import type { Role } from '../domain/roles.ts'
import { ConflictError } from '../lib/errors.ts'
import {
  allLinesOfStatement,
  approveStatement,
  changesSinceStatement,
  claimLinesOf,
  feeLinesOf,
  financeSummary,
  financeToday,
  generateStatement,
  getStatement,
  linesOfStatement,
  listStatements,
  recordPayments,
  reviewStatement,
  type Period,
} from '../services/finance.ts'
import { parseBody, userIdOf, type RouteDef, idParam } from './route-kit.ts'

/** Finance and the managers it reports to (manual 7). */
const READERS: readonly Role[] = ['admin', 'manager', 'finance']
const FINANCE: readonly Role[] = ['admin', 'finance']
const APPROVERS: readonly Role[] = ['admin', 'manager']

const MAX_DAYS = 366
const day = z.iso.date('a day as YYYY-MM-DD')
const period = {
  from: day,
  to: day,
}
const checkPeriod = <T extends Period>(q: T) =>
  q.from <= q.to && Date.parse(q.to) - Date.parse(q.from) < MAX_DAYS * 86_400_000
const PERIOD_MESSAGE = { message: `from ≤ to, at most ${MAX_DAYS} days`, path: ['to'] }
const periodQuery = z.strictObject(period).refine(checkPeriod, PERIOD_MESSAGE)
const page = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
}
const feeFilter = {
  day: day.optional(),
  tier: z.enum(TIERS).optional(),
  region: z.string().trim().min(1).max(40).optional(),
  state: z.enum(PAYMENT_STATES).optional(),
}
const claimFilter = { day: day.optional(), reason: z.enum(['lost', 'damaged']).optional() }
const feeQuery = z.strictObject({ ...period, ...feeFilter, ...page }).refine(checkPeriod, PERIOD_MESSAGE)
const claimQuery = z.strictObject({ ...period, ...claimFilter, ...page }).refine(checkPeriod, PERIOD_MESSAGE)
const csvQuery = z
  .strictObject({
    ...period,
    ...feeFilter,
    reason: claimFilter.reason,
    table: z.enum(['days', 'tiers', 'regions', 'fees', 'compensation']),
  })
  .refine(checkPeriod, PERIOD_MESSAGE)
const paymentsBody = z.strictObject({
  waybills: z.array(z.string().trim().min(1).max(40)).min(1).max(1000),
  state: z.enum(['paid', 'invoiced']),
})
const statementBody = z.strictObject(period).refine(checkPeriod, PERIOD_MESSAGE)
const noteBody = z.strictObject({ note: z.string().trim().max(2000).default('') })
const lineKind = { kind: z.enum(['fee', 'claim']) }
const statementLinesQuery = z.strictObject({ ...lineKind, ...page })
const statementCsvQuery = z.strictObject(lineKind)
/** The CSV export holds every line: a period of a busy network stays well below this. */
const CSV_MAX_LINES = 200_000

function personOf(req: Parameters<RouteDef['handler']>[1]): number {
  const userId = userIdOf(req)
  if (userId === null) throw new ConflictError('Only a person can do this')
  return userId
}

function csvHeaders(res: Response, name: string): void {
  res.setHeader('content-type', 'text/csv; charset=utf-8')
  res.setHeader('content-disposition', `attachment; filename="${name}"`)
}

function sendCsv(res: Response, name: string, csv: string): void {
  csvHeaders(res, name)
  res.send(`\uFEFF${csv}`) // the BOM makes spreadsheet programs read the Chinese names as UTF-8
}

const byStateCells = (s: Record<(typeof PAYMENT_STATES)[number], { fen: number; count: number }>) =>
  PAYMENT_STATES.flatMap((k) => [s[k].count, fenToYuan(s[k].fen)])

export const FINANCE_ROUTES: RouteDef[] = [
  {
    method: 'get',
    path: '/api/v1/finance/today',
    hubScope: 'none',
    roles: READERS,
    async handler(ctx, _req, res) {
      res.json(await financeToday(ctx.db, new Date()))
    },
  },
  {
    method: 'get',
    path: '/api/v1/finance/summary',
    hubScope: 'none',
    roles: READERS,
    async handler(ctx, req, res) {
      res.json(await financeSummary(ctx.db, parseBody(periodQuery, req.query)))
    },
  },
  {
    method: 'get',
    path: '/api/v1/finance/fees',
    hubScope: 'none',
    roles: READERS,
    async handler(ctx, req, res) {
      const q = parseBody(feeQuery, req.query)
      res.json(await feeLinesOf(ctx.db, q, q, q.limit, q.offset))
    },
  },
  {
    method: 'get',
    path: '/api/v1/finance/compensation',
    hubScope: 'none',
    roles: READERS,
    async handler(ctx, req, res) {
      const q = parseBody(claimQuery, req.query)
      res.json(await claimLinesOf(ctx.db, q, q, q.limit, q.offset))
    },
  },
  {
    method: 'get',
    path: '/api/v1/finance/export.csv',
    hubScope: 'none',
    roles: READERS,
    async handler(ctx, req, res) {
      const q = parseBody(csvQuery, req.query)
      const name = `parcelwatch-${q.table}-${q.from}-${q.to}.csv`
      if (q.table === 'fees') {
        const { lines } = await feeLinesOf(ctx.db, q, q, CSV_MAX_LINES, 0)
        sendCsv(
          res,
          name,
          toCsv(
            CSV_HEADERS.fees,
            lines.map((l) => [
              l.waybill,
              l.collectedAt.toISOString(),
              l.day,
              tierZh(l.tier),
              l.originHub,
              l.region,
              paymentStateZh(l.paymentState),
              fenToYuan(l.feeFen),
            ]),
          ),
        )
        return
      }
      if (q.table === 'compensation') {
        const { lines } = await claimLinesOf(ctx.db, q, q, CSV_MAX_LINES, 0)
        sendCsv(
          res,
          name,
          toCsv(
            CSV_HEADERS.compensation,
            lines.map((l) => [
              l.claimId,
              l.waybill,
              claimReasonZh(l.reason),
              l.paidAt.toISOString(),
              l.day,
              l.basis,
              l.paymentRef,
              fenToYuan(l.amountFen),
            ]),
          ),
        )
        return
      }
      const s = await financeSummary(ctx.db, q)
      if (q.table === 'days') {
        sendCsv(
          res,
          name,
          toCsv(
            CSV_HEADERS.days,
            s.byDay.map((d) => [
              d.day,
              d.fees.count,
              fenToYuan(d.fees.fen),
              ...byStateCells(d.byState),
              d.compensation.count,
              fenToYuan(d.compensation.fen),
              fenToYuan(d.netFen),
            ]),
          ),
        )
      } else {
        const rows =
          q.table === 'tiers'
            ? s.byTier.map((r) => ({ key: tierZh(r.tier), ...r }))
            : s.byRegion.map((r) => ({ key: r.region, ...r }))
        sendCsv(
          res,
          name,
          toCsv(
            q.table === 'tiers' ? CSV_HEADERS.tiers : CSV_HEADERS.regions,
            rows.map((r) => [r.key, r.fees.count, fenToYuan(r.fees.fen), ...byStateCells(r.byState)]),
          ),
        )
      }
    },
  },
  {
    method: 'post',
    path: '/api/v1/finance/payments',
    hubScope: 'none',
    roles: FINANCE,
    async handler(ctx, req, res) {
      const b = parseBody(paymentsBody, req.body)
      const changed = await recordPayments(ctx.db, b.waybills, b.state, personOf(req), new Date())
      res.json({ state: b.state, changed, unchanged: b.waybills.filter((w) => !changed.includes(w)) })
    },
  },
  {
    method: 'get',
    path: '/api/v1/finance/statements',
    hubScope: 'none',
    roles: READERS,
    async handler(ctx, _req, res) {
      res.json({ statements: await listStatements(ctx.db, 100) })
    },
  },
  {
    method: 'post',
    path: '/api/v1/finance/statements',
    hubScope: 'none',
    roles: FINANCE,
    async handler(ctx, req, res) {
      const p = parseBody(statementBody, req.body)
      const id = await generateStatement(ctx.db, p, personOf(req), new Date())
      res.status(201).json({ statement: await getStatement(ctx.db, id) })
    },
  },
  {
    method: 'get',
    path: '/api/v1/finance/statements/:id',
    hubScope: 'none',
    roles: READERS,
    async handler(ctx, req, res) {
      const statement = await getStatement(ctx.db, parseBody(idParam, req.params.id))
      res.json({ statement, changes: await changesSinceStatement(ctx.db, statement) })
    },
  },
  {
    method: 'get',
    path: '/api/v1/finance/statements/:id/lines',
    hubScope: 'none',
    roles: READERS,
    async handler(ctx, req, res) {
      const q = parseBody(statementLinesQuery, req.query)
      res.json(await linesOfStatement(ctx.db, parseBody(idParam, req.params.id), q.kind, q.limit, q.offset))
    },
  },
  {
    method: 'get',
    path: '/api/v1/finance/statements/:id/lines.csv',
    hubScope: 'none',
    roles: READERS,
    async handler(ctx, req, res) {
      const id = parseBody(idParam, req.params.id)
      const { kind } = parseBody(statementCsvQuery, req.query)
      const s = await getStatement(ctx.db, id)
      const name = `parcelwatch-statement-${id}-${kind === 'fee' ? 'fees' : 'claims'}-${s.periodFrom}-${s.periodTo}.csv`
      csvHeaders(res, name)
      // Every line, in pages: a month of a busy network is millions of parcels.
      // Chinese headers and labels, like the product's other exports (server/domain/finance-csv.ts).
      res.write(`\uFEFF${csvRows([kind === 'fee' ? CSV_HEADERS.statementFees : CSV_HEADERS.statementClaims])}`)
      for await (const page of allLinesOfStatement(ctx.db, id, kind)) {
        const rows = page.map((l) =>
          kind === 'fee'
            ? [l.waybill, l.day, tierZh(l.tier), l.region, paymentStateZh(l.paymentState), fenToYuan(l.amountFen)]
            : [l.ref, l.waybill, l.day, claimReasonZh(l.reason), fenToYuan(l.amountFen)],
        )
        if (res.destroyed) return // the client went away
        if (!res.write(csvRows(rows))) await Promise.race([once(res, 'drain'), once(res, 'close')])
      }
      res.end()
    },
  },
  {
    method: 'post',
    path: '/api/v1/finance/statements/:id/review',
    hubScope: 'none',
    roles: FINANCE,
    async handler(ctx, req, res) {
      const id = parseBody(idParam, req.params.id)
      const { note } = parseBody(noteBody, req.body)
      await reviewStatement(ctx.db, { id, userId: personOf(req), role: req.principal!.role, note, now: new Date() })
      res.json({ statement: await getStatement(ctx.db, id) })
    },
  },
  {
    method: 'post',
    path: '/api/v1/finance/statements/:id/approve',
    hubScope: 'none',
    roles: APPROVERS,
    async handler(ctx, req, res) {
      const id = parseBody(idParam, req.params.id)
      const { note } = parseBody(noteBody, req.body)
      await approveStatement(ctx.db, { id, userId: personOf(req), role: req.principal!.role, note, now: new Date() })
      res.json({ statement: await getStatement(ctx.db, id) })
    },
  },
]
