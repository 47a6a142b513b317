// The control-room figures: GET /api/v1/kpis and GET /api/v1/map, and the `kpi` and
// `map` frames of the live channel (the same bodies).
import * as z from 'zod/mini'
import { count, isoTime, severityCounts } from './common.ts'

export const perMinutePoint = z.object({ t: isoTime, total: count, delivered: count, exceptions: count })
export type PerMinutePoint = z.output<typeof perMinutePoint>

export const onTimeCount = z
  .object({ delivered: count, onTime: count })
  .check(z.refine((c) => c.onTime <= c.delivered, 'onTime ≤ delivered'))
export type OnTimeCount = z.output<typeof onTimeCount>
const onTimeByTier = z.object({ express: onTimeCount, standard: onTimeCount, economy: onTimeCount })

const counters = {
  inFlight: count,
  collectedToday: count,
  deliveredToday: count,
  exceptionsToday: count,
}

/** The same figures earlier, for trends: today's counters at this time yesterday; inFlight and openAlerts an hour ago. */
export const kpiPrevious = z.object({ ...counters, onTimeToday: onTimeByTier, openAlerts: severityCounts })
export type KpiPrevious = z.output<typeof kpiPrevious>

export const kpiSnapshot = z.object({
  at: isoTime,
  /** False while scans already received are still on their way into the aggregates: today's counts are short. */
  complete: z.optional(z.boolean()),
  ...counters,
  eventsPerMinute: count,
  /** Last 60 minutes, oldest first, may have gaps. */
  perMinute: z.array(perMinutePoint).check(z.maxLength(24 * 60)),
  /** Parcels delivered today (Beijing day) per tier, and how many of them on time. */
  onTimeToday: z.optional(onTimeByTier),
  /** Unresolved, unmuted alerts by severity. */
  openAlerts: z.optional(severityCounts),
  previous: z.optional(kpiPrevious),
})
export type KpiSnapshot = z.output<typeof kpiSnapshot>
export const KPI_KEYS = ['inFlight', 'collectedToday', 'deliveredToday', 'exceptionsToday', 'eventsPerMinute'] as const
export type KpiKey = (typeof KPI_KEYS)[number]

/** One hub on the wall map. */
export const mapHub = z
  .object({
    code: z.string().check(z.minLength(1)),
    name: z.string(),
    city: z.string(),
    kind: z.string(),
    lat: z.number().check(z.gte(-90), z.lte(90)),
    lon: z.number().check(z.gte(-180), z.lte(180)),
    /** Scans at this hub in the last 60 minutes. */
    volume: count,
    /** Parcels delivered today whose destination is this hub, and how many on time. */
    delivered: count,
    onTime: count,
    /** Unresolved, unmuted alerts about this hub (or its parcels), by severity. */
    openAlerts: severityCounts,
  })
  .check(z.refine((h) => h.onTime <= h.delivered, 'onTime ≤ delivered'))
export type MapHub = z.output<typeof mapHub>

/** Parcels in transit from the hub of their last scan towards their destination hub. */
export const mapFlow = z.object({
  from: z.string().check(z.minLength(1)),
  to: z.string().check(z.minLength(1)),
  parcels: count,
})
export type MapFlow = z.output<typeof mapFlow>

export const mapSnapshot = z.object({
  at: isoTime,
  hubs: z.array(mapHub).check(z.maxLength(2_000)),
  flows: z.array(mapFlow).check(z.maxLength(5_000)),
})
export type MapSnapshot = z.output<typeof mapSnapshot>
