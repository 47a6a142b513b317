import type pg from 'pg'
import type { PathEvent, Segment, SegmentKind } from '../domain/segments.ts'
import type { EventType } from '../domain/status.ts'
import type { HistRow } from '../domain/eta.ts'

type Q = pg.Pool | pg.PoolClient

export interface StoredPath {
  waybill: string
  tier: string
  originHub: string
  destinationHub: string
  collectedAt: Date
  /** Null when the parcel has no parcel_paths row yet. */
  events: PathEvent[] | null
  segments: Segment[]
}

type EventTuple = [number, EventType, string | null, string | null]
type SegmentTuple = [SegmentKind, string, string | null, number, number]

const toEvent = ([time, type, hub, courier]: EventTuple): PathEvent => ({ time, type, hub, courier })
const fromEvent = (e: PathEvent): EventTuple => [e.time, e.type, e.hub, e.courier]
const toSegment = ([kind, place, courier, start, end]: SegmentTuple): Segment => ({ kind, place, courier, start, end })
const fromSegment = (s: Segment): SegmentTuple => [s.kind, s.place, s.courier, s.start, s.end]

/** The parcels' collection facts and kept paths; the caller holds their shipments rows locked. */
export async function loadPaths(client: Q, waybills: readonly string[]): Promise<Map<string, StoredPath>> {
  const r = await client.query<{
    waybill: string
    tier: string
    origin: string
    dest: string
    collected_at: Date
    events: EventTuple[] | null
    segments: SegmentTuple[] | null
  }>(
    `SELECT s.waybill, s.tier, s.origin_hub AS origin, s.destination_hub AS dest, s.collected_at, p.events, p.segments
     FROM shipments s LEFT JOIN parcel_paths p ON p.waybill = s.waybill
     WHERE s.waybill = ANY($1::text[]) ORDER BY s.waybill`,
    [waybills],
  )
  return new Map(
    r.rows.map((x) => [
      x.waybill,
      {
        waybill: x.waybill,
        tier: x.tier,
        originHub: x.origin,
        destinationHub: x.dest,
        collectedAt: x.collected_at,
        events: x.events ? x.events.map(toEvent) : null,
        segments: (x.segments ?? []).map(toSegment),
      },
    ]),
  )
}

/** Every stored scan of parcels that have no kept path yet (stored before sql/050, or first seen now). */
export async function storedEvents(client: Q, waybills: readonly string[]): Promise<Map<string, PathEvent[]>> {
  const out = new Map<string, PathEvent[]>(waybills.map((w) => [w, []]))
  if (waybills.length === 0) return out
  const r = await client.query<{
    waybill: string
    time: Date
    type: EventType
    hub: string | null
    courier: string | null
  }>(
    `SELECT waybill, event_time AS time, type, hub_code AS hub, courier_code AS courier
     FROM scan_events WHERE waybill = ANY($1::text[])`,
    [waybills],
  )
  for (const e of r.rows)
    out.get(e.waybill)!.push({ time: e.time.getTime(), type: e.type, hub: e.hub, courier: e.courier })
  return out
}

export interface PathRow {
  waybill: string
  tier: string
  events: PathEvent[]
  segments: Segment[]
}
export interface HistDelta {
  kind: string
  place: string
  tier: string
  how: number
  bucket: number
  n: number
}
export interface RecentDelta {
  kind: string
  place: string
  tier: string
  hour: Date
  n: number
  hours: number
}

/**
 * Saves the parcels' paths, then adds the histogram deltas, then the recent-hour deltas, each in key
 * order (step 4b of the lock order, server/db/tx.ts), in one round trip: each data-modifying CTE waits
 * for the one before it (an uncorrelated scalar subquery on its RETURNING is evaluated before its
 * own first row), so the rows are locked in that order as with three statements. Histogram cells that
 * reach 0 are deleted by a second statement (a statement does not see its own CTEs' changes).
 */
