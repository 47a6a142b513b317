// Complaints, feedback, claims and finance (manual 5–7): /api/v1/complaints…, /api/v1/feedback,
// /api/v1/satisfaction/trend, /api/v1/claims…, /api/v1/finance/… (server/http/complaint-routes.ts,
// claim-routes.ts, finance-routes.ts). Amounts are in fen (1/100 yuan). The CSV exports
// (finance/export.csv, statements/:id/lines.csv) are not JSON and have no schema here.
import * as z from 'zod/mini'
import {
  CLAIM_REASONS,
  CLAIM_STATES,
  COMPLAINT_CHANNELS,
  COMPLAINT_STATES,
  PAYMENT_STATES,
  STATEMENT_STATES,
} from './enums.ts'
import { count, id, isoDay, isoTime, nullableString } from './common.ts'

export const complaintState = z.enum(COMPLAINT_STATES)
export const paymentState = z.enum(PAYMENT_STATES)
export const claimReason = z.enum(CLAIM_REASONS)

export const category = z.object({
  code: z.string(),
  labelZh: z.string(),
  labelEn: z.string(),
  /** Hours to answer a complaint of this category. */
  limitHours: z.number().check(z.positive()),
  updatedAt: z.optional(isoTime),
})
export type Category = z.output<typeof category>
export const categoryList = z.object({ categories: z.array(category) })

export const complaintHistoryEntry = z.object({
  at: isoTime,
  fromState: z.nullable(complaintState),
  toState: complaintState,
  by: nullableString,
  note: z.string(),
})

/** Contact details are masked unless the reader's role may see personal data (`masked`). */
export const complaint = z.object({
  id,
  channel: z.enum(COMPLAINT_CHANNELS),
  category: z.string(),
  categoryZh: z.string(),
  categoryEn: z.string(),
  waybill: nullableString,
  description: z.string(),
  contactName: nullableString,
  contactPhone: nullableString,
  contactEmail: nullableString,
  masked: z.boolean(),
  state: complaintState,
  limitHours: z.number(),
  receivedAt: isoTime,
  dueAt: isoTime,
  repliedAt: z.nullable(isoTime),
  closedAt: z.nullable(isoTime),
  /** 1–5, asked at closing. */
  satisfaction: z.nullable(z.int().check(z.minimum(1), z.maximum(5))),
  createdBy: nullableString,
  /** The complaint_overdue alert raised for it, if any. */
  alertId: z.nullable(id),
  overdue: z.boolean(),
  /** Present on one complaint's answers (GET /complaints/:id, create, transition), not in lists. */
  history: z.optional(z.array(complaintHistoryEntry)),
})
export type Complaint = z.output<typeof complaint>
export const complaintEnvelope = z.object({ complaint })
export const complaintList = z.object({ complaints: z.array(complaint) })

export const feedbackAnswer = z.object({
  feedback: z.object({ id, waybill: z.string(), score: z.int().check(z.minimum(1), z.maximum(5)) }),
})

const scoreMean = z.nullable(z.number().check(z.minimum(1), z.maximum(5)))
export const satisfactionDay = z.object({
  day: isoDay,
  count,
  /** Mean score of the day, two decimals; null when nobody answered. */
  average: scoreMean,
  parcel: z.object({ count, average: scoreMean }),
  complaint: z.object({ count, average: scoreMean }),
})
/** GET /api/v1/satisfaction/trend: scores 1–5 by Beijing day, every day of the period. */
export const satisfactionTrend = z.object({
  from: isoDay,
  to: isoDay,
  count,
  average: scoreMean,
  days: z.array(satisfactionDay),
})
export type SatisfactionTrend = z.output<typeof satisfactionTrend>

/** How a claim's amount was reached (server/domain/claims.ts ClaimAmount). */
export const claimBasis = z.object({
  basis: z.enum(['declared_value', 'fee_multiple']),
  baseFen: z.number(),
  capFen: z.number(),
  capped: z.boolean(),
  damagePercent: z.number(),
})
export const claim = z.object({
  id,
  waybill: z.string(),
  reason: claimReason,
  source: z.enum(['exception', 'operator']),
  state: z.enum(CLAIM_STATES),
  amountFen: count,
  basis: claimBasis,
  note: z.string(),
  openedAt: isoTime,
  openedBy: nullableString,
  decidedAt: z.nullable(isoTime),
  decidedBy: nullableString,
  decisionNote: nullableString,
  paidAt: z.nullable(isoTime),
  paidBy: nullableString,
  paymentRef: nullableString,
  tier: z.string(),
  feeTotalFen: count,
  declaredValueFen: z.nullable(count),
  /** Present on one claim's answers, not in lists. */
  history: z.optional(z.array(z.object({ at: isoTime, action: z.string(), by: nullableString, note: z.string() }))),
})
export type Claim = z.output<typeof claim>
export const claimEnvelope = z.object({ claim })
export const claimList = z.object({ claims: z.array(claim) })

