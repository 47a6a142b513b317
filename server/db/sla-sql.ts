/**
 * The relations the SLA queries read, in two interchangeable forms:
 *  - 'aggregate': the continuous aggregates of sql/020 and sql/022 (what the product reads);
 *  - 'raw': the same rows computed from scan_events and shipments at query time.
 * Every SLA query is written once against these names, so the property test and
 * the benchmark ask the raw tables exactly the same question. The raw forms take
 * the time range as two parameters (placeholders given by the caller) so they scan
 * only that range of the hypertable.
 *
 * The outcome and cause expressions repeat sql/020's (the property test proves
 * that both forms agree).
 */
import { CONSIGNEE_CAUSES } from '../domain/verdict.ts'
import { EXCEPTION_REASONS } from '../domain/status.ts'

export type SlaSource = 'aggregate' | 'raw'

/**
 * A list of enum members as SQL text ('a', 'b'): the raw forms must say exactly what
 * the aggregates of sql/020 say, and a continuous aggregate cannot take a parameter,
 * so the causes are written from the TypeScript constant (identifiers only, checked)
 * and test/unit/domain/consignee-causes.test.ts holds sql/020's copy equal to it.
 */
export function sqlEnumList(members: readonly string[]): string {
  for (const m of members) if (!/^[a-z_]+$/.test(m)) throw new RangeError(`not an enum member: ${m}`)
  return members.map((m) => `'${m}'`).join(', ')
}

/** The scan that closed the parcel, joined to it. */
export const CLOSING_JOIN = `scan_events e JOIN shipments s ON s.waybill = e.waybill`
export const CLOSING_WHERE = `e.type IN ('delivered', 'returned') AND e.type = s.status AND e.event_time = s.status_at`
export const DELIVERED_WHERE = `e.type = 'delivered' AND s.status = 'delivered' AND e.event_time = s.status_at`

export const OUTCOME_SQL = `CASE WHEN e.type = 'delivered' AND e.event_time <= s.promised_deadline THEN 'on_time'
            WHEN s.exception_reason IN (${sqlEnumList(CONSIGNEE_CAUSES)}) THEN 'excused'
            ELSE 'late' END`

export const CAUSE_SQL = `CASE WHEN e.type = 'delivered' AND e.event_time <= s.promised_deadline THEN 'none'
            WHEN s.exception_reason IN (${sqlEnumList([...CONSIGNEE_CAUSES, ...EXCEPTION_REASONS.filter((r) => !CONSIGNEE_CAUSES.includes(r))])}) THEN s.exception_reason
            WHEN e.type = 'returned' THEN 'returned'
            WHEN s.promised_deadline IS NULL THEN 'no_promise'
            WHEN e.event_time < s.promised_deadline + INTERVAL '24 hours' THEN 'late_last_mile'
            ELSE 'stalled' END`

export const DAY_SQL = `time_bucket(INTERVAL '1 day', e.event_time, 'Asia/Shanghai')`
export const TRANSIT_HOURS_SQL = `extract(epoch FROM e.event_time - s.collected_at)::float8 / 3600`

/** A FROM item named sla_daily: (day, tier, hub_code, courier_code, outcome, cause, parcels). */
export function dailySource(src: SlaSource, start: string, end: string, alias = 'sla_daily'): string {
  if (src === 'aggregate') return `sla_daily AS ${alias}`
  return `(SELECT ${DAY_SQL} AS day, s.tier, s.destination_hub AS hub_code, e.courier_code,
            ${OUTCOME_SQL} AS outcome, ${CAUSE_SQL} AS cause, count(*) AS parcels
          FROM ${CLOSING_JOIN}
          WHERE ${CLOSING_WHERE} AND e.event_time >= ${start} AND e.event_time < ${end}
          GROUP BY 1, 2, 3, 4, 5, 6) AS ${alias}`
}

/** A FROM item named sla_transit_lane_daily: (day, tier, origin_hub, destination_hub, bucket, parcels). */
export function laneTransitSource(
  src: SlaSource,
  start: string,
  end: string,
  alias = 'sla_transit_lane_daily',
): string {
  if (src === 'aggregate') return `sla_transit_lane_daily AS ${alias}`
  return `(SELECT ${DAY_SQL} AS day, s.tier, s.origin_hub, s.destination_hub,
            sla_transit_bucket(${TRANSIT_HOURS_SQL}) AS bucket, count(*) AS parcels
          FROM ${CLOSING_JOIN}
          WHERE ${DELIVERED_WHERE} AND e.event_time >= ${start} AND e.event_time < ${end}
          GROUP BY 1, 2, 3, 4, 5) AS ${alias}`
}

/** A FROM item named sla_transit_tier_daily: (day, tier, bucket, parcels). */
export function tierTransitSource(
  src: SlaSource,
  start: string,
  end: string,
  alias = 'sla_transit_tier_daily',
): string {
  if (src === 'aggregate') return `sla_transit_tier_daily AS ${alias}`
  return `(SELECT ${DAY_SQL} AS day, s.tier, sla_transit_bucket(${TRANSIT_HOURS_SQL}) AS bucket, count(*) AS parcels
          FROM ${CLOSING_JOIN}
          WHERE ${DELIVERED_WHERE} AND e.event_time >= ${start} AND e.event_time < ${end}
          GROUP BY 1, 2, 3) AS ${alias}`
}

