// SLA analytics answers (server/services/time-lost.ts): GET /api/v1/sla/time-lost.
import * as z from 'zod/mini'
import { count, isoDay, isoTime, tier } from './common.ts'

export const pathKind = z.enum(['first_mile', 'line_haul', 'hub_dwell', 'last_mile', 'delivery_run'])

/** A late parcel's breach cause: the segment that ran furthest over its p50 (server/domain/attribution.ts). */
export const breachCause = z.object({
  code: pathKind,
  hub: z.optional(z.string()),
  lane: z.optional(z.string()),
  courier: z.optional(z.string()),
  excessHours: z.number(),
})

const charge = z.object({ kind: pathKind, place: z.string(), responsible: z.string(), hours: z.number(), p50: z.number(), excessHours: z.number() })

export const timeLostParcel = z.object({
  waybill: z.string(), tier, origin: z.string(), destination: z.string(), deliveredAt: isoTime, deadline: isoTime,
  lateHours: z.number(), cause: z.nullable(breachCause), charges: z.array(charge),
  /** The excess lost at the bar or cause asked for; null when all late parcels are listed. */
  at: z.nullable(z.object({ kind: pathKind, responsible: z.string(), excessHours: z.number() })),
})

export const timeLost = z.object({
  from: isoDay, to: isoDay, tier: z.nullable(tier), parcels: count, truncated: z.boolean(),
  pareto: z.array(z.object({ responsible: z.string(), kind: pathKind, excessHours: z.number(), parcels: count, cumulative: z.number() })),
  causes: z.array(z.object({ code: pathKind, responsible: z.string(), parcels: count, excessHours: z.number() })),
  /** Hub dwell p90 hours per hour of the week (Monday 00:00 Beijing = 0), null where no dwell began. */
  heatmap: z.array(z.object({ hub: z.string(), p90: z.array(z.nullable(z.number())) })),
  names: z.record(z.string(), z.string()),
  lateTotal: count,
  late: z.array(timeLostParcel),
})
