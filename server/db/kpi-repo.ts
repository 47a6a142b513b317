import type pg from 'pg'

export const TIERS = ['express', 'standard', 'economy'] as const
export type Tier = (typeof TIERS)[number]
export const SEVERITIES = ['critical', 'warning', 'info'] as const
export type Severity = (typeof SEVERITIES)[number]
export interface OnTimeCount { delivered: number; onTime: number }

export interface KpiCounts {
  inFlight: number
  byTypeToday: Record<string, number>
  byTypeYesterday: Record<string, number>
  byTypeLastHour: Record<string, number>
  perMinute: Array<{ t: Date; total: number; delivered: number; exceptions: number }>
  onTimeToday: Record<Tier, OnTimeCount>
  onTimeYesterday: Record<Tier, OnTimeCount>
  openAlerts: Record<Severity, number>
  openAlertsHourAgo: Record<Severity, number>
}

export interface KpiWindow {
  /** Start of today, Asia/Shanghai. */
  today: Date
  now: Date
  /** Start of the per-minute chart window. */
  windowStart: Date
}

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS

const byType = (rows: Array<{ type: string; n: number }>) => Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]))

function onTimeByTier(rows: Array<{ tier: string; delivered: string; on_time: string }>): Record<Tier, OnTimeCount> {
  const out = Object.fromEntries(TIERS.map((t) => [t, { delivered: 0, onTime: 0 }])) as Record<Tier, OnTimeCount>
  for (const r of rows) if (r.tier in out) out[r.tier as Tier] = { delivered: Number(r.delivered), onTime: Number(r.on_time) }
  return out
}

function bySeverity(rows: Array<{ severity: string; n: number }>): Record<Severity, number> {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>
  for (const r of rows) if (r.severity in out) out[r.severity as Severity] = Number(r.n)
  return out
}

/**
 * Reads the live KPIs from the continuous aggregates (events_per_minute,
 * deliveries_hourly) and the small alerts table, never from raw scans. Yesterday's
 * figures stop at the same time of day (the on-time ones at the same hour).
 */
export async function readKpiCounts(db: pg.Pool, w: KpiWindow): Promise<KpiCounts> {
  const { today, now, windowStart } = w
  const yesterday = new Date(today.getTime() - DAY_MS)
  const dayAgo = new Date(now.getTime() - DAY_MS)
  const hourAgo = new Date(now.getTime() - HOUR_MS)
  // Whole hours from events_per_hour; the minutes before the first whole hour and
  // after the last one (the hour under way) from events_per_minute.
  const eventsBetween = (from: Date, to: Date, toInclusive: boolean) => {
    const firstHour = Math.ceil(from.getTime() / HOUR_MS) * HOUR_MS
    const lastHour = Math.floor(to.getTime() / HOUR_MS) * HOUR_MS
    const [hoursFrom, hoursTo] = firstHour < lastHour ? [new Date(firstHour), new Date(lastHour)] : [to, to]
    return db.query<{ type: string; n: number }>(
      `SELECT type, sum(n)::bigint AS n FROM (
         SELECT type, events AS n FROM events_per_minute WHERE bucket >= $1 AND bucket < $2
         UNION ALL
         SELECT type, events AS n FROM events_per_hour WHERE bucket >= $2 AND bucket < $3
         UNION ALL
         SELECT type, events AS n FROM events_per_minute WHERE bucket >= $3 AND bucket ${toInclusive ? '<=' : '<'} $4
       ) x GROUP BY type`,
      [from, hoursFrom, hoursTo, to],
    )
  }
  const deliveriesBetween = (from: Date, to: Date) =>
    db.query<{ tier: string; delivered: string; on_time: string }>(
      `SELECT tier, sum(delivered)::bigint AS delivered, sum(on_time)::bigint AS on_time
       FROM deliveries_hourly WHERE bucket >= $1 AND bucket <= $2 GROUP BY tier`,
      [from, to],
    )
  const [open, todayRows, yesterdayRows, lastHourRows, minutes, onTimeToday, onTimeYesterday, alertsNow, alertsHourAgo] = await Promise.all([
    // Kept by triggers on shipments (sql/015): no count over the whole table.
    db.query<{ n: number }>(`SELECT coalesce(sum(open), 0)::int AS n FROM open_parcel_count`),
    eventsBetween(today, now, true),
    eventsBetween(yesterday, dayAgo, false),
    eventsBetween(hourAgo, now, true),
    db.query<{ t: Date; total: number; delivered: number; exceptions: number }>(
      `SELECT bucket AS t, sum(events)::bigint AS total,
              coalesce(sum(events) FILTER (WHERE type = 'delivered'), 0)::bigint AS delivered,
              coalesce(sum(events) FILTER (WHERE type IN ('exception', 'delivery_failed')), 0)::bigint AS exceptions
       FROM events_per_minute WHERE bucket >= $1 AND bucket <= $2 GROUP BY bucket ORDER BY bucket`,
      [windowStart, now],
    ),
    deliveriesBetween(today, now),
    // Hour buckets: yesterday up to the hour that holds the same time of day.
    deliveriesBetween(yesterday, dayAgo),
    db.query<{ severity: string; n: number }>(`SELECT severity, count(*)::int AS n FROM alerts WHERE state <> 'resolved' GROUP BY severity`),
    db.query<{ severity: string; n: number }>(
      `SELECT severity, count(*)::int AS n FROM alerts
       WHERE opened_at <= $1 AND (resolved_at IS NULL OR resolved_at > $1) GROUP BY severity`,
      [hourAgo],
    ),
  ])
  return {
    inFlight: open.rows[0]?.n ?? 0,
    byTypeToday: byType(todayRows.rows),
    byTypeYesterday: byType(yesterdayRows.rows),
    byTypeLastHour: byType(lastHourRows.rows),
    perMinute: minutes.rows.map((r) => ({ t: r.t, total: Number(r.total), delivered: Number(r.delivered), exceptions: Number(r.exceptions) })),
    onTimeToday: onTimeByTier(onTimeToday.rows),
    onTimeYesterday: onTimeByTier(onTimeYesterday.rows),
    openAlerts: bySeverity(alertsNow.rows),
    openAlertsHourAgo: bySeverity(alertsHourAgo.rows),
  }
}
