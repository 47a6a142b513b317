/**
 * Breach attribution: where a late parcel's time went. Pure.
 *
 * Each segment of the parcel's path (segments.ts) is compared with its norm,
 * the p50 of the same kind, place and tier in the kept histograms; the excess
 * (hours beyond the p50, never below 0) is charged to whoever ran the segment:
 *   hub_dwell → the hub;  first_mile → the origin outlet;  last_mile → the
 *   destination outlet;  line_haul → the lane "A→B";  delivery_run → the courier
 *   (the outlet when the courier is unknown).
 * A parcel's breach cause is its largest excess ("hub dwell at X", "line-haul
 * A→B", …). Summed over the late parcels of a period, the excess per
 * responsible and kind, largest first with its running share, is the Pareto
 * chart of /sla "where the time was lost".
 */
import { PATH_KINDS, SEGMENT_EDGES, segmentHours, type Segment, type SegmentKind } from './segments.ts'

export interface Norms {
  /** The p50 hours of (kind, place, tier), or null without history. */
  p50(kind: SegmentKind, place: string, tier: string): number | null
}

export interface Charge {
  kind: SegmentKind
  place: string
  /** Hub code, lane "A→B" or courier code. */
  responsible: string
  hours: number
  p50: number
  excessHours: number
}

export function responsibleFor(s: Segment): string {
  if (s.kind === 'line_haul') return s.place.replace('>', '→')
  if (s.kind === 'delivery_run') return s.courier ?? s.place
  return s.place
}

/** Every path segment with a norm, and its excess over it. */
export function chargesOf(segments: readonly Segment[], tier: string, norms: Norms): Charge[] {
  const out: Charge[] = []
  for (const s of segments) {
    if (!(PATH_KINDS as readonly string[]).includes(s.kind)) continue
    const p50 = norms.p50(s.kind, s.place, tier)
    if (p50 === null) continue
    const hours = segmentHours(s)
    out.push({
      kind: s.kind,
      place: s.place,
      responsible: responsibleFor(s),
      hours: round1(hours),
      p50: round1(p50),
      excessHours: round1(Math.max(0, hours - p50)),
    })
  }
  return out
}

export type BreachCause =
  | { code: 'hub_dwell'; hub: string; excessHours: number }
  | { code: 'line_haul'; lane: string; excessHours: number }
  | { code: 'first_mile' | 'last_mile'; hub: string; excessHours: number }
  | { code: 'delivery_run'; courier: string; excessHours: number }

/** The segment that consumed most of the parcel's excess; null when no segment ran over its p50. */
export function breachCause(charges: readonly Charge[]): BreachCause | null {
  let top: Charge | null = null
  for (const c of charges) if (c.excessHours > 0 && (top === null || c.excessHours > top.excessHours)) top = c
  if (!top) return null
  const e = top.excessHours
  if (top.kind === 'hub_dwell') return { code: 'hub_dwell', hub: top.place, excessHours: e }
  if (top.kind === 'line_haul') return { code: 'line_haul', lane: top.responsible, excessHours: e }
  if (top.kind === 'delivery_run') return { code: 'delivery_run', courier: top.responsible, excessHours: e }
  return { code: top.kind as 'first_mile' | 'last_mile', hub: top.place, excessHours: e }
}

/** The responsible named by a breach cause (hub, lane or courier). */
export function causeResponsible(c: BreachCause): string {
  return c.code === 'line_haul' ? c.lane : c.code === 'delivery_run' ? c.courier : c.hub
}

export interface CauseRow {
  code: BreachCause['code']
  responsible: string
  parcels: number
  excessHours: number
}

/**
 * Late parcels counted by their breach cause ("hub dwell at X", "line-haul A→B", …),
 * most parcels first; parcels without one (no segment over its p50) are left out.
 */
export function tallyCauses(causes: ReadonlyArray<BreachCause | null>): CauseRow[] {
  const acc = new Map<string, CauseRow>()
  for (const c of causes) {
    if (!c) continue
    const responsible = causeResponsible(c)
    const k = `${c.code}|${responsible}`
    const a = acc.get(k) ?? { code: c.code, responsible, parcels: 0, excessHours: 0 }
    a.parcels++
    a.excessHours += c.excessHours
    acc.set(k, a)
  }
  return [...acc.values()]
    .map((r) => ({ ...r, excessHours: round1(r.excessHours) }))
    .sort(
      (a, b) => b.parcels - a.parcels || b.excessHours - a.excessHours || a.responsible.localeCompare(b.responsible),
    )
}

/** The excess a parcel's charges put on one responsible and kind (a Pareto bar), 0 when none. */
export function excessAt(charges: readonly Charge[], kind: SegmentKind, responsible: string): number {
  let sum = 0
  for (const c of charges) if (c.kind === kind && c.responsible === responsible) sum += c.excessHours
  return round1(sum)
}

export interface ParetoRow {
  responsible: string
  kind: SegmentKind
  excessHours: number
  parcels: number
  /** Running share of all excess, 0–1, largest first. */
  cumulative: number
}

/** Excess summed per responsible and kind over many parcels, largest first, with the running share. */
export function pareto(perParcel: ReadonlyArray<readonly Charge[]>): ParetoRow[] {
  const acc = new Map<string, { responsible: string; kind: SegmentKind; excessHours: number; parcels: number }>()
  for (const charges of perParcel) {
    for (const c of charges) {
      if (c.excessHours <= 0) continue
      const k = `${c.kind}|${c.responsible}`
      const a = acc.get(k) ?? { responsible: c.responsible, kind: c.kind, excessHours: 0, parcels: 0 }
      a.excessHours += c.excessHours
      a.parcels++
      acc.set(k, a)
    }
  }
  const rows = [...acc.values()].sort(
    (a, b) => b.excessHours - a.excessHours || a.responsible.localeCompare(b.responsible),
  )
  const total = rows.reduce((s, r) => s + r.excessHours, 0)
  let run = 0
  return rows.map((r) => {
    run += r.excessHours
    return {
      ...r,
      excessHours: round1(r.excessHours),
      cumulative: total > 0 ? Math.round((run / total) * 1000) / 1000 : 0,
    }
  })
}

/**
 * Hub dwell p90 (hours) by hour of the week the dwell began, from histogram
 * rows of one hub (any tier): the heat map of /sla. Null where no dwell began.
 */
export function dwellP90ByHourOfWeek(
  rows: ReadonlyArray<{ how: number; bucket: number; n: number }>,
): Array<number | null> {
  const byHour: Array<Map<number, number>> = Array.from({ length: 168 }, () => new Map())
  for (const r of rows) byHour[r.how]?.set(r.bucket, (byHour[r.how]!.get(r.bucket) ?? 0) + r.n)
  return byHour.map((m) => {
    let total = 0
    for (const n of m.values()) total += n
    if (total === 0) return null
    const rank = 0.9 * total
    let before = 0
    for (const [bucket, n] of [...m].sort((a, b) => a[0] - b[0])) {
      if (before + n >= rank) {
        const lower = SEGMENT_EDGES[bucket] ?? 0
        const upper = SEGMENT_EDGES[bucket + 1] ?? lower * 1.5
        return round1(lower + ((rank - before) / n) * (upper - lower))
      }
      before += n
    }
    return null
  })
}

function round1(x: number): number {
  return Math.round(x * 10) / 10
}
