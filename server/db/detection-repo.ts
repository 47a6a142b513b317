import type pg from 'pg'
import { withTransaction } from './tx.ts'

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
/** Scans from this far back feed the learned limits … */
export const GAP_WINDOW_MS = 4 * DAY_MS
/** … those of the last day only as the scan that follows (so gaps up to a day are seen whole). */
export const GAP_FOLLOW_MS = DAY_MS
/** Recomputed when older than this. */
export const GAP_REFRESH_MS = 3 * HOUR_MS
export const GAP_MIN_SAMPLES = 20

/**
 * Recomputes scan_gap_stats (sql/051) from the scans of [now − 4 d, now − 1 d) and
 * the scan that followed each (up to now), when the last computation is older than
 * GAP_REFRESH_MS. Returns whether it ran.
 */
// $1 now, $2 window start, $3 end of the starting scans, $4 minimum samples
export async function refreshScanGapStats(db: pg.Pool, now: Date): Promise<boolean> {
  const last = await db.query<{ at: Date | null }>('SELECT max(computed_at) AS at FROM scan_gap_stats')
  const at = last.rows[0]?.at
  if (at && now.getTime() - at.getTime() < GAP_REFRESH_MS && at.getTime() <= now.getTime()) return false
  await withTransaction(db, { name: 'scan gap stats' }, async (client) => {
    await client.query('DELETE FROM scan_gap_stats')
    await client.query(
      `WITH pairs AS (
       SELECT e.hub_code, e.type, e.event_time, e.waybill,
              lead(e.hub_code) OVER w AS next_hub,
              extract(epoch FROM lead(e.event_time) OVER w - e.event_time) / 3600 AS hours
       FROM scan_events e
       WHERE e.event_time >= $2 AND e.event_time <= $1
       WINDOW w AS (PARTITION BY e.waybill ORDER BY e.event_time)
     ), gaps AS (
       SELECT p.hub_code, p.type, p.next_hub, s.tier, p.hours
       FROM pairs p JOIN shipments s ON s.waybill = p.waybill
       WHERE p.event_time < $3 AND p.hours IS NOT NULL
     ), stats AS (
       SELECT hub_code, type, coalesce(next_hub, '*') AS next_hub, tier,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY hours) AS p99,
              count(*)::int AS n, GROUPING(next_hub) AS all_next
       FROM gaps GROUP BY GROUPING SETS ((hub_code, type, next_hub, tier), (hub_code, type, tier))
     )
     INSERT INTO scan_gap_stats (hub_code, event_type, next_hub, tier, p50_hours, p99_hours, samples, computed_at)
     SELECT hub_code, type, CASE WHEN all_next = 1 THEN '*' ELSE next_hub END, tier, p50, p99, n, $1
     FROM stats WHERE n >= $4`,
      [now, new Date(now.getTime() - GAP_WINDOW_MS), new Date(now.getTime() - GAP_FOLLOW_MS), GAP_MIN_SAMPLES],
    )
  })
  return true
}

export interface GapStat {
  hub: string
  type: string
  nextHub: string
  tier: string
  p50: number
  p99: number
  samples: number
}

export async function scanGapStats(db: pg.Pool, types: readonly string[]): Promise<GapStat[]> {
  const r = await db.query<GapStat>(
    `SELECT hub_code AS hub, event_type AS type, next_hub AS "nextHub", tier, p50_hours AS p50, p99_hours AS p99, samples
     FROM scan_gap_stats WHERE event_type = ANY($1::text[])`,
    [[...types]],
  )
  return r.rows
}

/** Scans and exceptions per hub per minute since `since` (the per-minute aggregate). */
// $1 since, $2 now
export async function hubMinutes(
  db: pg.Pool,
  since: Date,
  now: Date,
): Promise<Array<{ hub: string; minute: Date; events: number; exceptions: number }>> {
  const r = await db.query<{ hub: string; minute: Date; events: number; exceptions: number }>(
    `SELECT hub_code AS hub, bucket AS minute, sum(events)::int AS events, coalesce(sum(events) FILTER (WHERE type = 'exception'), 0)::int AS exceptions
     FROM events_per_minute WHERE hub_code IS NOT NULL AND bucket >= $1 AND bucket <= $2
     GROUP BY 1, 2`,
    [since, now],
  )
  return r.rows
}