/** The closed parcels of the range grouped by the given columns (select list of the raw forms below). */
function rawClosing(select: string, groups: number, start: string, end: string, alias: string): string {
  return `(SELECT ${DAY_SQL} AS day, s.tier, ${select}, count(*) AS parcels
          FROM ${CLOSING_JOIN}
          WHERE ${CLOSING_WHERE} AND e.event_time >= ${start} AND e.event_time < ${end}
          GROUP BY ${Array.from({ length: groups }, (_, i) => i + 1).join(', ')}) AS ${alias}`
}

/** A FROM item named sla_outcome_daily: (day, tier, outcome, cause, parcels). */
export function outcomeSource(src: SlaSource, start: string, end: string, alias = 'sla_outcome_daily'): string {
  if (src === 'aggregate') return `sla_outcome_daily AS ${alias}`
  return rawClosing(`${OUTCOME_SQL} AS outcome, ${CAUSE_SQL} AS cause`, 4, start, end, alias)
}

/** A FROM item named sla_hub_daily: (day, tier, hub_code, outcome, parcels). */
export function hubSource(src: SlaSource, start: string, end: string, alias = 'sla_hub_daily'): string {
  if (src === 'aggregate') return `sla_hub_daily AS ${alias}`
  return rawClosing(`s.destination_hub AS hub_code, ${OUTCOME_SQL} AS outcome`, 4, start, end, alias)
}

/** A FROM item named sla_courier_daily: (day, tier, courier_code, outcome, parcels). */
export function courierSource(src: SlaSource, start: string, end: string, alias = 'sla_courier_daily'): string {
  if (src === 'aggregate') return `sla_courier_daily AS ${alias}`
  return rawClosing(`e.courier_code, ${OUTCOME_SQL} AS outcome`, 4, start, end, alias)
}

/** Transit buckets 0 … 54: sla_transit_bucket's range (width_bucket over 54 edges). */
export const TRANSIT_BUCKETS = Array.from({ length: 55 }, (_, i) => i)

/**
 * A FROM item named sla_lane_hist_daily: (day, tier, origin_hub, destination_hub, b0 … b54),
 * bN the parcels delivered in transit bucket N (NULL for none).
 */
export function laneHistSource(src: SlaSource, start: string, end: string, alias = 'sla_lane_hist_daily'): string {
  if (src === 'aggregate') return `sla_lane_hist_daily AS ${alias}`
  const cols = TRANSIT_BUCKETS.map(
    (b) => `nullif(count(*) FILTER (WHERE sla_transit_bucket(${TRANSIT_HOURS_SQL}) = ${b}), 0)::integer AS b${b}`,
  )
  return `(SELECT ${DAY_SQL} AS day, s.tier, s.origin_hub, s.destination_hub, ${cols.join(', ')}
          FROM ${CLOSING_JOIN}
          WHERE ${DELIVERED_WHERE} AND e.event_time >= ${start} AND e.event_time < ${end}
          GROUP BY 1, 2, 3, 4) AS ${alias}`
}

/** A FROM item named sla_lane_daily: (day, tier, origin_hub, destination_hub, parcels delivered). */
export function laneSource(src: SlaSource, start: string, end: string, alias = 'sla_lane_daily'): string {
  if (src === 'aggregate') return `sla_lane_daily AS ${alias}`
  return `(SELECT ${DAY_SQL} AS day, s.tier, s.origin_hub, s.destination_hub, count(*) AS parcels
          FROM ${CLOSING_JOIN}
          WHERE ${DELIVERED_WHERE} AND e.event_time >= ${start} AND e.event_time < ${end}
          GROUP BY 1, 2, 3, 4) AS ${alias}`
}

/** Beijing week (from Monday, time_bucket's default origin) holding a timestamp. */
export const weekOf = (ts: string) => `time_bucket(INTERVAL '7 days', ${ts}, 'Asia/Shanghai')`

/**
 * A FROM item named sla_lane_weekly: (week, tier, origin_hub, destination_hub, parcels).
 * The raw form covers the whole weeks from the one holding start to the one holding end.
 */
export function laneWeeklySource(src: SlaSource, start: string, end: string, alias = 'sla_lane_weekly'): string {
  if (src === 'aggregate') return `sla_lane_weekly AS ${alias}`
  return `(SELECT ${weekOf('e.event_time')} AS week, s.tier, s.origin_hub, s.destination_hub, count(*) AS parcels
          FROM ${CLOSING_JOIN}
          WHERE ${DELIVERED_WHERE} AND e.event_time >= ${weekOf(start)} AND e.event_time < ${weekOf(end)} + INTERVAL '7 days'
          GROUP BY 1, 2, 3, 4) AS ${alias}`
}
