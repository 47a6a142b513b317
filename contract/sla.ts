// SLA analytics answers (server/services/time-lost.ts): GET /api/v1/sla/time-lost.
import * as z from 'zod/mini'
import { SLA_OUTCOMES } from './enums.ts'
import { count, isoDay, isoTime, nullableString, tier } from './common.ts'

export const pathKind = z.enum(['first_mile', 'line_haul', 'hub_dwell', 'last_mile', 'delivery_run'])

/** A late parcel's breach cause: the segment that ran furthest over its p50 (server/domain/attribution.ts). */
export const breachCause = z.object({
  code: pathKind,
  hub: z.optional(z.string()),
  lane: z.optional(z.string()),
  courier: z.optional(z.string()),
  excessHours: z.number(),
})

const charge = z.object({
  kind: pathKind,
  place: z.string(),
  responsible: z.string(),
  hours: z.number(),
  p50: z.number(),
  excessHours: z.number(),
})

export const timeLostParcel = z.object({
  waybill: z.string(),
  tier,
  origin: z.string(),
  destination: z.string(),
  deliveredAt: isoTime,
  deadline: isoTime,
  lateHours: z.number(),
  cause: z.nullable(breachCause),
  charges: z.array(charge),
  /** The excess lost at the bar or cause asked for; null when all late parcels are listed. */
  at: z.nullable(z.object({ kind: pathKind, responsible: z.string(), excessHours: z.number() })),
})

export const timeLost = z.object({
  from: isoDay,
  to: isoDay,
  tier: z.nullable(tier),
  parcels: count,
  truncated: z.boolean(),
  pareto: z.array(
    z.object({
      responsible: z.string(),
      kind: pathKind,
      excessHours: z.number(),
      parcels: count,
      cumulative: z.number(),
    }),
  ),
  causes: z.array(z.object({ code: pathKind, responsible: z.string(), parcels: count, excessHours: z.number() })),
  /** Hub dwell p90 hours per hour of the week (Monday 00:00 Beijing = 0), null where no dwell began. */
  heatmap: z.array(z.object({ hub: z.string(), p90: z.array(z.nullable(z.number())) })),
  names: z.record(z.string(), z.string()),
  lateTotal: count,
  late: z.array(timeLostParcel),
})

// The on-time figures (server/services/sla-report.ts): GET /api/v1/sla/summary, breakdown, causes, transit, parcels.

export const slaOutcome = z.enum(SLA_OUTCOMES)
/** A day range as the server read it: from and to inclusive, Beijing days. */
export const rangeView = z.object({ from: isoDay, to: isoDay, days: z.int().check(z.positive()) })
/** Closed parcels by outcome; rate = on time / (on time + late) in per cent to 0.1, null when none was judged. */
export const outcomeCounts = z.object({
  closed: count,
  onTime: count,
  late: count,
  excused: count,
  rate: z.nullable(z.number().check(z.minimum(0), z.maximum(100))),
})
export type OutcomeCounts = z.output<typeof outcomeCounts>
const versus = {
  current: outcomeCounts,
  previous: outcomeCounts,
  /** Points of rate against the period before. */ change: z.nullable(z.number()),
}

export const slaSummary = z.object({
  range: rangeView,
  previousRange: rangeView,
  tiers: z.array(z.object({ tier, ...versus })),
  all: z.object(versus),
  series: z.array(z.extend(outcomeCounts, { day: isoDay, tier })),
})
export type SlaSummary = z.output<typeof slaSummary>

export const breakdownRow = z.extend(outcomeCounts, { key: z.string(), name: z.string(), detail: nullableString })
export type BreakdownRow = z.output<typeof breakdownRow>
export const slaBreakdown = z.object({
  range: rangeView,
  by: z.enum(['hub', 'region', 'courier']),
  sort: z.enum(['key', 'name', 'closed', 'on_time', 'late', 'excused', 'rate']),
  dir: z.enum(['asc', 'desc']),
  tier: z.nullable(tier),
  rows: z.array(breakdownRow),
})
export type SlaBreakdown = z.output<typeof slaBreakdown>

/** Late parcels by cause, largest first, with share and cumulative share in per cent (a Pareto chart). */
export const slaCauses = z.object({
  range: rangeView,
  tier: z.nullable(tier),
  totalLate: count,
  late: z.array(z.object({ cause: z.string(), parcels: count, share: z.number(), cumulative: z.number() })),
  excused: z.array(z.object({ cause: z.string(), parcels: count })),
})
export type SlaCauses = z.output<typeof slaCauses>

/** Transit hours from the histogram buckets; null percentiles when no parcel was delivered. */
export const percentiles = z.object({
  parcels: count,
  p50: z.nullable(z.number()),
  p90: z.nullable(z.number()),
  p99: z.nullable(z.number()),
})
export const slaTransit = z.object({
  range: rangeView,
  tier: z.nullable(tier),
  sort: z.enum(['parcels', 'p50', 'p90', 'p99', 'lane']),
  tiers: z.array(z.extend(percentiles, { tier })),
  /** All lanes with parcels; `lanes` stops at the limit. */
  laneCount: count,
  lanes: z.array(z.extend(percentiles, { tier, origin: z.string(), destination: z.string() })),
})
export type SlaTransit = z.output<typeof slaTransit>

export const slaParcel = z.object({
  waybill: z.string(),
  tier,
  origin: z.string(),
  destination: z.string(),
  courier: nullableString,
  collectedAt: isoTime,
  closedAt: isoTime,
  /** The closing scan's type (delivered, returned, …). */
  closing: z.string(),
  deadline: z.nullable(isoTime),
  outcome: slaOutcome,
  cause: z.string(),
  transitHours: z.number(),
})
export type SlaParcel = z.output<typeof slaParcel>
/** The parcels behind a figure, `parcels` a page of `total` after `offset`; `filter` as the server read the query. */
export const slaParcels = z.object({
  range: rangeView,
  filter: z.record(z.string(), z.unknown()),
  total: count,
  offset: count,
  parcels: z.array(slaParcel),
})
export type SlaParcels = z.output<typeof slaParcels>
