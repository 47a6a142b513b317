import type pg from 'pg'

/** Events per hub in each of the given one-hour windows, from the events_per_minute aggregate. */
// $1..$n the window starts; each window is [start, start + 1 h)
export async function hubEventsInHours(
  db: pg.Pool,
  hourStarts: readonly Date[],
): Promise<Array<{ hub: string; hour: Date; n: number }>> {
  // One range per window so each is an index range on the aggregate, not a scan of weeks.
  const ranges = hourStarts
    .map((_, i) => `(bucket >= $${i + 1} AND bucket < $${i + 1}::timestamptz + interval '1 hour')`)
    .join(' OR ')
  const r = await db.query<{ hub: string; hour: Date; n: number }>(
    `SELECT hub_code AS hub, time_bucket(interval '1 hour', bucket) AS hour, sum(events)::int AS n
     FROM events_per_minute WHERE hub_code IS NOT NULL AND (${ranges})
     GROUP BY 1, 2`,
    [...hourStarts],
  )
  return r.rows
}

export async function hubsCreatedAt(
  db: pg.Pool,
): Promise<Map<string, { name: string; kind: string; createdAt: Date }>> {
  const r = await db.query<{ code: string; name: string; kind: string; created_at: Date }>(
    'SELECT code, name, kind, created_at FROM hubs',
  )
  return new Map(r.rows.map((h) => [h.code, { name: h.name, kind: h.kind, createdAt: h.created_at }]))
}

/** Every active courier with its first and last scan in [dayStart, dayEnd). */
// $1 day start, $2 day end
export async function courierDay(db: pg.Pool, dayStart: Date, dayEnd: Date) {
  const r = await db.query<{
    code: string
    name: string
    hubCode: string
    firstScan: Date | null
    lastScan: Date | null
  }>(
    `SELECT c.code, c.name, c.hub_code AS "hubCode", a.first_scan AS "firstScan", a.last_scan AS "lastScan"
     FROM couriers c LEFT JOIN (
       SELECT courier_code, min(first_scan) AS first_scan, max(last_scan) AS last_scan FROM courier_activity_hourly
       WHERE bucket >= $1 AND bucket < $2 GROUP BY courier_code
     ) a ON a.courier_code = c.code
     WHERE c.active`,
    [dayStart, dayEnd],
  )
  return r.rows
}