/**
 * The feed's high-water mark: the newest scan time at or before `now` and when it was
 * received (ingest's clock). One probe of scan_events' key, which starts with the time.
 */
// $1 now
export async function feedHighWater(db: pg.Pool, now: Date): Promise<{ at: Date; receivedAt: Date } | null> {
  const r = await db.query<{ at: Date; receivedAt: Date }>(
    `SELECT event_time AS at, received_at AS "receivedAt" FROM scan_events WHERE event_time <= $1 ORDER BY event_time DESC LIMIT 1`,
    [now],
  )
  return r.rows[0] ?? null
}

/** Scans per hub in each window [start, end) (the per-minute aggregate, one index range per window). */
// Scans of one type only when `type` is given (e.g. 'collected').
export async function hubEventsInWindows(
  db: pg.Pool,
  windows: ReadonlyArray<readonly [Date, Date]>,
  type?: string,
): Promise<Array<{ hub: string; window: number; events: number }>> {
  if (windows.length === 0) return []
  const cases = windows.map((_, i) => `WHEN bucket >= $${2 * i + 1} AND bucket < $${2 * i + 2} THEN ${i}`).join(' ')
  const ranges = windows.map((_, i) => `(bucket >= $${2 * i + 1} AND bucket < $${2 * i + 2})`).join(' OR ')
  const typeParam = `$${2 * windows.length + 1}`
  const r = await db.query<{ hub: string; window: number; events: number }>(
    `SELECT hub_code AS hub, CASE ${cases} END AS window, sum(events)::int AS events
     FROM events_per_minute WHERE hub_code IS NOT NULL AND (${ranges}) AND (${typeParam}::text IS NULL OR type = ${typeParam}::text) GROUP BY 1, 2`,
    [...windows.flatMap(([a, b]) => [a, b]), type ?? null],
  )
  return r.rows
}

/** Scans and exceptions per hub over [from, to) from the hourly aggregate (the exception baseline). */
export async function hubExceptionBaseline(
  db: pg.Pool,
  from: Date,
  to: Date,
): Promise<Map<string, { events: number; exceptions: number }>> {
  const r = await db.query<{ hub: string; events: number; exceptions: number }>(
    `SELECT hub_code AS hub, sum(events)::int AS events, coalesce(sum(events) FILTER (WHERE type = 'exception'), 0)::int AS exceptions
     FROM events_per_hour WHERE hub_code IS NOT NULL AND bucket >= $1 AND bucket < $2 GROUP BY 1`,
    [from, to],
  )
  return new Map(r.rows.map((x) => [x.hub, { events: x.events, exceptions: x.exceptions }]))
}

/** Open parcels whose last scan is a departure: on a lane from that hub. */
export async function legsInFlight(
  db: pg.Pool,
): Promise<Array<{ hub: string; origin: string; destination: string; tier: string; departedAt: Date }>> {
  const r = await db.query<{ hub: string; origin: string; destination: string; tier: string; departedAt: Date }>(
    `SELECT last_scan_hub AS hub, origin_hub AS origin, destination_hub AS destination, tier, last_scan_at AS "departedAt"
     FROM shipments WHERE last_event_type = 'departed_hub' AND is_open AND last_scan_hub IS NOT NULL`,
  )
  return r.rows
}

/**
 * Per lane, the latest departure among the legs that arrived in (since, now], for the
 * lanes asked (the lane rule asks only for lanes that would page without it and where no
 * later leg got through, laneArrivedSince: most runs, none). The legs are the `line_haul` segments (departed A → arrived B) of
 * the parcels' kept paths (parcel_paths, sql/050), one primary-key look-up per arrival
 * at the lanes' ends, not a search for each arrival's previous scan across every chunk
 * of scan_events (~1 s a run on the embedded engine).
 */
