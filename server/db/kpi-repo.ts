import type pg from 'pg'

export interface KpiCounts {
  inFlight: number
  byTypeToday: Record<string, number>
  perMinute: Array<{ t: Date; total: number; delivered: number; exceptions: number }>
}

/** Reads the live KPIs from the events_per_minute continuous aggregate, never from raw scans. */
// $1 start of today (Asia/Shanghai), $2 now, $3 start of the per-minute window
export async function readKpiCounts(db: pg.Pool, startOfToday: Date, now: Date, windowStart: Date): Promise<KpiCounts> {
  const [open, today, minutes] = await Promise.all([
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM shipments WHERE status NOT IN ('delivered', 'returned')`),
    db.query<{ type: string; n: number }>(
      `SELECT type, sum(events)::bigint AS n FROM events_per_minute WHERE bucket >= $1 AND bucket <= $2 GROUP BY type`,
      [startOfToday, now],
    ),
    db.query<{ t: Date; total: number; delivered: number; exceptions: number }>(
      `SELECT bucket AS t, sum(events)::bigint AS total,
              coalesce(sum(events) FILTER (WHERE type = 'delivered'), 0)::bigint AS delivered,
              coalesce(sum(events) FILTER (WHERE type IN ('exception', 'delivery_failed')), 0)::bigint AS exceptions
       FROM events_per_minute WHERE bucket >= $1 AND bucket <= $2 GROUP BY bucket ORDER BY bucket`,
      [windowStart, now],
    ),
  ])
  return {
    inFlight: open.rows[0]?.n ?? 0,
    byTypeToday: Object.fromEntries(today.rows.map((r) => [r.type, r.n])),
    perMinute: minutes.rows,
  }
}
