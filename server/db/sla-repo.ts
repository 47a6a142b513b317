import type pg from 'pg'
import { addDays, dayOf, dayStart, type DayRange } from '../domain/sla-range.ts'
import {
  CAUSE_SQL,
  CLOSING_JOIN,
  CLOSING_WHERE,
  DELIVERED_WHERE,
  OUTCOME_SQL,
  TRANSIT_BUCKETS,
  TRANSIT_HOURS_SQL,
  courierSource,
  hubSource,
  laneHistSource,
  laneSource,
  outcomeSource,
  tierTransitSource,
  type SlaSource,
} from './sla-sql.ts'

export type { SlaSource }
export { SLA_OUTCOMES as OUTCOMES, type SlaOutcome as Outcome } from '../../contract/enums.ts'
import type { SlaOutcome as Outcome } from '../../contract/enums.ts'
export const BREAKDOWNS = ['hub', 'region', 'courier'] as const
export type Breakdown = (typeof BREAKDOWNS)[number]
/** Columns a breakdown may be sorted by (anything else is a 400 at the route). */
export const BREAKDOWN_SORTS = ['key', 'name', 'closed', 'on_time', 'late', 'excused', 'rate'] as const
export type BreakdownSort = (typeof BREAKDOWN_SORTS)[number]

export interface OutcomeCounts {
  closed: number
  onTime: number
  late: number
  excused: number
}

const SUMS = `sum(parcels)::bigint AS closed,
  coalesce(sum(parcels) FILTER (WHERE outcome = 'on_time'), 0)::bigint AS on_time,
  coalesce(sum(parcels) FILTER (WHERE outcome = 'late'), 0)::bigint AS late,
  coalesce(sum(parcels) FILTER (WHERE outcome = 'excused'), 0)::bigint AS excused`

type CountRow = { closed: number; on_time: number; late: number; excused: number }
const counts = (r: CountRow): OutcomeCounts => ({
  closed: Number(r.closed),
  onTime: Number(r.on_time),
  late: Number(r.late),
  excused: Number(r.excused),
})

// $1 start, $2 end (Shanghai midnights)
export async function readOnTimeByDay(db: pg.Pool, src: SlaSource, range: DayRange) {
  const r = await db.query<CountRow & { day: Date; tier: string }>(
    `SELECT day, tier, ${SUMS} FROM ${outcomeSource(src, '$1', '$2')}
     WHERE day >= $1 AND day < $2 GROUP BY day, tier ORDER BY day, tier`,
    [range.start, range.end],
  )
  return r.rows.map((row) => ({ day: row.day, tier: row.tier, ...counts(row) }))
}

// $1 start, $2 end
export async function readTotalsByTier(db: pg.Pool, src: SlaSource, range: DayRange) {
  const r = await db.query<CountRow & { tier: string }>(
    `SELECT tier, ${SUMS} FROM ${outcomeSource(src, '$1', '$2')}
     WHERE day >= $1 AND day < $2 GROUP BY tier ORDER BY tier`,
    [range.start, range.end],
  )
  return r.rows.map((row) => ({ tier: row.tier, ...counts(row) }))
}

export interface BreakdownRow extends OutcomeCounts {
  key: string
  name: string
  detail: string | null
  rate: number | null
}

const BREAKDOWN_SQL: Record<
  Breakdown,
  { key: string; name: string; detail: string; join: string; source: typeof hubSource }
> = {
  hub: {
    key: 'd.hub_code',
    name: 'coalesce(h.name, d.hub_code)',
    detail: 'h.province',
    join: 'LEFT JOIN hubs h ON h.code = d.hub_code',
    source: hubSource,
  },
  region: {
    key: "coalesce(h.province, '?')",
    name: "coalesce(h.province, '?')",
    detail: 'NULL::text',
    join: 'LEFT JOIN hubs h ON h.code = d.hub_code',
    source: hubSource,
  },
  courier: {
    key: "coalesce(d.courier_code, 'none')",
    name: "coalesce(c.name, d.courier_code, '—')",
    detail: 'c.hub_code',
    join: 'LEFT JOIN couriers c ON c.code = d.courier_code',
    source: courierSource,
  },
}