export async function saveSegments(
  client: Q,
  paths: readonly PathRow[],
  hist: readonly HistDelta[],
  recent: readonly RecentDelta[],
  now: Date,
): Promise<void> {
  if (paths.length === 0 && hist.length === 0 && recent.length === 0) return
  const p = [...paths].sort((a, b) => (a.waybill < b.waybill ? -1 : a.waybill > b.waybill ? 1 : 0))
  const h = [...hist].sort(byHistKey)
  const r = [...recent].sort(byRecentKey)
  await client.query(
    `WITH p AS (
       INSERT INTO parcel_paths (waybill, tier, events, segments, updated_at)
       SELECT w, t, e::jsonb, s::jsonb, $5
       FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), json_array_elements($3::json), json_array_elements($4::json)) AS u(w, t, e, s)
       ON CONFLICT (waybill) DO UPDATE SET events = excluded.events, segments = excluded.segments, updated_at = excluded.updated_at
       RETURNING 1
     ), h AS (
       INSERT INTO segment_hist AS h (kind, place, tier, how, bucket, n)
       SELECT * FROM unnest($6::text[], $7::text[], $8::text[], $9::smallint[], $10::smallint[], $11::bigint[])
       WHERE (SELECT count(*) FROM p) >= 0
       ON CONFLICT (kind, place, tier, how, bucket) DO UPDATE SET n = h.n + excluded.n
       RETURNING 1
     ), r AS (
       INSERT INTO segment_recent AS r (hour, kind, place, tier, n, hours)
       SELECT * FROM unnest($12::timestamptz[], $13::text[], $14::text[], $15::text[], $16::int[], $17::float8[])
       WHERE (SELECT count(*) FROM h) >= 0
       ON CONFLICT (hour, kind, place, tier) DO UPDATE SET n = r.n + excluded.n, hours = r.hours + excluded.hours
       RETURNING 1
     )
     SELECT count(*) FROM r`,
    [
      p.map((x) => x.waybill),
      p.map((x) => x.tier),
      // One JSON array each, not a text[] of JSON strings: pg escaped every quote of those (5 → 2 ms of
      // Node for 1,000 paths; the database's time is the same, json_array_elements keeping each element's text).
      JSON.stringify(p.map((x) => x.events.map(fromEvent))),
      JSON.stringify(p.map((x) => x.segments.map(fromSegment))),
      now,
      h.map((x) => x.kind),
      h.map((x) => x.place),
      h.map((x) => x.tier),
      h.map((x) => x.how),
      h.map((x) => x.bucket),
      h.map((x) => x.n),
      r.map((x) => x.hour),
      r.map((x) => x.kind),
      r.map((x) => x.place),
      r.map((x) => x.tier),
      r.map((x) => x.n),
      r.map((x) => x.hours),
    ],
  )
  if (h.some((x) => x.n < 0)) {
    await client.query(
      `DELETE FROM segment_hist h USING unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::smallint[]) AS u(kind, place, tier, how, bucket)
       WHERE h.kind = u.kind AND h.place = u.place AND h.tier = u.tier AND h.how = u.how AND h.bucket = u.bucket AND h.n = 0`,
      [h.map((x) => x.kind), h.map((x) => x.place), h.map((x) => x.tier), h.map((x) => x.how), h.map((x) => x.bucket)],
    )
  }
}

const order = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0)
const byHistKey = (a: HistDelta, b: HistDelta): number =>
  order(a.kind, b.kind) || order(a.place, b.place) || order(a.tier, b.tier) || a.how - b.how || a.bucket - b.bucket
const byRecentKey = (a: RecentDelta, b: RecentDelta): number =>
  a.hour.getTime() - b.hour.getTime() || order(a.kind, b.kind) || order(a.place, b.place) || order(a.tier, b.tier)

/**
 * The whole histogram, hour of the week kept (the model folds it by hour of day), in the
 * order of the scan. As one JSON array of [kind, place, tier, how, bucket, n] (one row, not
 * one each): weeks of segments are tens of thousands of cells, and row by row they took
 * 0.8–2 s to cross from the embedded database, the scan itself 20–50 ms.
 */
export async function loadHist(db: Q): Promise<HistRow[]> {
  const r = await db.query<{ cells: string | null }>(
    `SELECT json_agg(json_build_array(kind, place, tier, how, bucket, n))::text AS cells FROM segment_hist WHERE n <> 0`,
  )
  const cells = JSON.parse(r.rows[0]?.cells ?? '[]') as Array<[SegmentKind, string, string, number, number, number]>
  return cells.map(([kind, place, tier, how, bucket, n]) => ({ kind, place, tier, how, bucket, n }))
}

export interface RecentRow {
  kind: SegmentKind
  place: string
  tier: string
  n: number
  hours: number
}

/** Segments that ended since `since`, per kind, place and tier. */
export async function loadRecent(db: Q, since: Date): Promise<RecentRow[]> {
  const r = await db.query<RecentRow>(
    `SELECT kind, place, tier, sum(n)::int AS n, sum(hours)::float8 AS hours FROM segment_recent
     WHERE hour >= date_trunc('hour', $1::timestamptz) GROUP BY 1, 2, 3`,
    [since],
  )
  return r.rows
}