export const money = z.object({ fen: z.number(), count })
export type Money = z.output<typeof money>
export const byState = z.object({ unpaid: money, paid: money, invoiced: money })
export type ByState = z.output<typeof byState>

/** GET /api/v1/finance/summary?from&to. */
export const financeSummary = z.object({
  from: isoDay,
  to: isoDay,
  fees: z.extend(money, { byState }),
  compensation: z.extend(money, { byReason: z.object({ lost: money, damaged: money }) }),
  netFen: z.number(),
  /** Every day of the period, zeros included, in order. */
  byDay: z.array(z.object({ day: isoDay, fees: money, byState, compensation: money, netFen: z.number() })),
  byTier: z.array(z.object({ tier: z.string(), fees: money, byState })),
  byRegion: z.array(z.object({ region: z.string(), fees: money, byState })),
})
export type FinanceSummary = z.output<typeof financeSummary>

export const feeLine = z.object({
  waybill: z.string(),
  collectedAt: isoTime,
  day: isoDay,
  tier: z.string(),
  originHub: z.string(),
  region: z.string(),
  paymentState,
  feeFen: z.number(),
})
export type FeeLine = z.output<typeof feeLine>
export const claimLine = z.object({
  claimId: id,
  waybill: z.string(),
  reason: claimReason,
  paidAt: isoTime,
  day: isoDay,
  amountFen: z.number(),
  basis: z.string(),
  paymentRef: nullableString,
  paidBy: nullableString,
})
export type ClaimLine = z.output<typeof claimLine>
/** A page of lines with the count and sum (fen) of all of them. */
const linesOf = <T extends z.ZodMiniType>(line: T) => z.object({ lines: z.array(line), count, fen: z.number() })
export const feeLines = linesOf(feeLine)
export const claimLines = linesOf(claimLine)

/** POST /api/v1/finance/payments: which waybills moved forward (paid or invoiced), and which did not. */
export const paymentsAnswer = z.object({
  state: paymentState,
  changed: z.array(z.string()),
  unchanged: z.array(z.string()),
})

export const statement = z.object({
  id,
  periodFrom: isoDay,
  periodTo: isoDay,
  state: z.enum(STATEMENT_STATES),
  feesFen: z.number(),
  feeLines: count,
  compensationFen: z.number(),
  claimLines: count,
  netFen: z.number(),
  generatedAt: isoTime,
  generatedBy: z.string(),
  reviewedAt: z.nullable(isoTime),
  reviewedBy: nullableString,
  reviewNote: nullableString,
  approvedAt: z.nullable(isoTime),
  approvedBy: nullableString,
  approveNote: nullableString,
})
export type Statement = z.output<typeof statement>
export const statementList = z.object({ statements: z.array(statement) })
/** One statement (not in the list): with the figures summed from its lines when generated, as the summary gives them. */
const statementWithTotals = z.extend(statement, { totals: z.omit(financeSummary, { from: true, to: true }) })
export const statementEnvelope = z.object({ statement: statementWithTotals })

/** How the live figures of a statement's period differ from its lines. */
export const lineChanges = z.object({
  added: count,
  addedFen: z.number(),
  removed: count,
  removedFen: z.number(),
  changed: count,
  changedFen: z.number(),
})
export type LineChanges = z.output<typeof lineChanges>
export const statementChanges = z.object({ fees: lineChanges, claims: lineChanges })
export type StatementChanges = z.output<typeof statementChanges>
/** GET /api/v1/finance/statements/:id: the statement and what moved since it was generated. */
export const statementDetail = z.object({ statement: statementWithTotals, changes: statementChanges })

export const statementLine = z.object({
  ref: z.string(),
  waybill: z.string(),
  day: isoDay,
  tier: nullableString,
  region: nullableString,
  paymentState: z.nullable(paymentState),
  reason: z.nullable(claimReason),
  amountFen: z.number(),
})
export type StatementLine = z.output<typeof statementLine>
export const statementLines = linesOf(statementLine)