// $1 start, $2 end, $3 tier or null
export async function readBreakdown(
  db: pg.Pool,
  src: SlaSource,
  range: DayRange,
  by: Breakdown,
  sort: BreakdownSort = 'closed',
  dir: 'asc' | 'desc' = 'desc',
  tier: string | null = null,
): Promise<BreakdownRow[]> {
  const b = BREAKDOWN_SQL[by]
  const r = await db.query<CountRow & { key: string; name: string; detail: string | null; rate: number | null }>(
    `SELECT key, name, detail, closed, on_time, late, excused,
            round(100.0 * on_time / nullif(on_time + late, 0), 1)::float8 AS rate
     FROM (SELECT ${b.key} AS key, ${b.name} AS name, ${b.detail} AS detail,
             sum(d.parcels)::bigint AS closed,
             coalesce(sum(d.parcels) FILTER (WHERE d.outcome = 'on_time'), 0)::bigint AS on_time,
             coalesce(sum(d.parcels) FILTER (WHERE d.outcome = 'late'), 0)::bigint AS late,
             coalesce(sum(d.parcels) FILTER (WHERE d.outcome = 'excused'), 0)::bigint AS excused
           FROM ${b.source(src, '$1', '$2', 'd')} ${b.join}
           WHERE d.day >= $1 AND d.day < $2 AND ($3::text IS NULL OR d.tier = $3)
           GROUP BY 1, 2, 3) t
     ORDER BY ${sort} ${dir === 'asc' ? 'ASC' : 'DESC'} NULLS LAST, key`,
    [range.start, range.end, tier],
  )
  return r.rows.map((row) => ({ key: row.key, name: row.name, detail: row.detail, rate: row.rate, ...counts(row) }))
}

// $1 start, $2 end, $3 tier or null
export async function readCauses(db: pg.Pool, src: SlaSource, range: DayRange, tier: string | null = null) {
  const r = await db.query<{ outcome: Outcome; cause: string; parcels: number }>(
    `SELECT outcome, cause, sum(parcels)::bigint AS parcels FROM ${outcomeSource(src, '$1', '$2')}
     WHERE day >= $1 AND day < $2 AND outcome <> 'on_time' AND ($3::text IS NULL OR tier = $3)
     GROUP BY outcome, cause ORDER BY parcels DESC, cause`,
    [range.start, range.end, tier],
  )
  return r.rows.map((row) => ({ outcome: row.outcome, cause: row.cause, parcels: Number(row.parcels) }))
}

/** Histogram per tier: tier → bucket → parcels. $1 start, $2 end */
export async function readTierHistograms(
  db: pg.Pool,
  src: SlaSource,
  range: DayRange,
): Promise<Map<string, Map<number, number>>> {
  const r = await db.query<{ tier: string; bucket: number; parcels: number }>(
    `SELECT tier, bucket, sum(parcels)::bigint AS parcels FROM ${tierTransitSource(src, '$1', '$2')}
     WHERE day >= $1 AND day < $2 GROUP BY tier, bucket`,
    [range.start, range.end],
  )
  const out = new Map<string, Map<number, number>>()
  for (const row of r.rows) {
    const m = out.get(row.tier) ?? new Map<number, number>()
    m.set(Number(row.bucket), Number(row.parcels))
    out.set(row.tier, m)
  }
  return out
}

export interface LaneHistogram {
  tier: string
  origin: string
  destination: string
  counts: Map<number, number>
}

export interface LaneTotal {
  tier: string
  origin: string
  destination: string
  parcels: number
}

/** The whole Beijing weeks (Monday to Sunday, as time_bucket's 7-day buckets) inside a range, or null. */
export function wholeWeeks(range: DayRange): { start: Date; end: Date } | null {
  const first = addDays(range.from, (8 - weekday(range.from)) % 7)
  const after = addDays(range.to, 1)
  const last = addDays(after, -((weekday(after) + 6) % 7))
  if (first >= last) return null
  return { start: dayStart(first)!, end: dayStart(last)! }
}
const weekday = (day: string) => new Date(`${day}T00:00:00Z`).getUTCDay() // 0 Sunday … 6 Saturday