// $1 since, $2 now, $3 the lanes' ends, $4 the lanes ("A>B")
export async function lastArrivedDepartures(
  db: pg.Pool,
  since: Date,
  now: Date,
  lanes: ReadonlyArray<readonly [string, string]>,
): Promise<Map<string, number>> {
  if (lanes.length === 0) return new Map()
  const r = await db.query<{ lane: string; departed: string }>(
    `SELECT seg->>1 AS lane, max((seg->>3)::bigint) AS departed
     FROM scan_events a
     JOIN parcel_paths p ON p.waybill = a.waybill
     CROSS JOIN LATERAL jsonb_array_elements(p.segments) seg
     WHERE a.type = 'arrived_hub' AND a.event_time > $1 AND a.event_time <= $2 AND a.hub_code = ANY($3::text[])
       AND seg->>0 = 'line_haul' AND seg->>1 = ANY($4::text[]) AND split_part(seg->>1, '>', 2) = a.hub_code
       AND (seg->>4)::bigint = floor(extract(epoch FROM a.event_time) * 1000)::bigint
     GROUP BY 1`,
    [since, now, [...new Set(lanes.map(([, to]) => to))], lanes.map(([from, to]) => `${from}>${to}`)],
  )
  return new Map(r.rows.map((x) => [x.lane, Number(x.departed)]))
}

/**
 * Whether a leg of lane from → to that left at or after `departedFrom` (epoch ms) arrived in
 * (since, now]. The legs are the kept `line_haul` segments, as above. The arrivals at `to`
 * are read newest first, the last hour, then the 5 before, then the rest: a lane that
 * flows answers from its last hour of arrivals (the embedded engine, without statistics,
 * would sort a whole day of them for a LIMIT 1).
 */
// $1 from, $2 to (the window), $3 to (the hub), $4 lane, $5 departed from (epoch ms)
export async function laneArrivedSince(
  db: pg.Pool,
  from: string,
  to: string,
  departedFrom: number,
  since: Date,
  now: Date,
): Promise<boolean> {
  const floor = Math.max(since.getTime(), departedFrom - 1)
  let upper = now.getTime()
  for (const back of [HOUR_MS, 6 * HOUR_MS, Infinity]) {
    const lower = Math.max(floor, now.getTime() - back)
    if (lower >= upper) break
    const r = await db.query(
      `SELECT 1
       FROM scan_events a
       JOIN parcel_paths p ON p.waybill = a.waybill
       CROSS JOIN LATERAL jsonb_array_elements(p.segments) seg
       WHERE a.type = 'arrived_hub' AND a.event_time > $1 AND a.event_time <= $2 AND a.hub_code = $3
         AND seg->>0 = 'line_haul' AND seg->>1 = $4 AND (seg->>3)::bigint >= $5::bigint
         AND (seg->>4)::bigint = floor(extract(epoch FROM a.event_time) * 1000)::bigint
       LIMIT 1`,
      [new Date(lower), new Date(upper), to, `${from}>${to}`, departedFrom],
    )
    if ((r.rowCount ?? 0) > 0) return true
    upper = lower
  }
  return false
}

/**
 * How many legs of lane from → to that left in [departedFrom, departedTo] (epoch ms) arrived
 * by `now`: the arrivals at `to` since the first of those departures, from the kept
 * `line_haul` segments, as above. Asked only for a lane with a batch of overdue parcels
 * (overdueBatch): most runs, none.
 */
