import type pg from 'pg'

import { SEVERITIES, TIERS, type Severity, type Tier } from '../../contract/enums.ts'

export { SEVERITIES, TIERS, type Severity, type Tier }
export interface OnTimeCount {
  delivered: number
  onTime: number
}

export interface KpiCounts {
  /**
   * False while the continuous aggregates the counters are read from have scans
   * waiting to be materialised (see pendingAggregateWork): their sums are short.
   */
  complete: boolean
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

function onTimeByTier(rows: Array<{ key: string; delivered: string; on_time: string }>): Record<Tier, OnTimeCount> {
  const out = Object.fromEntries(TIERS.map((t) => [t, { delivered: 0, onTime: 0 }])) as Record<Tier, OnTimeCount>
  for (const r of rows)
    if (r.key in out) out[r.key as Tier] = { delivered: Number(r.delivered), onTime: Number(r.on_time) }
  return out
}

function bySeverity(rows: Array<{ severity: string; n: number }>): Record<Severity, number> {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>
  for (const r of rows) if (r.severity in out) out[r.severity as Severity] = Number(r.n)
  return out
}

/**
 * Deliveries and on-time counts from `from` (a whole hour) to `now` by tier or hub:
 * whole hours from deliveries_hourly, the hour under way from deliveries_per_minute
 * (sql/018), whose raw real-time part is at most the minute under way and a bit.
 */
export function deliveriesSince(db: pg.Pool, from: Date, now: Date, by: 'tier' | 'hub_code') {
  const hourStart = new Date(Math.max(from.getTime(), Math.floor(now.getTime() / HOUR_MS) * HOUR_MS))
  return db.query<{ key: string; delivered: string; on_time: string }>(
    `SELECT ${by} AS key, sum(delivered)::bigint AS delivered, sum(on_time)::bigint AS on_time FROM (
       SELECT ${by}, delivered, on_time FROM deliveries_hourly WHERE bucket >= $1 AND bucket < $2
       UNION ALL
       SELECT ${by}, delivered, on_time FROM deliveries_per_minute WHERE bucket >= $2 AND bucket <= $3
     ) x GROUP BY ${by}`,
    [from, hourStart, now],
  )
}

/** Scans this recent may still be on their way to the aggregates: normal lateness, not a backlog. */
const SETTLING_MS = 2 * 60_000
/** The continuous aggregates the KPI counters are read from. */
const KPI_AGGREGATES = ['events_per_minute', 'events_per_hour', 'deliveries_per_minute', 'deliveries_hourly']

/**
 * Whether scans older than a couple of minutes, from `from` on, are waiting to be
 * materialised into the continuous aggregates the KPIs read (TimescaleDB's
 * invalidation logs), below each aggregate's watermark.
 *
 * This is why 今日揽收 under-counted and then jumped (1,552 to 6,854 in 10 s): a
 * scan inserted into a bucket an aggregate has already materialised (a demo's or a
 * restart's backlog, an ingest catch-up) is not seen by the aggregate's real-time
 * part, which reads only above the watermark, until the next refresh re-materialises
 * that bucket; events_per_hour then lags its minutes by up to its own schedule. The
 * sums are short for that time. The KPI snapshot says so (complete: false) and the
 * screens show "—" instead of a partial count until a complete snapshot arrives.
 * Log times are microseconds since the Unix epoch. An open-ended entry (int64 min or
 * max) marks a region never materialised: above the watermark real-time aggregation
 * reads it, but below it (the embedded engine's sliced catch-up materialises the newest
 * hours first, run-db-policies.ts) nothing does, so only its part above `from` and
 * below the watermark counts, as for any other entry.
 * A database without these catalog tables (or the right to read them) counts as complete.
 */
export async function pendingAggregateWork(db: pg.Pool, from: Date, now: Date): Promise<boolean> {
  try {
    const r = await db.query<{ pending: boolean }>(
      `WITH c AS (
         SELECT mat_hypertable_id AS mat, raw_hypertable_id AS raw,
                least($2::bigint, _timescaledb_functions.cagg_watermark(mat_hypertable_id)) AS hi
         FROM _timescaledb_catalog.continuous_agg WHERE user_view_name = ANY($3::text[])
       )
       SELECT EXISTS (
         SELECT 1 FROM c JOIN _timescaledb_catalog.continuous_aggs_materialization_invalidation_log l ON l.materialization_id = c.mat
         WHERE $1::bigint < c.hi AND l.greatest_modified_value >= $1::bigint AND l.lowest_modified_value < c.hi
       ) OR EXISTS (
         SELECT 1 FROM c JOIN _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log l ON l.hypertable_id = c.raw
         WHERE $1::bigint < c.hi AND l.greatest_modified_value >= $1::bigint AND l.lowest_modified_value < c.hi
       ) AS pending`,
      [String(from.getTime() * 1000), String((now.getTime() - SETTLING_MS) * 1000), KPI_AGGREGATES],
    )
    return r.rows[0]?.pending === true
  } catch {
    return false
  }
}

/**
 * Reads the live KPIs from the continuous aggregates (events_per_minute and
 * events_per_hour, deliveries_per_minute and deliveries_hourly) and the small alerts table, never from raw scans. Yesterday's
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
    db.query<{ key: string; delivered: string; on_time: string }>(
      `SELECT tier AS key, sum(delivered)::bigint AS delivered, sum(on_time)::bigint AS on_time
       FROM deliveries_hourly WHERE bucket >= $1 AND bucket <= $2 GROUP BY tier`,
      [from, to],
    )
  // The minutes of the last hour (and of the hour under way) in ONE read of
  // events_per_minute: its real-time part aggregates every raw event since the last
  // refresh, which under heavy ingest is most of a snapshot's cost, so it is paid once
  // and today's, the last hour's and the chart's figures are all summed from it here.
  const hourStart = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS)
  const [pending, open, recent, todayHours, yesterdayRows, onTimeToday, onTimeYesterday, alertsNow, alertsHourAgo] =
    await Promise.all([
      pendingAggregateWork(db, today, now),
      // Kept by triggers on shipments (sql/015): no count over the whole table.
      db.query<{ n: number }>(`SELECT coalesce(sum(open), 0)::int AS n FROM open_parcel_count`),
      db.query<{ t: Date; type: string; n: number }>(
        `SELECT bucket AS t, type, sum(events)::bigint AS n FROM events_per_minute
       WHERE bucket >= $1 AND bucket <= $2 GROUP BY bucket, type ORDER BY bucket`,
        [windowStart < hourStart ? windowStart : hourStart, now],
      ),
      // Today's whole hours before the one under way (none in the first hour of the day).
      db.query<{ type: string; n: number }>(
        `SELECT type, sum(events)::bigint AS n FROM events_per_hour WHERE bucket >= $1 AND bucket < $2 GROUP BY type`,
        [today, hourStart],
      ),
      eventsBetween(yesterday, dayAgo, false),
      deliveriesSince(db, today, now, 'tier'),
      // Hour buckets: yesterday up to the hour that holds the same time of day.
      deliveriesBetween(yesterday, dayAgo),
      db.query<{ severity: string; n: number }>(
        `SELECT severity, count(*)::int AS n FROM alerts WHERE state <> 'resolved' GROUP BY severity`,
      ),
      db.query<{ severity: string; n: number }>(
        `SELECT severity, count(*)::int AS n FROM alerts
       WHERE opened_at <= $1 AND (resolved_at IS NULL OR resolved_at > $1) GROUP BY severity`,
        [hourAgo],
      ),
    ])
  const byTypeToday = byType(todayHours.rows)
  const byTypeLastHour: Record<string, number> = {}
  const perMinute: KpiCounts['perMinute'] = []
  for (const r of recent.rows) {
    const n = Number(r.n)
    const t = r.t.getTime()
    if (t >= hourStart.getTime() && t >= today.getTime()) byTypeToday[r.type] = (byTypeToday[r.type] ?? 0) + n
    if (t >= hourAgo.getTime()) byTypeLastHour[r.type] = (byTypeLastHour[r.type] ?? 0) + n
    if (t < windowStart.getTime()) continue
    let point = perMinute.at(-1)
    if (point?.t.getTime() !== t) perMinute.push((point = { t: r.t, total: 0, delivered: 0, exceptions: 0 }))
    point.total += n
    if (r.type === 'delivered') point.delivered += n
    if (r.type === 'exception' || r.type === 'delivery_failed') point.exceptions += n
  }
  return {
    complete: !pending,
    inFlight: open.rows[0]?.n ?? 0,
    byTypeToday,
    byTypeYesterday: byType(yesterdayRows.rows),
    byTypeLastHour,
    perMinute,
    onTimeToday: onTimeByTier(onTimeToday.rows),
    onTimeYesterday: onTimeByTier(onTimeYesterday.rows),
    openAlerts: bySeverity(alertsNow.rows),
    openAlertsHourAgo: bySeverity(alertsHourAgo.rows),
  }
}