/**
 * How to sum a range from weekly and daily rows with the fewest daily ones: weeks
 * [weeks.start, weeks.end), plus the days in `add`, minus the days in `sub` (an edge
 * may take the whole week around it and subtract the days outside the range, when
 * those are fewer: the days after a range ending today hold nothing yet).
 */
export function weekCover(range: DayRange): {
  weeks: { start: Date; end: Date } | null
  add: Array<[Date, Date]>
  sub: Array<[Date, Date]>
} {
  const after = addDays(range.to, 1)
  const lead = { inside: (8 - weekday(range.from)) % 7, outside: (weekday(range.from) + 6) % 7 } // days to the next / from the previous Monday
  const trail = { inside: (weekday(after) + 6) % 7, outside: (8 - weekday(after)) % 7 }
  const from = lead.outside < lead.inside ? addDays(range.from, -lead.outside) : addDays(range.from, lead.inside)
  const to = trail.outside < trail.inside ? addDays(after, trail.outside) : addDays(after, -trail.inside)
  if (from >= to) return { weeks: null, add: [[range.start, range.end]], sub: [] }
  const d = (day: string) => dayStart(day)!
  const add: Array<[Date, Date]> = []
  const sub: Array<[Date, Date]> = []
  if (from < range.from) sub.push([d(from), range.start])
  else if (from > range.from) add.push([range.start, d(from)])
  if (to > after) sub.push([range.end, d(to)])
  else if (to < after) add.push([d(to), range.end])
  return { weeks: { start: d(from), end: d(to) }, add, sub }
}

/**
 * weekCover, but only with weeks the weekly aggregates have stored: never the Beijing
 * week under way (`now` decides which), and none at or after `storedUntil`, the
 * aggregate's watermark (sql/055 made them materialised-only, so a week above it
 * would read as empty: the week just ended, before the next refresh). Those days are
 * read from the daily rows instead. `storedUntil` null: no week is stored.
 */
export function materialisedWeekCover(
  range: DayRange,
  now = new Date(),
  storedUntil?: Date | null,
): ReturnType<typeof weekCover> {
  const cover = weekCover(range)
  const monday = (day: string) => dayStart(addDays(day, -((weekday(day) + 6) % 7)))!
  const thisWeek = monday(dayOf(now))
  // The watermark lies on a week boundary (the Monday at or before it, should it not).
  let limit: Date | null = thisWeek
  if (storedUntil === null) limit = null
  else if (storedUntil && monday(dayOf(storedUntil)) < thisWeek) limit = monday(dayOf(storedUntil))
  if (!cover.weeks || (limit !== null && cover.weeks.end <= limit)) return cover
  if (limit === null || cover.weeks.start >= limit) return { weeks: null, add: [[range.start, range.end]], sub: [] }
  // The leading edge stays as weekCover had it; the trailing one now meets the first week not stored.
  const leading = ([, end]: [Date, Date]) =>
    end.getTime() <= Math.max(range.start.getTime(), cover.weeks!.start.getTime())
  const add = cover.add.filter(leading)
  const sub = cover.sub.filter(leading)
  if (range.end > limit) add.push([limit, range.end])
  else if (range.end < limit) sub.push([range.end, limit])
  return { weeks: { start: cover.weeks.start, end: limit }, add, sub }
}

/**
 * The end of a weekly lane aggregate's stored weeks (its watermark), or null when it
 * has stored none or the catalog cannot be read. Only asked when the range holds a
 * whole week.
 */
async function weeklyStoredUntil(db: pg.Pool, view: 'sla_lane_weekly' | 'sla_lane_hist_weekly'): Promise<Date | null> {
  try {
    const r = await db.query<{ w: Date | null }>(
      `SELECT CASE WHEN w > '2000-01-01' THEN w END AS w
       FROM _timescaledb_catalog.continuous_agg c,
            _timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(c.mat_hypertable_id)) AS w
       WHERE c.user_view_name = $1`,
      [view],
    )
    const w = r.rows[0]?.w
    return w instanceof Date && !Number.isNaN(w.getTime()) ? w : null
  } catch {
    return null
  }
}

