/**
 * The live KPI snapshot's questions (server/db/kpi-repo.ts) asked of the raw
 * scan_events hypertable instead of the continuous aggregates: the baseline of the
 * SLA queries benchmark. Same windows, same answers, no aggregates.
 */
import type pg from 'pg'
import { startOfMinute, startOfShanghaiDay } from '../../server/domain/clock.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR

export async function rawKpiSnapshot(db: pg.Pool, now: Date) {
  const today = startOfShanghaiDay(now)
  const yesterday = new Date(today.getTime() - DAY)
  const dayAgo = new Date(now.getTime() - DAY)
  const hourAgo = new Date(now.getTime() - HOUR)
  const windowStart = new Date(startOfMinute(now).getTime() - 60 * 60_000)
  const byType = (from: Date, to: Date) =>
    db.query(`SELECT type, count(*) AS n FROM scan_events WHERE event_time >= $1 AND event_time <= $2 GROUP BY type`, [
      from,
      to,
    ])
  const onTime = (from: Date, to: Date) =>
    db.query(
      `SELECT s.tier, count(*) AS delivered, count(*) FILTER (WHERE e.event_time <= s.promised_deadline) AS on_time
       FROM scan_events e JOIN shipments s ON s.waybill = e.waybill
       WHERE e.type = 'delivered' AND e.event_time >= $1 AND e.event_time <= $2 GROUP BY s.tier`,
      [from, to],
    )
  const [open, t, y, h, minutes, ot, oy, alerts] = await Promise.all([
    db.query(`SELECT count(*)::int AS n FROM shipments WHERE status NOT IN ('delivered', 'returned')`),
    byType(today, now),
    byType(yesterday, dayAgo),
    byType(hourAgo, now),
    db.query(
      `SELECT time_bucket('1 minute', event_time) AS t, count(*) AS total,
              count(*) FILTER (WHERE type = 'delivered') AS delivered,
              count(*) FILTER (WHERE type IN ('exception', 'delivery_failed')) AS exceptions
       FROM scan_events WHERE event_time >= $1 AND event_time <= $2 GROUP BY 1 ORDER BY 1`,
      [windowStart, now],
    ),
    onTime(today, now),
    onTime(yesterday, dayAgo),
    db.query(`SELECT severity, count(*)::int AS n FROM alerts WHERE state <> 'resolved' GROUP BY severity`),
  ])
  return {
    open: open.rows,
    today: t.rows,
    yesterday: y.rows,
    lastHour: h.rows,
    minutes: minutes.rows,
    onTimeToday: ot.rows,
    onTimeYesterday: oy.rows,
    alerts: alerts.rows,
  }
}