// $1 since (the first departure), $2 now, $3 to (the hub), $4 lane, $5/$6 departed from/to (epoch ms)
export async function laneArrivalsDepartedIn(
  db: pg.Pool,
  from: string,
  to: string,
  departedFrom: number,
  departedTo: number,
  now: Date,
): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n
     FROM scan_events a
     JOIN parcel_paths p ON p.waybill = a.waybill
     CROSS JOIN LATERAL jsonb_array_elements(p.segments) seg
     WHERE a.type = 'arrived_hub' AND a.event_time > $1 AND a.event_time <= $2 AND a.hub_code = $3
       AND seg->>0 = 'line_haul' AND seg->>1 = $4 AND (seg->>3)::bigint BETWEEN $5::bigint AND $6::bigint
       AND (seg->>4)::bigint = floor(extract(epoch FROM a.event_time) * 1000)::bigint`,
    [new Date(departedFrom), now, to, `${from}>${to}`, departedFrom, departedTo],
  )
  return r.rows[0]?.n ?? 0
}

/** Per lane subject (`lane:A>B`), the end of the latest lost batch its resolved lane_overdue alerts reported since `since`. */
export async function reportedLostBatches(db: pg.Pool, since: Date): Promise<Map<string, number>> {
  const r = await db.query<{ subject: string; to: string }>(
    `SELECT subject, max((details->'lost'->>'to')::bigint) AS to
     FROM alerts WHERE rule = 'lane_overdue' AND state = 'resolved' AND opened_at >= $1 AND details ? 'lost'
     GROUP BY subject`,
    [since],
  )
  return new Map(r.rows.map((x) => [x.subject, Number(x.to)]))
}

/**
 * Departures in each window (start, end] with the dwell since the arrival at the same hub;
 * `window` is the index. The dwell is the `hub_dwell` segment (arrived at a hub → departed
 * it) of the parcel's kept path (parcel_paths, sql/050) that ends at the departure: one
 * primary-key look-up per departure, not a search for its previous scan across every
 * chunk of scan_events.
 */
export async function recentDwells(
  db: pg.Pool,
  windows: ReadonlyArray<readonly [Date, Date]>,
): Promise<Array<{ hub: string; tier: string; hours: number; window: number }>> {
  const out: Array<{ hub: string; tier: string; hours: number; window: number }> = []
  // One query per window, with the bounds as constants: the hypertable then reads only the chunks they cover.
  for (const [i, [from, to]] of windows.entries()) {
    const r = await db.query<{ hub: string; tier: string; hours: number }>(
      `SELECT d.hub_code AS hub, p.tier, ((seg->>4)::float8 - (seg->>3)::float8) / 3600000 AS hours
       FROM scan_events d
       JOIN parcel_paths p ON p.waybill = d.waybill
       CROSS JOIN LATERAL jsonb_array_elements(p.segments) seg
       WHERE d.type = 'departed_hub' AND d.event_time > $1 AND d.event_time <= $2
         AND seg->>0 = 'hub_dwell' AND seg->>1 = d.hub_code AND (seg->>4)::bigint = floor(extract(epoch FROM d.event_time) * 1000)::bigint`,
      [from, to],
    )
    for (const x of r.rows) out.push({ ...x, window: i })
  }
  return out
}

/**
 * The hubs whose alert of one of `rules` is open, or resolved less than its own length
 * ago and at least `minAfterMs` ago (default 3 h): what a stop explains afterwards (its
 * held parcels leave over the first quarter of its length after it, and a backlog's
 * evidence is the last hour's departures), scaled to the stop. A fixed 12 h after the
 * opening made a false hub_silent on a holiday morning hide a real slowdown
 * at the same centre for the rest of the day (1-day alert benchmark, seed 2).
 */
export async function hubsWithRecentAlerts(
  db: pg.Pool | pg.PoolClient,
  rules: readonly string[],
  now: Date,
  minAfterMs = 3 * HOUR_MS,
): Promise<Set<string>> {
  const r = await db.query<{ hub: string }>(
    `SELECT DISTINCT hub_code AS hub FROM alerts
     WHERE rule = ANY($1::text[]) AND hub_code IS NOT NULL AND opened_at <= $2
       AND (state <> 'resolved' OR resolved_at + greatest(resolved_at - opened_at, $3 * interval '1 millisecond') > $2)`,
    [[...rules], now, minAfterMs],
  )
  return new Set(r.rows.map((x) => x.hub))
}