/** The cover an aggregate read uses: weeks only where `view` has stored them. */
async function storedWeekCover(
  db: pg.Pool,
  range: DayRange,
  view: 'sla_lane_weekly' | 'sla_lane_hist_weekly',
): Promise<ReturnType<typeof weekCover>> {
  if (!weekCover(range).weeks) return materialisedWeekCover(range)
  return materialisedWeekCover(range, new Date(), await weeklyStoredUntil(db, view))
}

/**
 * Parcels delivered per tier and lane: sla_lane_weekly for the weeks of weekCover,
 * sla_lane_daily for its days (the raw form reads the days of the range).
 * $1 tier or null, then the bounds of the weeks and of each day span
 */
export async function readLaneTotals(
  db: pg.Pool,
  src: SlaSource,
  range: DayRange,
  tier: string | null = null,
): Promise<LaneTotal[]> {
  const cover =
    src === 'aggregate'
      ? await storedWeekCover(db, range, 'sla_lane_weekly')
      : { weeks: null, add: [[range.start, range.end]] as Array<[Date, Date]>, sub: [] }
  const params: unknown[] = [tier]
  const bound = (v: Date) => {
    params.push(v)
    return `$${params.length}::timestamptz`
  }
  const part = (span: [Date, Date], sign: '' | '-', table?: string, time = 'day') =>
    `SELECT tier, origin_hub, destination_hub, ${sign}parcels AS parcels FROM ${table ?? (src === 'raw' ? laneSource(src, bound(span[0]), bound(span[1]), 'd') : 'sla_lane_daily')}
     WHERE ${time} >= ${bound(span[0])} AND ${time} < ${bound(span[1])} AND ($1::text IS NULL OR tier = $1)`
  const parts = [
    ...(cover.weeks ? [part([cover.weeks.start, cover.weeks.end], '', 'sla_lane_weekly', 'week')] : []),
    ...cover.add.map((span) => part(span, '')),
    ...cover.sub.map((span) => part(span, '-')),
  ]
  const r = await db.query<{ tier: string; origin_hub: string; destination_hub: string; parcels: number }>(
    `SELECT tier, origin_hub, destination_hub, sum(parcels)::bigint AS parcels
     FROM (${parts.join(' UNION ALL ')}) x
     GROUP BY tier, origin_hub, destination_hub HAVING sum(parcels) <> 0`,
    params,
  )
  return r.rows.map((row) => ({
    tier: row.tier,
    origin: row.origin_hub,
    destination: row.destination_hub,
    parcels: Number(row.parcels),
  }))
}

type LaneKey = Pick<LaneHistogram, 'tier' | 'origin' | 'destination'>
const laneKey = (l: LaneKey) => `${l.tier}|${l.origin}|${l.destination}`
const SUMS_BY_BUCKET = TRANSIT_BUCKETS.map((b) => `sum(b${b})::integer AS b${b}`).join(', ')
type BucketRow = { tier: string; origin_hub: string; destination_hub: string; [bucket: `b${number}`]: number | null }

function histogramOf(row: BucketRow): LaneHistogram {
  const counts = new Map<number, number>()
  for (const b of TRANSIT_BUCKETS) {
    const n = row[`b${b}`]
    if (n) counts.set(b, Number(n))
  }
  return { tier: row.tier, origin: row.origin_hub, destination: row.destination_hub, counts }
}

/**
 * Histogram per tier and lane, one row per lane with a column per transit bucket.
 * From the aggregates: each lane's whole Beijing weeks of the range from
 * sla_lane_hist_weekly (sql/026) and the days outside them from sla_lane_hist_daily
 * (sql/022: a row per lane and day, not per lane, day and bucket), as weekCover
 * splits the range. Buckets without parcels are left out of the map. With `only`,
 * just those lanes (each lane's rows through the lane indexes).
 * $1 tier or null (or, with `only`: $1-$3 its tiers, origins, destinations), then bounds
 */
