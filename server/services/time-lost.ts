/**
 * "Where the time was lost" (/sla, issue 13): the late parcels delivered in a
 * range, each segment's excess over its p50 charged to the hub, lane or
 * courier that ran it (server/domain/attribution.ts), summed into a Pareto by
 * responsible and kind, with the parcels behind it (the drill-down) and the
 * hub-dwell p90 by hour of the week of the hubs at the top (the heat map).
 * Reads the kept segments (parcel_paths) and histograms, never the events.
 */
import type pg from 'pg'
import type { DayRange } from '../domain/sla-range.ts'
import {
  breachCause,
  causeResponsible,
  chargesOf,
  dwellP90ByHourOfWeek,
  excessAt,
  pareto,
  tallyCauses,
  type Charge,
  type Norms,
} from '../domain/attribution.ts'
import { pmfOfCounts, quantileHours } from '../domain/eta.ts'
import type { Segment, SegmentKind } from '../domain/segments.ts'
import { transitModel } from './transit-model.ts'

/** At most this many late parcels are read per question (the drill-down pages the rest through /sla/parcels). */
export const TIME_LOST_MAX_PARCELS = 20_000
const HEATMAP_HUBS = 8

type SegmentTuple = [SegmentKind, string, string | null, number, number]

/**
 * Which late parcels the answer lists (the drill-down): all of them (no kind), or
 * those that lost time at one Pareto bar (kind and responsible), or, with
 * match 'cause', those whose breach cause it is; `limit` after `offset`.
 */
export interface TimeLostFilter {
  kind?: SegmentKind
  responsible?: string
  match: 'segment' | 'cause'
  limit: number
  offset: number
}
const ALL: TimeLostFilter = { match: 'segment', limit: 500, offset: 0 }

export async function slaTimeLost(db: pg.Pool, range: DayRange, tier: string | null, filter: TimeLostFilter = ALL) {
  const m = await transitModel(db, new Date())
  const cache = new Map<string, number | null>()
  const norms: Norms = {
    p50(kind, place, t) {
      const k = `${kind}|${place}|${t}`
      if (!cache.has(k)) {
        const c = m.model.counts(kind, place, t, null)
        const pmf = c ? pmfOfCounts(c) : null
        cache.set(k, pmf ? Math.round(quantileHours(pmf, 0.5) * 100) / 100 : null)
      }
      return cache.get(k)!
    },
  }
  const r = await db.query<{
    waybill: string
    tier: string
    origin: string
    dest: string
    delivered_at: Date
    deadline: Date
    segments: SegmentTuple[]
  }>(
    `SELECT s.waybill, s.tier, s.origin_hub AS origin, s.destination_hub AS dest, s.delivered_at, s.promised_deadline AS deadline, p.segments
     FROM shipments s JOIN parcel_paths p ON p.waybill = s.waybill
     WHERE s.delivered_at >= $1 AND s.delivered_at < $2 AND s.delivered_at > s.promised_deadline
       AND (s.exception_reason IS NULL OR s.exception_reason NOT IN ('refused', 'wrong_address'))
       AND ($3::text IS NULL OR s.tier = $3)
     ORDER BY s.delivered_at, s.waybill LIMIT $4`,
    [range.start, range.end, tier, TIME_LOST_MAX_PARCELS],
  )
  const perParcel: Charge[][] = []
  const parcels = r.rows.map((row) => {
    const segments: Segment[] = row.segments.map(([kind, place, courier, start, end]) => ({
      kind,
      place,
      courier,
      start,
      end,
    }))
    const charges = chargesOf(segments, row.tier, norms)
    perParcel.push(charges)
    return {
      waybill: row.waybill,
      tier: row.tier,
      origin: row.origin,
      destination: row.dest,
      deliveredAt: row.delivered_at,
      deadline: row.deadline,
      lateHours: Math.round(((row.delivered_at.getTime() - row.deadline.getTime()) / 3_600_000) * 10) / 10,
      cause: breachCause(charges),
      charges: charges.filter((c) => c.excessHours > 0),
    }
  })
  const rows = pareto(perParcel)
  const causes = tallyCauses(parcels.map((p) => p.cause))
  const hubs = [...new Set(rows.filter((x) => x.kind === 'hub_dwell').map((x) => x.responsible))].slice(0, HEATMAP_HUBS)
  const heat =
    hubs.length === 0
      ? []
      : (
          await db.query<{ place: string; how: number; bucket: number; n: number }>(
            `SELECT place, how, bucket, sum(n)::float8 AS n FROM segment_hist WHERE kind = 'hub_dwell' AND place = ANY($1::text[]) GROUP BY 1, 2, 3`,
            [hubs],
          )
        ).rows
  const heatmap = hubs.map((hub) => ({ hub, p90: dwellP90ByHourOfWeek(heat.filter((h) => h.place === hub)) }))
  const chosen = chooseLate(parcels, filter)
  const shown = [...chosen.slice(filter.offset, filter.offset + filter.limit)]
  const codes = new Set<string>()
  for (const x of [...rows, ...causes]) for (const c of x.responsible.split('→')) codes.add(c)
  for (const p of shown)
    for (const c of [p.origin, p.destination, ...(p.cause ? causeResponsible(p.cause).split('→') : [])]) codes.add(c)
  return {
    from: range.from,
    to: range.to,
    tier,
    parcels: parcels.length,
    truncated: r.rows.length === TIME_LOST_MAX_PARCELS,
    pareto: rows,
    causes,
    heatmap,
    names: await namesOf(db, [...codes]),
    lateTotal: chosen.length,
    late: shown,
  }
}

type LateParcel = { waybill: string; deliveredAt: Date; cause: ReturnType<typeof breachCause>; charges: Charge[] }

/** The late parcels a filter picks, with the excess lost there (`at`), largest first; all of them by delivery otherwise. */
function chooseLate<P extends LateParcel>(
  parcels: P[],
  f: TimeLostFilter,
): Array<P & { at: { kind: SegmentKind; responsible: string; excessHours: number } | null }> {
  const { kind, responsible } = f
  if (!kind || !responsible) return parcels.map((p) => ({ ...p, at: null }))
  const picked = parcels
    .filter((p) =>
      f.match === 'cause'
        ? p.cause !== null && p.cause.code === kind && causeResponsible(p.cause) === responsible
        : excessAt(p.charges, kind, responsible) > 0,
    )
    .map((p) => ({ ...p, at: { kind, responsible, excessHours: excessAt(p.charges, kind, responsible) } }))
  return picked.sort((a, b) => b.at.excessHours - a.at.excessHours || a.waybill.localeCompare(b.waybill))
}

/** Names of hubs and couriers by code (the chart's tooltip, the tables). */
async function namesOf(db: pg.Pool, codes: string[]): Promise<Record<string, string>> {
  if (codes.length === 0) return {}
  const r = await db.query<{ code: string; name: string }>(
    `SELECT code, name FROM hubs WHERE code = ANY($1::text[]) UNION ALL SELECT code, name FROM couriers WHERE code = ANY($1::text[])`,
    [codes],
  )
  return Object.fromEntries(r.rows.map((x) => [x.code, x.name]))
}