export async function readLaneHistograms(
  db: pg.Pool,
  src: SlaSource,
  range: DayRange,
  tier: string | null = null,
  only?: readonly LaneKey[],
): Promise<LaneHistogram[]> {
  if (src === 'raw') {
    const r = await db.query<BucketRow>(
      `SELECT tier, origin_hub, destination_hub, ${SUMS_BY_BUCKET} FROM ${laneHistSource(src, '$1', '$2')}
       WHERE day >= $1 AND day < $2 AND ($3::text IS NULL OR tier = $3)
       GROUP BY tier, origin_hub, destination_hub`,
      [range.start, range.end, tier],
    )
    const all = r.rows.map(histogramOf)
    if (!only) return all
    const wanted = new Set(only.map(laneKey))
    return all.filter((l) => wanted.has(laneKey(l)))
  }
  const cover = await storedWeekCover(db, range, 'sla_lane_hist_weekly')
  const params: unknown[] = only
    ? [only.map((l) => l.tier), only.map((l) => l.origin), only.map((l) => l.destination)]
    : [tier]
  const bound = (v: Date) => {
    params.push(v)
    return `$${params.length}::timestamptz`
  }
  // The lanes asked for, or every lane of the tier. The parts are read once for all the
  // lanes: a per-lane (lateral) read ran the daily aggregate's real-time part, which
  // re-aggregates every scan since its parent's last refresh, once per lane (22 s for
  // 50 lanes in the demo after its backlog).
  const lane = only
    ? '(h.tier, h.origin_hub, h.destination_hub) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))'
    : '($1::text IS NULL OR h.tier = $1)'
  const part = (span: [Date, Date], sign: '' | '-', table: string, time: string) =>
    `SELECT h.tier, h.origin_hub, h.destination_hub, ${TRANSIT_BUCKETS.map((b) => `${sign}h.b${b} AS b${b}`).join(', ')}
     FROM ${table} h WHERE ${lane} AND h.${time} >= ${bound(span[0])} AND h.${time} < ${bound(span[1])}`
  const parts = [
    ...(cover.weeks ? [part([cover.weeks.start, cover.weeks.end], '', 'sla_lane_hist_weekly', 'week')] : []),
    ...cover.add.map((span) => part(span, '', 'sla_lane_hist_daily', 'day')),
    ...cover.sub.map((span) => part(span, '-', 'sla_lane_hist_daily', 'day')),
  ].join(' UNION ALL ')
  const grouped = `SELECT tier, origin_hub, destination_hub, ${SUMS_BY_BUCKET} FROM (${parts}) u GROUP BY tier, origin_hub, destination_hub`
  const r = only
    ? // Every lane asked for comes back, in the order asked, with nothing where it has no rows.
      await db.query<BucketRow>(
        `SELECT l.tier, l.origin_hub, l.destination_hub, ${TRANSIT_BUCKETS.map((b) => `x.b${b}`).join(', ')}
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS l(tier, origin_hub, destination_hub, n)
       LEFT JOIN (${grouped}) x ON x.tier = l.tier AND x.origin_hub = l.origin_hub AND x.destination_hub = l.destination_hub
       ORDER BY l.n`,
        params,
      )
    : await db.query<BucketRow>(grouped, params)
  // A lane whose only parcels were on days a week took in and the edges took out sums to nothing.
  return only ? r.rows.map(histogramOf) : r.rows.map(histogramOf).filter((l) => l.counts.size > 0)
}

export interface ParcelFilter {
  tier?: string
  hub?: string
  origin?: string
  region?: string
  /** A courier code, or 'none' for closing scans without one. */
  courier?: string
  outcome?: Outcome
  cause?: string
  /** Only delivered parcels (the transit figures). */
  delivered?: boolean
  /** Transit bucket (sql/020 sla_transit_bucket); implies delivered. */
  bucket?: number
}

export interface ParcelRow {
  waybill: string
  tier: string
  origin: string
  destination: string
  courier: string | null
  collectedAt: Date
  closedAt: Date
  closing: string
  deadline: Date | null
  outcome: Outcome
  cause: string
  transitHours: number
}

/**
 * The parcels behind a figure: closed in the range (the same closing scan and the
 * same rules as the aggregates, read from the raw tables), oldest first; a page of
 * `limit` after `offset` (the order, closing time then waybill, is stable), with the total.
 */
export async function readParcels(
  db: pg.Pool,
  range: DayRange,
  f: ParcelFilter,
  limit: number,
  offset = 0,
): Promise<{ total: number; parcels: ParcelRow[] }> {
  const params: unknown[] = [range.start, range.end]
  const where = [
    f.delivered || f.bucket !== undefined ? DELIVERED_WHERE : CLOSING_WHERE,
    'e.event_time >= $1',
    'e.event_time < $2',
  ]
  const add = (sql: (p: string) => string, v: unknown) => {
    params.push(v)
    where.push(sql(`$${params.length}`))
  }
  if (f.tier) add((p) => `s.tier = ${p}`, f.tier)
  if (f.hub) add((p) => `s.destination_hub = ${p}`, f.hub)
  if (f.origin) add((p) => `s.origin_hub = ${p}`, f.origin)
  if (f.region) add((p) => `h.province = ${p}`, f.region)
  if (f.courier === 'none') where.push('e.courier_code IS NULL')
  else if (f.courier) add((p) => `e.courier_code = ${p}`, f.courier)
  if (f.outcome) add((p) => `(${OUTCOME_SQL}) = ${p}`, f.outcome)
  if (f.cause) add((p) => `(${CAUSE_SQL}) = ${p}`, f.cause)
  if (f.bucket !== undefined) add((p) => `sla_transit_bucket(${TRANSIT_HOURS_SQL}) = ${p}`, f.bucket)
  const filterParams = params.length
  params.push(limit, offset)
  const r = await db.query<{
    waybill: string
    tier: string
    origin_hub: string
    destination_hub: string
    courier_code: string | null
    collected_at: Date
    closed_at: Date
    closing: string
    promised_deadline: Date | null
    outcome: Outcome
    cause: string
    transit_hours: number
    total: number
  }>(
    `SELECT s.waybill, s.tier, s.origin_hub, s.destination_hub, e.courier_code, s.collected_at,
            e.event_time AS closed_at, e.type AS closing, s.promised_deadline,
            ${OUTCOME_SQL} AS outcome, ${CAUSE_SQL} AS cause,
            round((${TRANSIT_HOURS_SQL})::numeric, 1)::float8 AS transit_hours,
            count(*) OVER () AS total
     FROM ${CLOSING_JOIN} LEFT JOIN hubs h ON h.code = s.destination_hub
     WHERE ${where.join(' AND ')}
     ORDER BY e.event_time, s.waybill
     LIMIT $${filterParams + 1} OFFSET $${filterParams + 2}`,
    params,
  )
  // A page past the end has no row to carry the total: count on its own then.
  const total =
    r.rows[0] !== undefined || offset === 0
      ? Number(r.rows[0]?.total ?? 0)
      : Number(
          (
            await db.query<{ n: string }>(
              `SELECT count(*) AS n FROM ${CLOSING_JOIN} LEFT JOIN hubs h ON h.code = s.destination_hub WHERE ${where.join(' AND ')}`,
              params.slice(0, filterParams),
            )
          ).rows[0]?.n ?? 0,
        )
  return {
    total,
    parcels: r.rows.map((x) => ({
      waybill: x.waybill,
      tier: x.tier,
      origin: x.origin_hub,
      destination: x.destination_hub,
      courier: x.courier_code,
      collectedAt: x.collected_at,
      closedAt: x.closed_at,
      closing: x.closing,
      deadline: x.promised_deadline,
      outcome: x.outcome,
      cause: x.cause,
      transitHours: x.transit_hours,
    })),
  }
}
